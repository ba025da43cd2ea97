"""Comparing two revisions, picked from the timeline, in each of the four modes."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image, ImageChops, ImageDraw

from tests.server.helpers import data_item
from tests.web.conftest import Browsing
from tests.web.helpers import wait_until


def open_compare(signed_in, seeded, mode: str):
    page = signed_in.page
    a, b = seeded.revisions[0]["api_id"], seeded.revisions[-1]["api_id"]
    page.goto(f"/compare?a={a}&b={b}&mode={mode}")
    page.wait_for_load_state("networkidle")
    return page


def transforms(page) -> list[str]:
    return page.eval_on_selector_all(
        ".zoom-frame .canvas", "canvases => canvases.map(c => c.style.transform)"
    )


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
    wait_until(page, "document.querySelectorAll('.canvas')[1].style.transform.includes('scale(1.2')")
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
    top = "[data-slider] .layer.top"
    assert page.get_attribute(top, "data-side") == "a"  # A left of the handle, as A is left side by side
    assert page.eval_on_selector(top, "i => i.style.clipPath") == "inset(0px 50% 0px 0px)"
    page.fill("#slider-range", "20")
    page.dispatch_event("#slider-range", "input")
    assert page.eval_on_selector(top, "i => i.style.clipPath") == "inset(0px 80% 0px 0px)"
    assert page.eval_on_selector("[data-slider] .divider", "d => d.style.left") == "20%"


def test_overlay_opacity_is_adjustable(signed_in, seeded):
    page = open_compare(signed_in, seeded, "overlay")
    top = "[data-overlay] .layer.top"
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


def ids(seeded) -> list[str]:
    return [r["api_id"] for r in seeded.revisions]


def params(page) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(page.url).query))


def press(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("networkidle")


def keyboard_walk(page, seeded) -> None:
    first, second, third = ids(seeded)
    page.goto(f"/compare?a={first}&b={second}&mode=side")
    page.wait_for_load_state("networkidle")
    press(page, "ArrowRight")  # B: next revision
    assert (params(page)["a"], params(page)["b"]) == (first, third)
    press(page, "Shift+ArrowRight")  # A: next revision
    assert (params(page)["a"], params(page)["b"]) == (second, third)
    press(page, "Shift+ArrowLeft")  # A: previous revision
    press(page, "ArrowLeft")  # B: previous revision
    assert (params(page)["a"], params(page)["b"]) == (first, second)
    for key, mode in (("2", "slider"), ("3", "overlay"), ("4", "diff"), ("1", "side")):
        press(page, key)
        assert params(page)["mode"] == mode
        assert page.get_attribute("[data-compare-stage]", "data-mode") == mode
        assert page.inner_text("#modes a.active") == page.inner_text(f"#modes a[data-mode={mode}]")
    # typing in a field fires nothing: not the arrows, not the digits, not "?"
    url = page.url
    page.click("#other-revision")
    page.keyboard.type("12?")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_timeout(300)
    assert page.url == url and page.input_value("#other-revision") == "12?"
    assert page.locator("#shortcuts[open]").count() == 0
    page.fill("#ai-question", "4")  # a textarea too
    page.locator("#ai-question").press("ArrowRight")
    page.wait_for_timeout(200)
    assert page.url == url
    # "?" outside a field lists the shortcuts
    page.click("h1")
    page.keyboard.press("?")
    overlay = page.locator("#shortcuts[open]")
    overlay.wait_for()
    text = overlay.inner_text()
    for label in (
        "B: next revision",
        "A: previous revision (none)",
        "Overlay",
        "Pixel difference",
        "Zoom in",
    ):
        assert label in text
    page.keyboard.press("Escape")
    assert page.locator("#shortcuts[open]").count() == 0


def test_keyboard_moves_both_sides_and_switches_modes(signed_in, seeded):
    keyboard_walk(signed_in.page, seeded)
    assert signed_in.errors == []


def test_keyboard_and_stage_at_phone_width(browser, live_server, owner, seeded):
    phone = Browsing(browser, live_server.url)
    try:
        phone.context.close()
        phone.context = browser.new_context(
            base_url=live_server.url, viewport={"width": 390, "height": 844}, has_touch=True
        )
        phone.page = phone.context.new_page()
        phone.page.on("pageerror", lambda error: phone.errors.append(str(error)))
        phone.sign_in(owner.username, owner.password)
        keyboard_walk(phone.page, seeded)
        page = phone.page
        for mode in ("side", "overlay"):
            page.goto(f"/compare?a={ids(seeded)[0]}&b={ids(seeded)[2]}&mode={mode}")
            page.wait_for_load_state("networkidle")
            wait_until(page, "document.querySelector('[data-compare-stage]').dataset.aligned === 'true'")
            for right in page.eval_on_selector_all(
                ".zoom-frame", "fs => fs.map(f => f.getBoundingClientRect().right)"
            ):
                assert right <= 390
        assert phone.errors == []
    finally:
        phone.close()


def test_revision_page_has_shortcuts_too(signed_in, seeded):
    page = signed_in.page
    page.goto(f"/revision/{ids(seeded)[1]}")
    page.keyboard.press("?")
    page.locator("#shortcuts[open]").wait_for()
    assert "Previous revision" in page.inner_text("#shortcuts") and "Next revision" in page.inner_text(
        "#shortcuts"
    )
    page.keyboard.press("Escape")
    press(page, "ArrowLeft")
    assert page.url.endswith(f"/revision/{ids(seeded)[0]}")
    press(page, "ArrowRight")
    press(page, "c")
    assert "/compare" in page.url and params(page)["b"] == ids(seeded)[1]


def test_the_tolerance_redraws_the_difference(signed_in, seeded):
    page = open_compare(signed_in, seeded, "diff")
    before = float(page.inner_text("#changed-percent").split("%")[0])
    assert before > 0
    page.fill("#tolerance", "255")
    page.dispatch_event("#tolerance", "input")
    wait_until(page, "document.querySelector('#diff-image').dataset.tolerance === '255'")
    assert page.inner_text("#changed-percent").startswith("0.00%")
    assert "tol=255" in page.get_attribute("#diff-image", "src")
    assert params(page)["tol"] == "255"  # the address keeps it, and so do the mode links
    assert "tol=255" in page.get_attribute("#modes a[data-mode=overlay]", "href")
    page.fill("#tolerance", "0")
    page.dispatch_event("#tolerance", "input")
    wait_until(page, "document.querySelector('#diff-image').dataset.tolerance === '0'")
    assert float(page.inner_text("#changed-percent").split("%")[0]) >= before
    assert signed_in.errors == []


def chart(title_band: int, left_band: int) -> bytes:
    """The same plot; B's has a title band above it and wider tick labels left of it, as
    ``bbox_inches="tight"`` makes when a title is added: a larger picture, the plot moved."""
    width, height = 200 + left_band, 150 + title_band
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    x0, y0 = left_band, title_band
    draw.rectangle([x0 + 20, y0 + 10, x0 + 190, y0 + 130], outline=(40, 40, 40), width=2)
    draw.line(
        [x0 + 25, y0 + 120, x0 + 80, y0 + 60, x0 + 130, y0 + 90, x0 + 185, y0 + 20],
        fill=(14, 116, 144),
        width=3,
    )
    if title_band:
        draw.rectangle([40, 8, width - 40, title_band - 8], fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def resized(owner) -> tuple[str, str]:
    _, analysis, _ = owner.tree()  # its own: the seeded workspace's counts are other tests' to read
    figure = owner.figure(analysis["api_id"], "Resized by a tight bounding box")
    made = []
    for title_band, left_band in ((0, 0), (30, 20)):
        body = {
            "figure": figure["api_id"],
            "client_id": str(uuid.uuid4()),
            "metadata": {},
            "data": [data_item(chart(title_band, left_band), "image", name="figure", format="png")],
        }
        made.append(owner.created("revision/", body)["api_id"])
    return made[0], made[1]


def boxes(page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries(["image-a", "image-b"].map(id => {
            const img = document.getElementById(id), r = img.getBoundingClientRect();
            const natural = {nw: img.naturalWidth, nh: img.naturalHeight};
            return [id, {x: r.left, y: r.top, w: r.width, h: r.height, ...natural}];
        }))"""
    )


