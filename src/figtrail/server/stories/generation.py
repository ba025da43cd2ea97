"""Writing a story's words with the configured AI provider.

The provider gets the facts of every slide's revision and answers with one JSON object
(:data:`figtrail.ai.base.STORY_SCHEMA`). A language model may answer with something else: it is asked
once more, and if the second answer is no better (or the provider fails), the offline provider writes
the story instead, and the story says so in ``note`` and ``provider``, so nobody mistakes it for a
model's work.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from figtrail.ai import AIError, Completion, Prompt, Provider, Purpose
from figtrail.ai.offline import OfflineProvider
from figtrail.server.insight import service
from figtrail.server.insight.facts import revision_facts
from figtrail.server.stories.models import Story, StorySlide, StoryStatus

log = logging.getLogger(__name__)

MAX_IMAGES = 8  # more pictures than this make the prompt too heavy: the model reads the other facts
ATTEMPTS_WITH_LLM = 2
TITLE_MAX = 500  # the column's length
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class StoryFormatError(ValueError):
    """A provider's answer is not a story over exactly the slides it was given."""


@dataclass(frozen=True)
class SlideText:
    title: str
    description: str
    transition: str


@dataclass(frozen=True)
class StoryText:
    title: str
    summary: str
    slides: dict[str, SlideText]  # by revision id


@dataclass(frozen=True)
class Written:
    text: StoryText
    completion: Completion
    is_llm: bool
    note: str


def parse_story(answer: str, revision_ids: list[str]) -> StoryText:
    """The story in a provider's answer; every slide named once, and no revision it was not given."""
    fenced = _FENCE.match(answer)
    try:
        data = json.loads(fenced.group(1) if fenced else answer)
    except ValueError as exc:
        raise StoryFormatError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("slides"), list):
        raise StoryFormatError("not an object with a list of slides")
    slides: dict[str, SlideText] = {}
    for item in data["slides"]:
        revision_id = str(item.get("revision_id", "")) if isinstance(item, dict) else ""
        if revision_id not in revision_ids:
            raise StoryFormatError(f"a slide names an unknown revision {revision_id!r}")
        if revision_id in slides:
            raise StoryFormatError(f"revision {revision_id} has two slides")
        slides[revision_id] = SlideText(*(_text(item, key) for key in ("title", "description", "transition")))
    missing = [rid for rid in revision_ids if rid not in slides]
    if missing:
        raise StoryFormatError(f"no slide for revision {missing[0]}")
    return StoryText(_text(data, "title"), _text(data, "summary"), slides)


def _text(item: dict, key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise StoryFormatError(f"{key} is not text")
    return value.strip()


def write(provider: Provider | None, prompt: Prompt, revision_ids: list[str], problem: str = "") -> Written:
    """Ask ``provider`` (twice if it is a language model); else the offline provider writes, saying why.

    ``provider`` is None when the configured one could not be built (``problem`` says why)."""
    if provider is not None:
        for _ in range(ATTEMPTS_WITH_LLM if provider.is_llm else 1):
            try:
                completion = provider.complete(prompt)
            except AIError as exc:
                problem = f"the {provider.name} provider failed ({exc})"
                break
            try:
                return Written(parse_story(completion.text, revision_ids), completion, provider.is_llm, "")
            except StoryFormatError as exc:
                problem = f"the {provider.name} provider did not answer with a valid story ({exc})"
                log.warning("story answer rejected: %s", problem)
        if not provider.is_llm:
            raise StoryFormatError(problem)  # the offline writer is ours: a bad answer is a bug
    completion = OfflineProvider().complete(prompt)
    note = f"Written by the offline summariser (no language model) because {problem}."
    return Written(parse_story(completion.text, revision_ids), completion, False, note)


def configured_provider() -> tuple[Provider | None, str]:
    """The configured provider; None and why, when the configuration is unusable."""
    try:
        return service.provider(), ""
    except AIError as exc:
        return None, f"the configured AI provider cannot be used ({exc})"


def generate(story_id: str, report) -> dict:
    """Write the story's title (when it has none), summary and every slide's words."""
    story = Story.objects.select_related("workspace").get(pk=story_id)
    slides = [
        slide
        for slide in story.slides.select_related("story", "revision__figure__analysis")
        if slide.shown_revision is not None
    ]
    if not slides:
        raise StoryFormatError("this story has no figures left to write about")
    provider, problem = configured_provider()
    with_image = provider is not None and provider.is_llm and len(slides) <= MAX_IMAGES
    facts = []
    for number, slide in enumerate(slides, start=1):
        facts.append(revision_facts(slide.revision, with_image=with_image))
        report(0.5 * number / len(slides))
    revision_ids = [str(slide.revision_id) for slide in slides]
    prompt = Prompt(purpose=Purpose.STORY, figures=tuple(facts))
    written = write(provider, prompt, revision_ids, problem)
    report(0.9)
    _save(story, slides, written)
    return {"story": str(story.pk), "provider": written.completion.provider, "is_llm": written.is_llm}


@transaction.atomic
def _save(story: Story, slides: list[StorySlide], written: Written) -> None:
    text = written.text
    if not Story.objects.select_for_update().filter(pk=story.pk).exists():
        return  # deleted while it was being written
    story.title = story.title or text.title[:TITLE_MAX]
    story.summary = text.summary
    story.provider = written.completion.provider
    story.model = written.completion.model
    story.is_llm = written.is_llm
    story.note = written.note
    story.status = StoryStatus.READY
    story.updated_on = timezone.now()
    story.save(
        update_fields=["title", "summary", "provider", "model", "is_llm", "note", "status", "updated_on"]
    )
    for slide in slides:
        words = text.slides[str(slide.revision_id)]
        StorySlide.objects.filter(pk=slide.pk).update(
            title=words.title[:TITLE_MAX], description=words.description, transition=words.transition
        )


def mark_failed(story_id: str, reason: str) -> None:
    Story.objects.filter(pk=story_id).update(
        status=StoryStatus.FAILED, note=f"Writing this story failed: {reason}", updated_on=timezone.now()
    )
