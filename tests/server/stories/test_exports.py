"""``story/<id>/export/?format=pptx|docx``: the files opened again with python-pptx and python-docx and
checked slide by slide (title, picture, QR code, link, offline credit)."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from tests.server.helpers import data_item, finished_task, png_bytes
from tests.server.stories.test_stories import publish

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def story(owner) -> dict:
    """Two figures with PNG images and one with only an SVG, written by the offline provider."""
    _, analysis, first = owner.tree()
    second = owner.figure(analysis["api_id"], "Second")
    vector = owner.figure(analysis["api_id"], "Vector only")
    publish(owner, first["api_id"], (200, 0, 0))
    prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]
    publish(owner, second["api_id"], (0, 200, 0), short_id=f"{prefix}st")
    owner.revision(
        vector["api_id"], data_item(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image", "v", format="svg")
    )
    response = owner.post(
        "story/",
        {"analysis": analysis["api_id"], "figure_ids": [first["api_id"], second["api_id"], vector["api_id"]]},
    )
    assert response.status_code == 202, response.text
    assert finished_task(owner, response.json()["task"]["api_id"])["status"] == "succeeded"
    return owner.ok(f"story/{response.json()['api_id']}/")


def export(owner, story: dict, fmt: str):
    response = owner.get(f"story/{story['api_id']}/export/?format={fmt}")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == {"pptx": PPTX, "docx": DOCX}[fmt]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(f'.{fmt}"')
    return io.BytesIO(response.content)


def texts(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def pictures(slide) -> dict[str, object]:
    return {shape.name: shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE}


def test_pptx_has_a_title_slide_then_one_slide_per_story_slide(owner, story):
    deck = Presentation(export(owner, story, "pptx"))
    slides = list(deck.slides)
    assert len(slides) == 1 + len(story["slides"])
    assert slides[0].shapes.title.text == story["title"]
    assert story["summary"] in texts(slides[0])
    assert "offline" in texts(slides[0]).lower() and "not by a language model" in texts(slides[0])
    for slide, expected in zip(slides[1:], story["slides"], strict=True):
        text = texts(slide)
        assert expected["title"] in text and expected["description"] in text
        if expected["transition"]:
            assert expected["transition"] in text
        assert expected["revision_url"] in text
        assert "offline" in slide.notes_slide.notes_text_frame.text.lower()
        found = pictures(slide)
        assert "QR code" in found
        assert found["QR code"].click_action.hyperlink.address == expected["revision_url"]
        if expected["image_format"] == "png":
            assert "Figure" in found and found["Figure"].image.content_type == "image/png"
        else:
            assert "Figure" not in found and "SVG only" in text


def test_short_ids_make_the_link(owner, story):
    second = story["slides"][1]
    assert second["revision_url"].endswith("st") and "/r/" in second["revision_url"]
    first = story["slides"][0]
    assert first["revision_url"].endswith(f"/r/{first['revision']}")


def test_docx_has_a_section_per_slide(owner, story):
    document = Document(export(owner, story, "docx"))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [story["title"], *(s["title"] for s in story["slides"])]
    assert story["summary"] in paragraphs
    assert "offline" in document.sections[0].footer.paragraphs[0].text.lower()
    # pictures: a figure and a QR code per PNG slide, a QR code only for the SVG one
    assert len(document.inline_shapes) == 2 + 2 + 1
    links = [r.target_ref for r in document.part.rels.values() if r.reltype == RELATIONSHIP_TYPE.HYPERLINK]
    assert links == [s["revision_url"] for s in story["slides"]]
    for slide in story["slides"]:
        assert slide["description"] in paragraphs
        assert any(slide["revision_url"] in p.text for p in document.paragraphs)
    assert any("SVG only" in p for p in paragraphs)


@pytest.mark.parametrize("query", ["", "?format=pdf", "?format="])
def test_wrong_format_is_400_naming_it(owner, story, query):
    response = owner.get(f"story/{story['api_id']}/export/{query}")
    assert response.status_code == 400
    assert "format" in response.json()


def test_public_url_is_used_for_links(owner, story):
    """Without FIGTRAIL_PUBLIC_URL the links name the address ``figtrail serve`` is bound to (the test
    server's URL); never a host the request names (tests/server/security/test_absolute_links.py)."""
    assert story["slides"][0]["revision_url"].startswith(owner.server.url)


def test_pictures_are_the_revision_images(owner, story):
    deck = Presentation(export(owner, story, "pptx"))
    figure = pictures(list(deck.slides)[1])["Figure"]
    assert figure.image.size == (320, 200)
    assert figure.image.blob == png_bytes(320, 200, (200, 0, 0))
