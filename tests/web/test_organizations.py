"""Organization admin: members and roles, and branding with a logo."""

from __future__ import annotations

import io

from PIL import Image

from tests.server.helpers import new_user, png_bytes


def test_admin_manages_members_and_branding(signed_in, owner, live_server, tmp_path, browser):
    from tests.web.conftest import Browsing

    organization = owner.created("organization/", {"name": "Oncology lab"})
    member = new_user(live_server)
    page = signed_in.page
    page.goto("/")
    with page.expect_navigation():
        page.click("a:has-text('Oncology lab')")
    page.fill("#org-username", member.username)
    page.select_option("#org-role", "workspace_creator")
    with page.expect_navigation():
        page.click("form:has(#org-username) button")
    assert page.locator(f"#org-members tr[data-member='{member.username}'] select").input_value() == (
        "workspace_creator"
    )
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes(64, 32, (14, 116, 144)))
    page.fill("#id_name", "Oncology lab (Cambridge)")
    page.set_input_files("#id_logo", str(logo))
    with page.expect_navigation():
        page.click("#branding button")
    assert "Branding saved." in page.inner_text(".messages")
    assert page.inner_text("h1").strip() == "Oncology lab (Cambridge)"
    src = page.get_attribute("h1 img.logo-img", "src")
    response = page.request.get(live_server.url + src)
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.body())).size == (64, 32)

    other = Browsing(browser, live_server.url)
    try:
        other.sign_in(member.username, member.password)
        other.page.goto(f"/organization/{organization['api_id']}")
        assert other.page.locator("#branding").count() == 0  # members see it; only admins change it
        assert member.username in other.page.inner_text("#org-members")
    finally:
        other.close()


def test_svg_logos_are_refused(signed_in, owner, tmp_path):
    organization = owner.created("organization/", {"name": "Careful lab"})
    page = signed_in.page
    page.goto(f"/organization/{organization['api_id']}")
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    page.set_input_files("#id_logo", str(logo))
    page.click("#branding button")
    page.wait_for_load_state()
    assert "The logo must be a PNG, JPEG, GIF or WebP image." in page.inner_text("#branding")