def test_differently_sized_images_line_up_in_every_mode(signed_in, resized):
    page = signed_in.page
    a, b = resized
    for mode in ("overlay", "slider", "side"):
        page.goto(f"/compare?a={a}&b={b}&mode={mode}")
        page.wait_for_load_state("networkidle")
        wait_until(page, "document.querySelector('[data-compare-stage]').dataset.aligned === 'true'")
        found = boxes(page)
        ia, ib = found["image-a"], found["image-b"]
        assert (ia["nw"], ia["nh"], ib["nw"], ib["nh"]) == (200, 150, 220, 180)
        scale = ib["w"] / ib["nw"]
        assert abs(ia["w"] / ia["nw"] - scale) < 1e-3 and abs(ia["h"] / ia["nh"] - scale) < 1e-3  # one scale
        assert abs(ib["h"] / ib["nh"] - scale) < 1e-3  # undistorted
        if mode != "side":  # on one canvas, the plot of A lies on the plot of B: moved by the bands
            assert abs((ia["x"] - ib["x"]) - 20 * scale) < 1.5
            assert abs((ia["y"] - ib["y"]) - 30 * scale) < 1.5
        else:  # each in its frame, at the same place on the same canvas
            assert page.eval_on_selector("#image-a", "i => i.dataset.box") == "20 30 200 150"
            assert page.eval_on_selector("#image-b", "i => i.dataset.box") == "0 0 220 180"
    # zoom and pan work in every mode (the canvas moves, every layer with it)
    for mode in ("overlay", "slider", "diff"):
        page.goto(f"/compare?a={a}&b={b}&mode={mode}")
        page.wait_for_load_state("networkidle")
        wait_until(page, "document.querySelector('[data-compare-stage]').dataset.aligned === 'true'")
        box = page.locator(".zoom-frame").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, -300)
        wait_until(page, "document.querySelector('.canvas').style.transform.includes('scale(1.2')")
        zoomed = page.eval_on_selector(".canvas", "c => c.style.transform")
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 - 40, box["y"] + box["height"] / 2, steps=3)
        page.mouse.up()
        assert page.eval_on_selector(".canvas", "c => c.style.transform") != zoomed  # panned
        page.keyboard.press("0")
        assert page.eval_on_selector(".canvas", "c => c.style.transform") == "translate(0px, 0px) scale(1)"
    # the pixel difference is laid out the same way: only the bands changed
    page.goto(f"/compare?a={a}&b={b}&mode=diff")
    percent = float(page.inner_text("#changed-percent").split("%")[0])
    band = (220 - 80) * (30 - 16) / (220 * 180) * 100
    assert abs(percent - band) < 1.0
    page.select_option("#align", "top-left")
    page.wait_for_load_state("networkidle")
    assert params(page)["align"] == "top-left"
    assert float(page.inner_text("#changed-percent").split("%")[0]) > percent + 2
    assert signed_in.errors == []
