"""Home, workspace pages, members and roles, and search across a workspace."""

from __future__ import annotations

from tests.server.helpers import new_user


def test_workspace_lists_analyses_and_assets(signed_in, seeded):
    page = signed_in.page
    page.goto("/")
    with page.expect_navigation():
        page.click(f"#workspaces a:has-text('{seeded.workspace['name']}')")
    assert page.inner_text("h1") == seeded.workspace["name"]
    assert "Xenograft cohort 2" in page.inner_text("#analyses")
    assert "3\nrevisions" in page.inner_text(".counts")
    with page.expect_navigation():
        page.click(".tabs a:has-text('Assets')")
    assert "volumes.csv" in page.inner_text("#assets")


def test_members_and_roles(signed_in, browser, live_server, owner):
    from tests.web.conftest import Browsing

    workspace = owner.workspace("Team workspace")
    colleague = new_user(live_server)
    page = signed_in.page
    page.goto(f"/workspace/{workspace['api_id']}/members")
    page.fill("#member-username", colleague.username)
    page.select_option("#member-role", "creator")
    with page.expect_navigation():
        page.click("#add-member button")
    assert f"{colleague.username} is now creator." in page.inner_text(".messages")
    row = page.locator(f"#members tr[data-member='{colleague.username}']")
    assert row.locator("select").input_value() == "creator"
    # the last owner cannot be demoted
    mine = page.locator(f"#members tr[data-member='{owner.username}']")
    mine.locator("select").select_option("viewer")
    with page.expect_navigation():
        mine.locator("button:has-text('Save')").click()
    assert "A workspace must keep at least one owner." in page.inner_text(".messages")

    other = Browsing(browser, live_server.url)
    try:
        other.sign_in(colleague.username, colleague.password)
        assert "Team workspace" in other.page.inner_text("#workspaces")
        other.page.goto(f"/workspace/{workspace['api_id']}/members")
        assert other.page.locator("#add-member").count() == 0  # a creator cannot manage members
    finally:
        other.close()

    row = page.locator(f"#members tr[data-member='{colleague.username}']")
    with page.expect_navigation():
        row.locator("button:has-text('Remove')").click()
    assert f"{colleague.username} is no longer a member." in page.inner_text(".messages")


def test_search_by_name_and_metadata(signed_in, seeded):
    page = signed_in.page
    page.goto(f"/workspace/{seeded.workspace['api_id']}")
    page.fill(".tabs input[name=q]", "volume by")
    with page.expect_navigation():
        page.click(".tabs button:has-text('Search')")
    results = page.inner_text("#search-results")
    assert "Tumour volume by arm" in results
    page.goto(f"/workspace/{seeded.workspace['api_id']}/search?q=growth.ipynb")
    rows = page.locator("#metadata-results tbody tr")
    assert rows.count() == 3
    assert "notebook_name" in rows.first.inner_text()
    page.goto(f"/workspace/{seeded.workspace['api_id']}/search?q=0.076")  # one revision's treated_rate
    assert page.locator("#metadata-results tbody tr").count() == 1
    assert "revision 2" in page.inner_text("#metadata-results")
