"""What every plotting backend does: recognise its figures, name them, freeze them, render them.

Publishing is split in two so that a notebook cell pays as little as possible:

1. ``snapshot`` runs in the cell. It freezes the figure (a pickle, a JSON spec) and renders only what
   must be rendered on the main thread; it must be quick.
2. ``render`` runs later, on the background sender, from the frozen copy. It never touches the user's
   live figure, so the notebook may keep changing it.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from figtrail.capture.figure_facts import tidy

log = logging.getLogger(__name__)


class RenderError(Exception):
    """A format this backend cannot produce here; the message says why and what would enable it."""


class MissingRenderer(RenderError):
    """An optional renderer is not installed (kaleido's Chrome, vl-convert): the message names the
    command that installs it; the user is told once per process, and each revision says what is missing."""


@dataclass
class Snapshot:
    """A figure frozen at publish time.

    ``rendered`` holds formats already rendered (on the main thread, or taken from what the notebook
    displayed). ``deferred`` are the formats ``render`` will produce from ``serialized`` (durable bytes,
    written to the outbox) or ``copy`` (an in-memory copy, for figures that cannot be serialized).
    ``facts`` is what the figure shows (see ``figtrail.capture.figure_facts``), merged into the
    revision's metadata.
    """

    backend: str
    title: str | None = None
    rendered: dict[str, bytes] = field(default_factory=dict)
    deferred: list[str] = field(default_factory=list)
    serialized: bytes | None = None
    copy: Any = None
    dataframes: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


class Backend:
    """Base class: subclasses set ``name`` and ``module`` and override what their library supports."""

    name: str = ""
    module: str = ""  # the top-level module whose presence in sys.modules means figures may exist
    interactive: bool = False  # produces an ``html`` image as well
    static_formats: tuple[str, ...] = ("png", "svg")

    def is_figure(self, obj: Any) -> bool:
        if obj is None or self.module not in sys.modules:
            return False
        try:
            return self._is_figure(obj)
        except Exception:  # a broken __class__ or proxy must never break a notebook
            return False

    def _is_figure(self, obj: Any) -> bool:
        raise NotImplementedError

    def title(self, figure: Any) -> str | None:
        return None

    def describe(self, figure: Any) -> dict[str, Any]:
        """What the figure shows: ``title``, ``axis_labels``, ``series``, ``axes`` (several subplots).

        Read off the live figure without rendering it, so the server's AI can describe the figure from
        facts rather than guess them from code. Subclasses may raise: :meth:`facts` absorbs it.
        """
        return {}

    def facts(self, figure: Any) -> dict[str, Any]:
        """:meth:`describe`, tidied to the documented shape; ``{}`` if it fails, since a figure whose
        labels cannot be read must still publish and no error may reach the notebook."""
        try:
            return tidy(self.describe(figure))
        except Exception as exc:
            log.debug("%s could not describe a %s: %s", self.name, type(figure).__name__, exc)
            return {}

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        raise NotImplementedError

    def load(self, serialized: bytes) -> Any:
        """Rebuild the frozen copy from ``Snapshot.serialized`` (possibly in another process)."""
        raise RenderError(f"{self.name}: this figure was not saved in a form that can be rendered later")

    def render(self, frozen: Any, fmt: str) -> bytes:
        raise RenderError(f"{self.name} cannot render {fmt}")

    def primary_format(self, formats: list[str]) -> str | None:
        """The format sent first, so the revision is on the server before the slower ones render:
        the interactive HTML where there is one, else the PNG, else the first format asked for."""
        for fmt in ("html", "png") if self.interactive else ("png",):
            if fmt in formats:
                return fmt
        return formats[0] if formats else None

    def renderer_key(self, fmt: str) -> str | None:
        """What renders ``fmt``, when one external renderer serves several formats (plotly's Chrome):
        once it runs out of time, the process skips it for every format and figure."""
        return None

    def wanted(self, formats: list[str]) -> list[str]:
        """The requested formats this backend can try, plus ``html`` for interactive backends."""
        chosen = [fmt for fmt in formats if fmt in self.static_formats]
        if self.interactive and "html" not in chosen:
            chosen.append("html")
        return chosen


def clean_title(text: Any) -> str | None:
    if text is None:
        return None
    text = str(text).strip()
    return text or None
