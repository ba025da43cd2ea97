"""What an exported story holds, gathered once for both file formats (PowerPoint and Word).

Each slide carries its picture (or a note saying why there is none), its words, and the link to its
revision with that link's QR code, so a printed copy still leads back to the figure's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest

from figtrail.server.catalog.data_formats import safe_name
from figtrail.server.stories.images import Picture, missing_picture_note, picture_of
from figtrail.server.stories.links import public_link, qr_png
from figtrail.server.stories.models import Story, StorySlide

# characters XML 1.0 cannot hold; a model's answer may contain them and Office files would be broken
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CONTENT_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class ExportSlide:
    number: int
    title: str
    description: str
    transition: str
    picture: Picture | None
    missing_note: str  # shown where the picture would be, when there is none
    link: str | None  # None once the revision is deleted
    qr: bytes | None


@dataclass(frozen=True)
class ExportStory:
    title: str
    summary: str
    credit: str  # who wrote the words; offline and fallback stories say so
    slides: list[ExportSlide]


def clean(text: str) -> str:
    return _NOT_XML.sub("", text or "")


def credit_of(story: Story) -> str:
    if story.is_llm:
        model = f"{story.provider}, {story.model}"
        return f"Words written by a language model ({model}): check them against the figures."
    if story.provider == "offline":
        text = "Words written by figtrail's offline summariser from stored facts, not by a language model."
        return f"{text} {story.note}" if story.note else text
    return story.note


def gather(request: HttpRequest, story: Story) -> ExportStory:
    slides = story.slides.select_related("story", "revision__figure__analysis").prefetch_related(
        "revision__data"
    )
    return ExportStory(
        title=clean(story.title) or "Untitled story",
        summary=clean(story.summary),
        credit=clean(credit_of(story)),
        slides=[_slide(request, number, slide) for number, slide in enumerate(slides, start=1)],
    )


def _slide(request: HttpRequest, number: int, slide: StorySlide) -> ExportSlide:
    revision = slide.shown_revision
    link = public_link(request, revision) if revision is not None else None
    picture = picture_of(revision)
    return ExportSlide(
        number=number,
        title=clean(slide.title or (revision.figure.name if revision else f"Slide {number}")),
        description=clean(slide.description),
        transition=clean(slide.transition),
        picture=picture,
        missing_note="" if picture else missing_picture_note(revision),
        link=link,
        qr=qr_png(link) if link else None,
    )


def file_name(story: Story, fmt: str) -> str:
    return f"{safe_name(story.title or 'story')[:80]}.{fmt}"
