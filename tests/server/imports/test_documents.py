"""``upload/`` with ``kind=pptx|docx``: every picture of a PowerPoint or Word file made here becomes a figure
revision, with the slide or page text as metadata and the very same image bytes."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.shared import Inches
from pptx import Presentation
from pptx.util import Inches as PptInches

from tests.server.helpers import denied, finished_task, refusal
from tests.server.imports.builders import DOCX_TYPE, PPTX_TYPE, image_of, picture, upload

RED, GREEN, BLUE, GREY = (
    picture((200, 0, 0)),
    picture((0, 160, 0)),
    picture((0, 0, 200)),
    picture((90, 90, 90)),
)
JPEG = picture((10, 120, 200), image_format="JPEG")


def make_pptx() -> bytes:
    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[5])  # "Title Only"
    first.shapes.title.text = "Revenue by quarter"
    first.shapes.add_picture(io.BytesIO(RED), PptInches(1), PptInches(2))
    first.notes_slide.notes_text_frame.text = "Mention the Q3 dip."
    second = deck.slides.add_slide(deck.slide_layouts[6])  # "Blank": no title
    box = second.shapes.add_textbox(PptInches(1), PptInches(0.5), PptInches(4), PptInches(1))
    box.text_frame.text = "Two panels of the model fit"
    second.shapes.add_picture(io.BytesIO(GREEN), PptInches(1), PptInches(2))
    group = second.shapes.add_group_shape()
    group.shapes.add_picture(io.BytesIO(BLUE), PptInches(5), PptInches(2))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def make_docx() -> bytes:
    document = Document()
    document.add_heading("Results", level=1)
    document.add_paragraph("The growth curve is shown below.")
    document.add_picture(io.BytesIO(GREY), width=Inches(2))
    document.add_paragraph("Figure 1: Growth over time")
    document.add_page_break()
    document.add_paragraph("On the second page, a photo.")
    document.add_picture(io.BytesIO(JPEG), width=Inches(2))
    document.add_paragraph("That was the photo.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def figures_by_name(api, analysis_id: str) -> dict[str, list[dict]]:
    """Each figure's name -> its revisions (full, oldest first)."""
    figures = api.ok(f"figure/?analysis={analysis_id}")
    return {figure["name"]: api.ok(f"revision/?figure={figure['api_id']}") for figure in figures}


def test_pptx_pictures_become_revisions(owner):
    _workspace, analysis, _figure = owner.tree()
    response = upload(
        owner, {"kind": "pptx", "analysis_id": analysis["api_id"]}, ("deck.pptx", make_pptx(), PPTX_TYPE)
    )
    assert response.status_code == 202, response.text
    task = finished_task(owner, response.json()["task"]["api_id"])
    assert task["status"] == "succeeded", task
    assert task["kind"] == "import.pptx" and task["progress"] == 1.0
    figures = figures_by_name(owner, analysis["api_id"])
    expected = {"Revenue by quarter": RED, "Slide 2 picture 1": GREEN, "Slide 2 picture 2": BLUE}
    assert set(expected) <= set(figures)
    for name, payload in expected.items():
        (revision,) = figures[name]
        assert image_of(owner, revision) == payload
        assert revision["metadata"]["source_file"] == "deck.pptx"
    first = figures["Revenue by quarter"][0]["metadata"]
    assert first["slide_number"] == 1 and first["notes_text"] == "Mention the Q3 dip."
    assert "Revenue by quarter" in first["slide_text"]
    second = figures["Slide 2 picture 2"][0]["metadata"]
    assert second["slide_number"] == 2 and second["picture_number"] == 2
    assert "Two panels of the model fit" in second["slide_text"] and second["notes_text"] == ""

    again = upload(
        owner, {"kind": "pptx", "analysis_id": analysis["api_id"]}, ("deck.pptx", make_pptx(), PPTX_TYPE)
    )
    repeat = finished_task(owner, again.json()["task"]["api_id"])
    assert repeat["status"] == "succeeded" and repeat["result"]["skipped"] == 3
    after = figures_by_name(owner, analysis["api_id"])
    assert all(len(after[name]) == 1 for name in expected)


