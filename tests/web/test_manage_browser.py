"""Creating, renaming and deleting in a real browser: the page-head controls, the confirmation step of a
deletion (which says what goes with it), and the controls folding into a menu at phone width, where no
page scrolls sideways."""

from __future__ import annotations

from tests.server.helpers import data_item, png_bytes, unique

PHONE = {"width": 390, "height": 844}


def image() -> dict:
    return data_item(png_bytes(), "image", name="figure", format="png", is_watermarked=False)


def test_create_rename_and_delete_with_a_confirmation(signed_in, owner):
    page = signed_in.page
    name = unique("Browser lab")
    page.goto("/")
    with page.expect_navigation():
        page.click("#new-workspace")
    page.fill("#id_name", name)
    with page.expect_navigation():
        page.click("#manage-submit")
    assert page.inner_text("h1") == name
    assert "You are its owner." in page.inner_text(".messages")
    with page.expect_navigation():
        page.click("#new-analysis")
    page.fill("#id_name", "Cohort B")
    with page.expect_navigation():
        page.click("#manage-submit")
    analysis_id = page.url.rstrip("/").split("/")[-1]
    with page.expect_navigation():
        page.click("#rename-analysis")
    assert page.input_value("#id_name") == "Cohort B"
    page.fill("#id_name", "Cohort B (final)")
    with page.expect_navigation():
        page.click("#manage-submit")
    assert page.inner_text("h1") == "Cohort B (final)"

    figure = owner.figure(analysis_id, "Survival")
    for _ in range(2):
        owner.revision(figure["api_id"], image())
    page.goto(f"/figure/{figure['api_id']}")
    with page.expect_navigation():
        page.click("#delete-figure")
    assert page.inner_text("h1") == "Delete figure “Survival”?"
    assert page.inner_text("#delete-summary").startswith("Deletes 2 revisions (")
    with page.expect_navigation():
        page.click("#delete-cancel")  # changing one's mind changes nothing
    assert page.inner_text("h1").startswith("Survival")
    assert owner.get(f"figure/{figure['api_id']}/").status_code == 200
    with page.expect_navigation():
        page.click("#delete-figure")
    with page.expect_navigation():
        page.click("#delete-confirm")
    assert "Deleted the figure “Survival”." in page.inner_text(".messages")
    assert page.inner_text("h1") == "Cohort B (final)"
    assert owner.get(f"figure/{figure['api_id']}/").status_code == 404
    assert not signed_in.errors


def test_controls_fold_into_a_menu_at_phone_width(signed_in, owner, seeded):
    page = signed_in.page
    page.set_viewport_size(PHONE)
    workspace = owner.workspace(unique("Phone lab"))
    analysis = owner.analysis(workspace["api_id"], "A rather long analysis name that has to wrap somewhere")
    figure = owner.figure(analysis["api_id"], "Phone figure")
    revision = owner.revision(figure["api_id"], image())
    pages = [
        "/",
        f"/workspace/{workspace['api_id']}",
        f"/workspace/{workspace['api_id']}/members",
        f"/workspace/{workspace['api_id']}/edit",
        f"/workspace/{workspace['api_id']}/delete",
        f"/workspace/{workspace['api_id']}/analysis/new",
        f"/analysis/{analysis['api_id']}",
        f"/analysis/{analysis['api_id']}/delete",
        f"/figure/{figure['api_id']}",
        f"/figure/{figure['api_id']}/edit",
        f"/revision/{revision['api_id']}",
        f"/revision/{revision['api_id']}/delete",
        f"/analysis/{seeded.analysis['api_id']}",
        f"/figure/{seeded.figure['api_id']}",
        "/workspace/new",
        "/organization/new",
    ]
    for path in pages:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways: {width} px"

    page.goto(f"/figure/{figure['api_id']}")
    menu = page.locator(".page-head details.fold")
    assert menu.locator("summary").is_visible()
    assert not page.locator("#delete-figure").is_visible()  # folded away
    menu.locator("summary").click()
    assert page.locator("#delete-figure").is_visible()
    box = page.locator(".page-head .fold-items").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.keyboard.press("Escape")
    assert not page.locator("#delete-figure").is_visible()
    menu.locator("summary").click()
    with page.expect_navigation():
        page.click("#delete-figure")
    assert page.inner_text("#delete-summary").startswith("Deletes 1 revision (")
    with page.expect_navigation():
        page.click("#delete-confirm")
    assert owner.get(f"figure/{figure['api_id']}/").status_code == 404

    page.set_viewport_size({"width": 1360, "height": 900})  # wide again: the buttons are out in the open
    page.goto(f"/analysis/{analysis['api_id']}")
    assert page.locator("#delete-analysis").is_visible()
    assert not page.locator(".page-head details.fold summary").is_visible()
    assert not signed_in.errors
