"""A document import links the pictures figtrail already knows (by the QR code a watermark prints, by
the picture's link, by identical bytes) to their revisions instead of making orphan figures, and
never reveals or links a revision the importing user may not see."""

from __future__ import annotations

import io

import segno
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from tests.server.helpers import data_item, finished_task
from tests.server.imports.builders import PPTX_TYPE, picture, upload


def with_qr_code(base: bytes, link: str) -> bytes:
    """A figure with a strip under it holding the QR code of ``link``, as a watermark draws it."""
    code = io.BytesIO()
    segno.make(link, error="m").save(code, kind="png", scale=4, border=4)
    qr = Image.open(code).convert("RGB")
    figure = Image.open(io.BytesIO(base)).convert("RGB")
    out = Image.new("RGB", (max(figure.width, qr.width), figure.height + qr.height), "white")
    out.paste(figure, (0, 0))
    out.paste(qr, (0, figure.height))
    buffer = io.BytesIO()
    out.save(buffer, format="PNG")
    return buffer.getvalue()


def published(api, image: bytes, name: str) -> dict:
    _, analysis, figure = api.tree()
    api.put(f"figure/{figure['api_id']}/", {"name": name, "analysis": analysis["api_id"]})
    return api.revision(figure["api_id"], data_item(image, "image", name="figure", format="png"))


def deck(slides: list[tuple[bytes, str | None]]) -> bytes:
    """One slide per picture, with its click hyperlink when given."""
    presentation = Presentation()
    for number, (image, link) in enumerate(slides, start=1):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = f"Slide {number}"
        shape = slide.shapes.add_picture(io.BytesIO(image), Inches(1), Inches(2))
        if link:
            shape.click_action.hyperlink.address = link
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def test_known_pictures_are_linked_and_only_new_ones_imported(live_server, owner, stranger):
    by_qr = published(owner, picture((200, 0, 0), size=(320, 200)), "Revenue")
    by_link = published(owner, picture((0, 150, 0)), "Model fit")
    by_bytes = published(owner, picture((0, 0, 200)), "Residuals")
    theirs = published(stranger, picture((90, 90, 90), size=(320, 200)), "Their secret figure")
    new_picture = picture((250, 200, 0))
    slides = [
        (with_qr_code(picture((200, 0, 0), size=(320, 200)), f"{live_server.url}/r/{by_qr['api_id']}"), None),
        (picture((10, 10, 10)), f"{live_server.url}/r/{by_link['api_id']}"),
        (picture((0, 0, 200)), None),
        (
            with_qr_code(picture((90, 90, 90), size=(320, 200)), f"{live_server.url}/r/{theirs['api_id']}"),
            None,
        ),
        (new_picture, None),
    ]
    _, analysis, _ = owner.tree()
    response = upload(
        owner, {"kind": "pptx", "analysis_id": analysis["api_id"]}, ("talk.pptx", deck(slides), PPTX_TYPE)
    )
    assert response.status_code == 202, response.text
    task = finished_task(owner, response.json()["task"]["api_id"])
    assert task["status"] == "succeeded", task
    result = task["result"]
    assert [(item["image"], item["revision"], item["by"]) for item in result["recognised"]] == [
        (1, by_qr["api_id"], "qr code"),
        (2, by_link["api_id"], "link"),
        (3, by_bytes["api_id"], "identical image"),
    ]
    assert [item["figure_name"] for item in result["recognised"]] == ["Revenue", "Model fit", "Residuals"]
    assert theirs["api_id"] not in str(result)  # a stranger's revision is neither linked nor named
    made = {figure["name"] for figure in owner.ok(f"figure/?analysis={analysis['api_id']}")}
    assert made >= {"Slide 4", "Slide 5"} and not made & {"Slide 1", "Slide 2", "Slide 3"}
    assert len(result["revisions"]) == 2
    for known in (by_qr, by_link, by_bytes):  # linked, not added to
        assert [r["api_id"] for r in owner.ok(f"revision/?figure={known['figure']}")] == [known["api_id"]]
