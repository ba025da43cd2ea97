"""Pictures out of PowerPoint and Word files, each with a figure name and the text around it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from docx import Document
from docx.oxml.ns import qn
from pptx import Presentation
from pptx.shapes.group import GroupShape
from pptx.shapes.picture import Picture

from figtrail.server.tasks.registry import TaskFailed

MAX_NAME = 200
CAPTION = re.compile(r"^(figure|fig\.?)\s*\d", re.IGNORECASE)


@dataclass
class ExtractedImage:
    name: str
    payload: bytes = field(repr=False)
    format: str
    metadata: dict


def _short(text: str, limit: int = MAX_NAME) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- PowerPoint ----


def pptx_images(payload: bytes, file_name: str) -> list[ExtractedImage]:
    try:
        presentation = Presentation(io.BytesIO(payload))
    except Exception as exc:  # python-pptx raises several kinds for a file that is not a presentation
        raise TaskFailed(f"{file_name} is not a valid PowerPoint (.pptx) file ({exc}).") from exc
    images = []
    for number, slide in enumerate(presentation.slides, start=1):
        images.extend(_slide_images(slide, number, file_name))
    return images


def _slide_images(slide, number: int, file_name: str) -> list[ExtractedImage]:
    title_shape = slide.shapes.title
    title = _short(title_shape.text) if title_shape is not None and title_shape.has_text_frame else ""
    text = "\n".join(shape.text_frame.text for shape in _shapes(slide.shapes) if shape.has_text_frame)
    notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
    pictures = [shape for shape in _shapes(slide.shapes) if isinstance(shape, Picture)]
    images = []
    for index, picture in enumerate(pictures, start=1):
        try:
            image = picture.image
        except (KeyError, ValueError):  # a linked picture: its bytes are not in the file
            continue
        name = title or f"Slide {number} picture {index}"
        if title and len(pictures) > 1:
            name = f"{title} (picture {index})"
        metadata = {
            "import": "pptx",
            "source_file": file_name,
            "slide_number": number,
            "picture_number": index,
            "slide_title": title,
            "slide_text": text,
            "notes_text": notes,
            "pictures_on_slide": len(pictures),
        }
        if link := _hyperlink(picture):
            metadata["hyperlink"] = link
        images.append(
            ExtractedImage(name=name, payload=image.blob, format=image.ext.lower(), metadata=metadata)
        )
    return images


def _hyperlink(picture: Picture) -> str | None:
    """Where clicking the picture goes, if it links somewhere (a figure's ``/r/`` link, often)."""
    try:
        return picture.click_action.hyperlink.address
    except (AttributeError, KeyError, ValueError):
        return None


def _shapes(shapes) -> Iterator:
    """Every shape, groups opened (recursively), in the slide's order."""
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shapes(shape.shapes)
        else:
            yield shape


# ---- Word ----

BLIP = qn("a:blip")
EMBED = qn("r:embed")
VML_IMAGE = "{urn:schemas-microsoft-com:vml}imagedata"
VML_ID = qn("r:id")


def docx_images(payload: bytes, file_name: str) -> list[ExtractedImage]:
    try:
        document = Document(io.BytesIO(payload))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a document
        raise TaskFailed(f"{file_name} is not a valid Word (.docx) file ({exc}).") from exc
    paragraphs = list(document.element.body.iter(qn("w:p")))
    texts = [_paragraph_text(p) for p in paragraphs]
    rendered = any(True for _ in document.element.body.iter(qn("w:lastRenderedPageBreak")))
    images, section, page = [], 1, 1
    for position, paragraph in enumerate(paragraphs):
        for relation_id in _image_ids(paragraph):
            part = document.part.related_parts.get(relation_id)
            if part is None or not hasattr(part, "blob"):
                continue  # an external (linked) picture
            place = {"paragraph_index": position + 1, "section": section, "page": page}
            images.append(_word_image(part, len(images) + 1, file_name, texts, position, place))
        page += _page_breaks(paragraph, rendered)
        if paragraph.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            section += 1
    return images


def _word_image(part, number: int, file_name: str, texts: list[str], position: int, place: dict):
    before = next((t for t in reversed(texts[:position]) if t), "")
    after = next((t for t in texts[position + 1 :] if t), "")
    caption = next((t for t in (texts[position], after) if CAPTION.match(t)), "")
    name = _short(caption) if caption else f"{PurePosixPath(file_name).stem} image {number}"
    metadata = {
        "import": "docx",
        "source_file": file_name,
        "image_number": number,
        **place,
        "paragraph_text": texts[position],
        "text_before": before,
        "text_after": after,
    }
    extension = PurePosixPath(str(part.partname)).suffix.lstrip(".").lower()
    return ExtractedImage(name=name, payload=part.blob, format=extension, metadata=metadata)


def _image_ids(paragraph) -> Iterator[str]:
    for element in paragraph.iter(BLIP, VML_IMAGE):
        relation_id = element.get(EMBED) or element.get(VML_ID)
        if relation_id:
            yield relation_id


def _paragraph_text(paragraph) -> str:
    return "".join(node.text or "" for node in paragraph.iter(qn("w:t"))).strip()


def _page_breaks(paragraph, rendered: bool) -> int:
    """Pages this paragraph starts: Word's last rendering when the file has one, else explicit breaks."""
    if rendered:
        return sum(1 for _ in paragraph.iter(qn("w:lastRenderedPageBreak")))
    return sum(1 for br in paragraph.iter(qn("w:br")) if br.get(qn("w:type")) == "page")
