"""A story as a Word document (python-docx): the title and summary, then one section per slide with the
figure, its words, and the QR code and link of its revision. The page footer carries the credit, so an
offline-written document says so on every page."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, RGBColor

from figtrail.server.stories.exporting import ExportSlide, ExportStory

PICTURE_WIDTH = Inches(6.0)
QR_WIDTH = Inches(1.2)


def write_docx(story: ExportStory) -> bytes:
    document = Document()
    document.add_heading(story.title, level=0)
    if story.summary:
        document.add_paragraph(story.summary)
    if story.credit:
        document.add_paragraph().add_run(story.credit).italic = True
        document.sections[0].footer.paragraphs[0].text = story.credit
    for item in story.slides:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _section(document, item)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _section(document, item: ExportSlide) -> None:
    document.add_heading(item.title, level=1)
    if item.picture is not None:
        width = min(PICTURE_WIDTH, Inches(item.picture.width / 96))  # never blown up past ~96 dpi
        document.add_picture(io.BytesIO(item.picture.data), width=width)
    else:
        document.add_paragraph().add_run(item.missing_note).italic = True
    if item.description:
        document.add_paragraph(item.description)
    if item.transition:
        document.add_paragraph().add_run(item.transition).italic = True
    if item.link and item.qr:
        document.add_picture(io.BytesIO(item.qr), width=QR_WIDTH)
        _hyperlink(document.add_paragraph("Revision: "), item.link)


def _hyperlink(paragraph, url: str) -> None:
    """python-docx has no API for links: this writes the ``w:hyperlink`` element Word expects."""
    relation = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), str(RGBColor(0x1F, 0x4E, 0xA8)))
    properties.extend([color, underline])
    text = OxmlElement("w:t")
    text.text = url
    run.extend([properties, text])
    link.append(run)
    paragraph._p.append(link)
