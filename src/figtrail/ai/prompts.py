"""Turning a :class:`Prompt` into what a language model reads: instructions, the facts as text, the images.

Shared by the OpenAI-compatible and Bedrock providers so they differ only in transport: both send one
system text and one user turn made of :attr:`Rendered.text` and :attr:`Rendered.images`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from figtrail.ai.base import STORY_SCHEMA, FigureFacts, Image, Prompt, Purpose, TableFacts
from figtrail.ai.codefigures import locate_facts

# Generous but bounded: a prompt never carries a whole notebook or a whole table.
MAX_CODE_CHARS = 12_000
MAX_PREVIEW_CHARS = 2_000
MAX_METADATA_CHARS = 3_000
MAX_IMAGES = 8

# The image formats both chat-completions and Bedrock's Converse accept.
IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/webp": "webp"}

_COMMON = (
    "You are figtrail's assistant for scientific and business figures. Base every statement on the facts "
    "given (figure metadata, code, data summaries, images); say so when the facts do not settle a point. "
    "Never invent numbers."
)

INSTRUCTIONS: dict[Purpose, str] = {
    Purpose.INSIGHT: "Explain the figure: what it shows, how the data and code produce it, notable patterns "
    "and caveats. If the user asks a question, answer it first. Use short Markdown paragraphs or bullets.",
    Purpose.COMPARE: "The figures are revisions of the same figure, oldest first. Describe what changed "
    "between them (title, axes, series, code, data) and what the change means. Use Markdown bullets.",
    Purpose.EXTRACT_CODE: "Return the minimal self-contained Python code that draws this figure: the "
    "imports, the data loading and transformations it needs, and the plotting calls; drop everything else. "
    "Answer with one ```python code block and nothing else.",
    Purpose.TITLE: "Write a short title for the figure (at most 80 characters). Answer with the title only, "
    "no quotes, no trailing period.",
    Purpose.DESCRIBE: "Write one paragraph (3 to 5 sentences) describing the figure for someone who has "
    "not seen it: what is plotted, from which data, and the main pattern. Plain text, no Markdown.",
    Purpose.QUERY: "Answer the user's question concisely. Use Markdown when it helps.",
    Purpose.REPLY: "You are replying in a comment thread about the figure. Answer the last message, "
    "briefly and in the thread's tone, using the figure's facts. Plain text or light Markdown.",
    Purpose.STORY: "Write a story that walks a reader through the figures in the given order. Answer with "
    "one JSON object and nothing else (no code fence), of this shape: "
    + json.dumps(STORY_SCHEMA)
    + ". Give one slide per figure, in the same order, with its revision_id copied exactly; each "
    "transition is one sentence leading to the next figure (empty for the last).",
}


@dataclass(frozen=True)
class Rendered:
    system: str
    text: str
    images: tuple[Image, ...]


def render(prompt: Prompt) -> Rendered:
    sections = [_render_figure(f, n, len(prompt.figures)) for n, f in enumerate(prompt.figures, 1)]
    if prompt.purpose == Purpose.EXTRACT_CODE and prompt.figures and prompt.figures[0].code_before.strip():
        before = prompt.figures[0].code_before[-MAX_CODE_CHARS:]  # the latest cells
        sections.append(
            "## Code run before it (earlier notebook cells; take only what it needs)\n"
            f"```python\n{before}\n```"
        )
    if prompt.history:
        sections.append(_render_thread(prompt))
    if prompt.question:
        sections.append(f"## Question\n{prompt.question}")
    if not sections:
        sections.append("(no figure facts were given)")
    images = tuple(f.image for f in prompt.figures if f.image and f.image.media_type in IMAGE_FORMATS)
    return Rendered(
        system=f"{_COMMON}\n\n{INSTRUCTIONS[prompt.purpose]}",
        text="\n\n".join(sections),
        images=images[:MAX_IMAGES],
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"


def _render_figure(facts: FigureFacts, number: int, total: int) -> str:
    heading = f"## Figure {number} of {total}" if total > 1 else "## Figure"
    lines = [heading, f"revision_id: {facts.revision_id}", f"name: {facts.figure_name}"]
    optional = {
        "analysis": facts.analysis_name,
        "revision": str(facts.revision_index),
        "created": " by ".join(x for x in (facts.created_on, facts.created_by) if x),
        "library": facts.backend,
        "title": facts.title,
        "series": ", ".join(facts.series),
        "data files read": ", ".join(facts.inputs),
    }
    lines += [f"{key}: {value}" for key, value in optional.items() if value]
    lines += [f"{axis} axis label: {label}" for axis, label in sorted(facts.axis_labels.items())]
    if facts.image and facts.image.media_type in IMAGE_FORMATS:
        lines.append("(the figure's image is attached)")
    if facts.text:
        lines.append(f"text that came with it: {facts.text}")
    if facts.metadata:
        metadata = json.dumps(facts.metadata, sort_keys=True, default=str)
        lines.append(f"captured metadata (JSON): {_clip(metadata, MAX_METADATA_CHARS)}")
    lines += [_render_table(table) for table in facts.tables]
    if facts.code.strip():
        code = _clip(facts.code, MAX_CODE_CHARS)
        lines.append(f"code that drew it:\n```{facts.code_language}\n{code}\n```")
        if facts.code_guessed:
            lines.append(
                "note: no cell was recorded with this figure; that is the last cell of the notebook's "
                "history that seems to draw, which may not be the one that drew it."
            )
        if which := _which_figure(facts):
            lines.append(which)
    return "\n".join(lines)


def _which_figure(facts: FigureFacts) -> str:
    """For code drawing several figures: which one this is, so a model attributes only its part."""
    if facts.code_language.lower() != "python":
        return ""
    located = locate_facts(facts)
    count = len(located.drawings)
    if count < 2:
        return ""
    if located.drawing is None:
        return (
            f"note: that code draws {count} figures and which one this is could not be told; do not "
            "attribute the others' titles, labels or data to this figure."
        )
    title = f", titled {located.drawing.labels.title!r}" if located.drawing.labels.title else ""
    number = (located.chosen or 0) + 1
    return (
        f"note: that code draws {count} figures; this is figure {number} of them{title}. Only its part of "
        "the code is about this figure."
    )


def _render_table(table: TableFacts) -> str:
    lines = [f"data table {table.name}: {table.rows} rows, columns {', '.join(table.columns)}"]
    for column, stats in table.stats.items():
        summary = ", ".join(f"{key} {value:.6g}" for key, value in stats.items())
        lines.append(f"  {column}: {summary}")
    if table.preview_csv:
        lines.append(f"  first rows (CSV):\n{_clip(table.preview_csv, MAX_PREVIEW_CHARS)}")
    return "\n".join(lines)


def _render_thread(prompt: Prompt) -> str:
    lines = ["## Comment thread (oldest first)"]
    lines += [f"{m.author}{' (AI)' if m.is_ai else ''}: {m.text}" for m in prompt.history]
    return "\n".join(lines)


def approximate_tokens(text: str) -> int:
    """A word count: good enough for usage accounting when the provider reports none."""
    return len(text.split())
