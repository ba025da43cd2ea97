"""Comparing two revisions, picked from the timeline, in each of the four modes."""

from __future__ import annotations

import io

from PIL import Image, ImageChops

from tests.web.helpers import wait_until


def open_compare(signed_in, seeded, mode: str):
    page = signed_in.page
    a, b = seeded.revisions[0]["api_id"], seeded.revisions[-1]["api_id"]
    page.goto(f"/compare?a={a}&b={b}&mode={mode}")
    page.wait_for_load_state("networkidle")
    return page


def transforms(page) -> list[str]:
    return page.eval_on_selector_all(".zoom-frame img", "imgs => imgs.map(i => i.style.transform)")


def test_pick_two_revisions_from_the_timeline(signed_in, seeded):
    page = signed_in.page
    page.goto(f"/figure/{seeded.figure['api_id']}")
    assert page.locator("#timeline li").count() == 3
    first, last = seeded.revisions[0]["api_id"], seeded.revisions[-1]["api_id"]
    page.check(f"#timeline li[data-revision='{last}'] input[name=a]")
    assert page.is_disabled("#compare-form button[type=submit]")  # A and B are the same revision
    page.check(f"#timeline li[data-revision='{first}'] input[name=a]")
    with page.expect_navigation():
        page.click("#compare-form button[type=submit]")
    assert f"a={first}" in page.url and f"b={last}" in page.url
    assert "revision 1 → 3" in page.inner_text("h1")
    assert signed_in.errors == []


def test_side_by_side_zoom_and_pan_stay_in_sync(signed_in, seeded):
    page = open_compare(signed_in, seeded, "side")
    assert page.eval_on_selector("#image-a", "i => i.naturalWidth") > 0
    assert page.eval_on_selector("#image-b", "i => i.naturalWidth") > 0
    box = page.locator(".zoom-frame").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    wait_until(page, "document.querySelector('#image-b').style.transform.includes('scale(1.2')")
    zoomed = transforms(page)
    assert zoomed[0] == zoomed[1] and "scale(1.2" in zoomed[0]
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 60, box["y"] + box["height"] / 2 - 30, steps=4)
    page.mouse.up()
    panned = transforms(page)
    assert panned[0] == panned[1] and panned[0] != zoomed[0]
    page.click("#zoom-reset")
    assert transforms(page) == ["translate(0px, 0px) scale(1)"] * 2
    assert page.inner_text("#zoom-level") == "100%"


def test_slider_reveals_one_revision_over_the_other(signed_in, seeded):
    page = open_compare(signed_in, seeded, "slider")
    top = "[data-slider] img.top"
    assert page.eval_on_selector(top, "i => i.style.clipPath") == "inset(0px 50% 0px 0px)"
    page.fill("#slider-range", "20")
    page.dispatch_event("#slider-range", "input")
    assert page.eval_on_selector(top, "i => i.style.clipPath") == "inset(0px 80% 0px 0px)"
    assert page.eval_on_selector("[data-slider] .divider", "d => d.style.left") == "20%"


def test_overlay_opacity_is_adjustable(signed_in, seeded):
    page = open_compare(signed_in, seeded, "overlay")
    top = "[data-overlay] img.top"
    assert page.eval_on_selector(top, "i => getComputedStyle(i).opacity") == "0.5"
    page.fill("#overlay-range", "85")
    page.dispatch_event("#overlay-range", "input")
    assert page.eval_on_selector(top, "i => getComputedStyle(i).opacity") == "0.85"
    assert page.inner_text("#overlay-value") == "85%"


def test_pixel_difference_highlights_what_changed(signed_in, seeded, live_server):
    page = open_compare(signed_in, seeded, "diff")
    assert page.eval_on_selector("#diff-image", "i => i.complete && i.naturalWidth") > 0
    percent = float(page.inner_text("#changed-percent").split("%")[0])
    assert 0 < percent < 50  # the title and one curve changed, not the whole picture
    source = page.get_attribute("#diff-image", "src")
    response = page.request.get(live_server.url + source)
    image = Image.open(io.BytesIO(response.body())).convert("RGB")
    highlight = Image.new("RGB", image.size, (230, 20, 80))
    highlighted = ImageChops.difference(image, highlight).convert("L").histogram()[0]
    assert abs(highlighted / (image.width * image.height) * 100 - percent) < 0.01
    # the same revision against itself: nothing changed
    same = seeded.revisions[0]["api_id"]
    page.goto(f"/compare?a={same}&b={same}&mode=diff")
    assert page.inner_text("#changed-percent").startswith("0.00%")


def test_code_and_metadata_diffs(signed_in, seeded):
    page = open_compare(signed_in, seeded, "side")
    code = page.locator("#code-diff")
    assert code.locator("tr.del").filter(has_text="treated_rate = 0.088").count() == 1
    assert code.locator("tr.add").filter(has_text="treated_rate = 0.064").count() == 1
    metadata = page.inner_text("#metadata-diff")
    assert "treated_rate" in metadata and "0.088" in metadata and "0.064" in metadata
    assert "python_version" not in metadata  # unchanged keys are not listed
    assert "unchanged" in page.inner_text("#text-diff")  # pip freeze is the same
