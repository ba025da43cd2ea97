"""A story as a PowerPoint deck (python-pptx): a title slide, then one slide per story slide with the
figure, its words, and the QR code and link of its revision. Speaker notes repeat the words and the
credit, so an offline-written deck says so even when the footer is cropped."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from figtrail.server.stories.exporting import ExportSlide, ExportStory

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
PICTURE_BOX = (MARGIN, Inches(1.3), Inches(7.8), Inches(5.5))
SIDE_LEFT, SIDE_WIDTH = Inches(8.6), Inches(4.3)
QR_SIZE = Inches(1.4)
TITLE_LAYOUT, BLANK_LAYOUT = 0, 6  # in the default template


def write_pptx(story: ExportStory) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    _title_slide(deck, story)
    for slide in story.slides:
        _figure_slide(deck, slide, story.credit)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _title_slide(deck, story: ExportStory) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_LAYOUT])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    # the default template is 4:3: stretch its placeholders across the 16:9 slide
    title.left, title.top, title.width, title.height = MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, Inches(1.6)
    subtitle.left, subtitle.top = Inches(1.5), Inches(3.4)
    subtitle.width, subtitle.height = WIDTH - 2 * Inches(1.5), Inches(3.2)
    title.text = story.title
    subtitle.text = story.summary
    for paragraph in subtitle.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(16)
    _footer(slide, story.credit)
    slide.notes_slide.notes_text_frame.text = "\n\n".join(t for t in (story.summary, story.credit) if t)


def _figure_slide(deck, item: ExportSlide, credit: str) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
    title_box = (MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.9))
    _text_box(slide, title_box, item.title, Pt(28), bold=True, name="Title")
    if item.picture is not None:
        _picture(slide, item)
    else:
        _text_box(slide, PICTURE_BOX, item.missing_note, Pt(16), italic=True, name="No picture")
    words = (SIDE_LEFT, Inches(1.3), SIDE_WIDTH, Inches(3.0))
    _text_box(slide, words, item.description, _prose_size(item.description), name="Description")
    if item.transition:
        words = (SIDE_LEFT, Inches(4.4), SIDE_WIDTH, Inches(0.9))
        _text_box(slide, words, item.transition, Pt(12), italic=True, name="Transition")
    if item.link and item.qr:
        _link(slide, item.link, item.qr)
    _footer(slide, credit)
    transition = f"Transition: {item.transition}" if item.transition else ""
    notes = [item.description, transition, item.link or "", credit]
    slide.notes_slide.notes_text_frame.text = "\n\n".join(n for n in notes if n)


def _link(slide, link: str, qr_png: bytes) -> None:
    """The revision's QR code and its link, both clickable."""
    qr = slide.shapes.add_picture(io.BytesIO(qr_png), SIDE_LEFT, Inches(5.4), QR_SIZE, QR_SIZE)
    qr.name = "QR code"
    qr.click_action.hyperlink.address = link
    box = (SIDE_LEFT + QR_SIZE + Inches(0.1), Inches(5.6), Inches(2.8), Inches(1.0))
    text = _text_box(slide, box, link, Pt(10), name="Link")
    text.text_frame.paragraphs[0].runs[0].hyperlink.address = link


def _picture(slide, item: ExportSlide) -> None:
    """The figure, as large as fits its box without changing its proportions."""
    left, top, box_width, box_height = PICTURE_BOX
    picture = item.picture
    scale = min(box_width / picture.width, box_height / picture.height)
    width, height = Emu(int(picture.width * scale)), Emu(int(picture.height * scale))
    shape = slide.shapes.add_picture(
        io.BytesIO(picture.data), left + (box_width - width) // 2, top, width, height
    )
    shape.name = "Figure"


def _prose_size(text: str):
    """Smaller type for longer prose, so a long description stays inside its box."""
    return Pt(14) if len(text) < 500 else Pt(12) if len(text) < 900 else Pt(10)


def _text_box(slide, box, text: str, size, *, bold: bool = False, italic: bool = False, name: str = ""):
    shape = slide.shapes.add_textbox(*box)
    if name:
        shape.name = name
    frame = shape.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.italic = size, bold, italic
    return shape


def _footer(slide, credit: str) -> None:
    if credit:
        box = _text_box(
            slide, (MARGIN, HEIGHT - Inches(0.5), WIDTH - 2 * MARGIN, Inches(0.4)), credit, Pt(10)
        )
        box.name = "Credit"
