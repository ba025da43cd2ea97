"""What a figure shows, in the plain shape stored in a revision's metadata.

Backends read titles, axis labels and legend entries off the live figure (never rendering it) and hand
them here as :class:`Panel` objects; :func:`summarise` turns them into the metadata keys the server's AI
reads first (``title``, ``axis_labels``, ``series`` and, for several subplots, ``axes``). Everything is
clipped, because metadata travels with every revision and a legend of ten thousand entries says nothing
a short list would not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

MAX_ITEMS = 50  # entries kept in any list (series, subplots)
MAX_CHARS = 200  # characters kept in any string


@dataclass
class Panel:
    """One set of axes (a subplot): its title, its axis labels by letter, its series."""

    title: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # {"x": ..., "y": ..., "z": ...}
    series: list[str] = field(default_factory=list)


def clip(value: Any) -> str:
    """A label as one stripped string of at most MAX_CHARS; "" for nothing."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):  # multi-line titles (Vega-Lite, plotnine) come as lists
        value = " ".join(str(part) for part in value)
    text = " ".join(str(value).split())
    return text[: MAX_CHARS - 1] + "…" if len(text) > MAX_CHARS else text


def unique(values: Any) -> list[str]:
    """Non-empty clipped strings, first occurrence kept, at most MAX_ITEMS."""
    found: list[str] = []
    for value in values:
        text = clip(value)
        if text and text not in found:
            found.append(text)
            if len(found) >= MAX_ITEMS:
                break
    return found


def summarise(title: Any, panels: list[Panel], labels: dict[str, Any] | None = None) -> dict[str, Any]:
    """The metadata facts of a figure made of ``panels``.

    ``title`` is the figure's own (a suptitle); without one the first panel title stands in.
    ``labels`` are figure-wide labels (a legend title, a colour bar, a shared x label) that fill in
    what the panels leave empty. The first panel's axes are ``x`` and ``y``; another panel's are
    ``x2``, ``y3``... and only when they say something the earlier ones did not.
    """
    panels = panels[:MAX_ITEMS]
    facts: dict[str, Any] = {}
    if heading := clip(title) or next((clip(p.title) for p in panels if clip(p.title)), ""):
        facts["title"] = heading
    if axis_labels := _axis_labels(panels, labels or {}):
        facts["axis_labels"] = axis_labels
    if series := unique(item for panel in panels for item in panel.series):
        facts["series"] = series
    if len(panels) > 1:
        facts["axes"] = [_panel_entry(panel) for panel in panels]
    return facts


def _axis_labels(panels: list[Panel], extra: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for index, panel in enumerate(panels, start=1):
        for letter, label in panel.labels.items():
            text = clip(label)
            if not text or (index > 1 and _already_said(found, letter, text)):
                continue
            found.setdefault(letter if index == 1 else f"{letter}{index}", text)
    for key, label in extra.items():
        if (text := clip(label)) and not found.get(key):
            found[key] = text
    return found


def _already_said(found: dict[str, str], letter: str, text: str) -> bool:
    return any(key.rstrip("0123456789") == letter and value == text for key, value in found.items())


def _panel_entry(panel: Panel) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": clip(panel.title)}
    entry["x"], entry["y"] = clip(panel.labels.get("x")), clip(panel.labels.get("y"))
    entry.update({key: clip(value) for key, value in panel.labels.items() if key not in ("x", "y")})
    entry["series"] = unique(panel.series)
    return entry


def tidy(facts: Any) -> dict[str, Any]:
    """Only the known keys, in their documented types and sizes; anything else is dropped.

    Backends (and third-party ones) may return loosely typed values; what reaches the server is always
    ``title: str``, ``axis_labels: {str: str}``, ``series: [str]``, ``axes: [{...}]``, plus small
    JSON-able extras like ``image_size``.
    """
    if not isinstance(facts, dict):
        return {}
    out: dict[str, Any] = {}
    if title := clip(facts.get("title")):
        out["title"] = title
    labels = facts.get("axis_labels")
    if isinstance(labels, dict) and (
        labels := {clip(k): clip(v) for k, v in list(labels.items())[:MAX_ITEMS] if clip(k) and clip(v)}
    ):
        out["axis_labels"] = labels
    if isinstance(facts.get("series"), (list, tuple)) and (series := unique(facts["series"])):
        out["series"] = series
    if isinstance(facts.get("axes"), (list, tuple)):
        axes = [_tidy_axes(entry) for entry in facts["axes"][:MAX_ITEMS] if isinstance(entry, dict)]
        if len(axes) > 1:
            out["axes"] = axes
    if _is_size(size := facts.get("image_size")):
        out["image_size"] = [int(size[0]), int(size[1])]
    return out


def _tidy_axes(entry: dict[Any, Any]) -> dict[str, Any]:
    tidied: dict[str, Any] = {
        clip(key): clip(value) for key, value in entry.items() if key != "series" and clip(key)
    }
    tidied.setdefault("title", "")
    tidied.setdefault("x", "")
    tidied.setdefault("y", "")
    series = entry.get("series")
    tidied["series"] = unique(series) if isinstance(series, (list, tuple)) else []
    return tidied


def _is_size(value: Any) -> TypeGuard[Sequence[int]]:
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value)
    )
