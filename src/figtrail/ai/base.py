"""The provider interface and the plain facts a provider is given.

A provider answers a :class:`Prompt`: what is asked (``purpose`` and the user's ``question``) about which
figures (:class:`FigureFacts`, built by the server from what it stored). LLM providers turn a prompt
into chat messages (see ``figtrail.ai.prompts``); the offline provider reads the facts directly and
writes a deterministic summary, so it never has to pretend to understand free text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class AIError(Exception):
    """A provider could not answer (bad configuration, the endpoint refused or failed).

    ``status`` is the HTTP status the server should answer with; the message is safe to show a user
    (it never holds an API key).
    """

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class Purpose(StrEnum):
    """What a prompt asks for. Each purpose has its own instructions and offline answer."""

    INSIGHT = "insight"  # explain one figure (deep insight), optionally answering a question
    COMPARE = "compare"  # what changed between two or more revisions
    EXTRACT_CODE = "extract_code"  # the minimal code that draws the figure
    TITLE = "title"  # a short title for a figure (ai_title)
    DESCRIBE = "describe"  # a paragraph describing a figure (ai_description)
    QUERY = "query"  # a text-only question, no figure needed
    REPLY = "reply"  # answer the last message of a comment thread about a figure
    STORY = "story"  # a story over several figures: JSON, see STORY_SCHEMA


# What a STORY completion's text must be: one JSON object of this shape (providers are asked for it,
# the offline provider writes it; figtrail.server.stories parses it and checks the revision ids).
STORY_SCHEMA: dict[str, Any] = {
    "title": "str",
    "summary": "str",
    "slides": [{"revision_id": "str", "title": "str", "description": "str", "transition": "str"}],
}


@dataclass(frozen=True)
class Image:
    media_type: str  # "image/png", "image/jpeg", ...
    data: bytes


@dataclass(frozen=True)
class TableFacts:
    """A data frame attached to a revision, summarised (never the whole table)."""

    name: str
    rows: int
    columns: tuple[str, ...]
    dtypes: dict[str, str] = field(default_factory=dict)
    # per numeric column: {"min": .., "max": .., "mean": ..}
    stats: dict[str, dict[str, float]] = field(default_factory=dict)
    preview_csv: str = ""  # the first few rows as CSV text


@dataclass(frozen=True)
class FigureFacts:
    """What the server knows about one figure revision."""

    revision_id: str
    figure_name: str
    analysis_name: str = ""
    revision_index: int = 1
    created_on: str = ""  # ISO 8601
    created_by: str = ""
    backend: str = ""  # "matplotlib", "plotly", ...
    title: str = ""  # the figure's own title, from captured metadata when there is one
    axis_labels: dict[str, str] = field(default_factory=dict)  # {"x": "...", "y": "..."}
    series: tuple[str, ...] = ()  # legend entries / trace names
    metadata: dict[str, Any] = field(default_factory=dict)  # the revision's captured metadata
    code: str = ""  # the source that drew it (cell or script)
    code_before: str = ""  # code run before it in the same session (the notebook's earlier cells)
    code_guessed: bool = False  # no cell was recorded: ``code`` is the history's last cell that plots
    code_language: str = "python"
    tables: tuple[TableFacts, ...] = ()
    inputs: tuple[str, ...] = ()  # names of the data files (asset revisions) read to make it
    image: Image | None = None
    text: str = ""  # free text that came with it (e.g. slide text of an imported picture)


@dataclass(frozen=True)
class Message:
    """One turn of a conversation (a comment thread, for REPLY)."""

    author: str
    text: str
    is_ai: bool = False


@dataclass(frozen=True)
class Prompt:
    purpose: Purpose
    question: str = ""
    figures: tuple[FigureFacts, ...] = ()
    history: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Completion:
    text: str
    provider: str  # "offline", "openai", "bedrock"
    model: str
    input_tokens: int = 0
    output_tokens: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "provider": self.provider,
            "model": self.model,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
        }


@dataclass(frozen=True)
class Delta:
    """A piece of text as it streams in."""

    text: str


@runtime_checkable
class Provider(Protocol):
    name: str  # "offline", "openai", "bedrock"
    model: str
    is_llm: bool  # False for offline: the UI and API label its answers as not written by a model

    def complete(self, prompt: Prompt) -> Completion:
        """The whole answer at once."""
        ...

    def stream(self, prompt: Prompt) -> Iterator[Delta | Completion]:
        """Deltas as the answer is written, then exactly one Completion holding the whole text."""
        ...