def test_docx_images_become_revisions_in_a_new_analysis(owner):
    workspace = owner.workspace()
    fields = {"kind": "docx", "workspace_id": workspace["api_id"], "analysis_name": "Report 2024"}
    response = upload(owner, fields, ("report.docx", make_docx(), DOCX_TYPE))
    assert response.status_code == 202, response.text
    analysis_id = response.json()["analysis"]
    assert owner.ok(f"analysis/{analysis_id}/")["name"] == "Report 2024"
    task = finished_task(owner, response.json()["task"]["api_id"])
    assert task["status"] == "succeeded", task
    assert task["workspace"] == workspace["api_id"]
    figures = figures_by_name(owner, analysis_id)
    assert set(figures) == {"Figure 1: Growth over time", "report image 2"}
    (growth,) = figures["Figure 1: Growth over time"]
    assert image_of(owner, growth) == GREY
    assert growth["metadata"]["text_before"] == "The growth curve is shown below."
    assert growth["metadata"]["text_after"] == "Figure 1: Growth over time"
    assert growth["metadata"]["page"] == 1 and growth["metadata"]["section"] == 1
    (photo,) = figures["report image 2"]
    assert image_of(owner, photo) == JPEG
    assert photo["metadata"]["page"] == 2
    assert photo["metadata"]["text_before"] == "On the second page, a photo."
    assert photo["metadata"]["text_after"] == "That was the photo."
    assert photo["data"][0]["metadata"]["format"] in ("jpg", "jpeg")


def test_a_zip_that_is_not_a_presentation_fails_the_task_clearly(owner):
    _workspace, analysis, _figure = owner.tree()
    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("hello.txt", "not a deck")
    response = upload(
        owner, {"kind": "pptx", "analysis_id": analysis["api_id"]}, ("deck.pptx", fake.getvalue(), PPTX_TYPE)
    )
    assert response.status_code == 202, response.text
    task = finished_task(owner, response.json()["task"]["api_id"])
    assert task["status"] == "failed"
    assert "deck.pptx is not a valid PowerPoint (.pptx) file" in task["error"]


@pytest.mark.parametrize(
    ("fields", "file"),
    [
        ({"kind": "pptx"}, ("notes.txt", b"PK\x03\x04", "text/plain")),
        ({"kind": "pptx"}, ("deck.pptx", b"PK\x03\x04...", "text/plain")),
        ({"kind": "docx"}, ("deck.pptx", make_pptx(), PPTX_TYPE)),
        ({"kind": "pptx"}, ("deck.pptx", b"plain text, no zip", PPTX_TYPE)),
        ({"kind": "docx"}, None),
    ],
)
def test_wrong_files_are_a_400_naming_file(owner, fields, file):
    _workspace, analysis, _figure = owner.tree()
    response = upload(owner, {**fields, "analysis_id": analysis["api_id"]}, file)
    assert response.status_code == 400, response.text
    assert "file" in response.json()


def test_target_checks(owner, stranger):
    _workspace, analysis, _figure = owner.tree()
    deck = ("deck.pptx", make_pptx(), PPTX_TYPE)
    assert refusal(
        upload(stranger, {"kind": "pptx", "analysis_id": analysis["api_id"]}, deck), 403
    ) == denied("create", "analysis")
    missing = upload(owner, {"kind": "pptx"}, deck)
    assert missing.status_code == 400 and "analysis_id" in missing.json()
    unnamed = upload(owner, {"kind": "pptx", "workspace_id": owner.workspace()["api_id"]}, deck)
    assert unnamed.status_code == 400 and "analysis_name" in unnamed.json()
    wrong_kind = upload(owner, {"kind": "xlsx", "analysis_id": analysis["api_id"]}, deck)
    assert wrong_kind.status_code == 400 and "kind" in wrong_kind.json()
