"""Altair (Vega-Lite) charts: the interactive HTML always; PNG and SVG where vl-convert is installed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from figtrail.capture.backends.base import Backend, MissingRenderer, Snapshot, clean_title
from figtrail.capture.figure_facts import MAX_ITEMS, Panel, clip, summarise

VegaSpec = dict[str, Any]  # a Vega-Lite spec, or a part of one, as JSON
Rows = Callable[[VegaSpec], list[Any]]  # the inline data rows a chart (or its parent) names
CONCATS = ("hconcat", "vconcat", "concat")
LEGEND_CHANNELS = ("color", "fill", "stroke", "shape")
MAX_ROWS = 100_000  # inline rows scanned for legend categories (a larger chart is rare, and slow to show)

NO_CONVERTER = (
    "Altair PNG/SVG need the vl-convert-python package (`pip install vl-convert-python`); "
    "only the interactive HTML was stored"
)


class AltairBackend(Backend):
    name = "altair"
    module = "altair"
    interactive = True
    static_formats = ("png", "svg")

    def _is_figure(self, obj: Any) -> bool:
        import altair

        return isinstance(obj, altair.TopLevelMixin)

    def title(self, figure: Any) -> str | None:
        title = getattr(figure, "title", None)
        if isinstance(title, str):
            return clean_title(title)
        return clean_title(getattr(title, "text", None))

    def describe(self, figure: Any) -> dict[str, Any]:
        """Read from the Vega-Lite spec (a chart or its ``to_dict()``): one panel per concatenated
        chart, layers merged, each channel titled as Vega-Lite would title it."""
        spec = figure if isinstance(figure, dict) else figure.to_dict()
        rows = _rows(spec.get("datasets") or {}, spec)
        panels = [_panel(part, rows) for part in _parts(spec)]
        legend = next((label for part in _parts(spec) if (label := _legend_title(part))), "")
        return summarise(_title_text(spec.get("title")), panels, {"legend": legend})

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        spec = figure.to_dict()
        snap = Snapshot(backend=self.name, title=self.title(figure), facts=self.facts(spec))
        snap.serialized = json.dumps(spec).encode()
        snap.deferred = self.wanted(formats)
        return snap

    def load(self, serialized: bytes) -> Any:
        return json.loads(serialized)

    def render(self, frozen: Any, fmt: str) -> bytes:
        if fmt == "html":
            return standalone_html(frozen).encode()
        try:
            import vl_convert
        except ImportError as exc:
            raise MissingRenderer(NO_CONVERTER) from exc
        if fmt == "png":
            return vl_convert.vegalite_to_png(frozen)
        return vl_convert.vegalite_to_svg(frozen).encode()


def _parts(spec: VegaSpec) -> list[VegaSpec]:
    """The charts side by side in a concatenation; the chart itself otherwise."""
    for key in CONCATS:
        if isinstance(spec.get(key), list):
            return [part for sub in spec[key] if isinstance(sub, dict) for part in _parts(sub)][:MAX_ITEMS]
    if isinstance(spec.get("spec"), dict):  # facet and repeat wrap the chart they repeat
        return _parts(spec["spec"])
    return [spec]


def _layers(spec: VegaSpec) -> list[VegaSpec]:
    layers = spec.get("layer")
    if not isinstance(layers, list):
        return [spec]
    return [spec] + [sub for layer in layers if isinstance(layer, dict) for sub in _layers(layer)]


def _encoding(spec: VegaSpec, channel: str) -> VegaSpec | None:
    """A channel's definition, from the first layer that encodes it."""
    for layer in _layers(spec):
        definition = (layer.get("encoding") or {}).get(channel)
        if isinstance(definition, dict):
            return definition
    return None


def _panel(spec: VegaSpec, rows: Rows) -> Panel:
    """One chart (its layers merged); ``rows`` reads the inline data a chart or its parent names."""
    labels = {channel: _channel_title(_encoding(spec, channel)) for channel in ("x", "y")}
    title = next((text for layer in _layers(spec) if (text := _title_text(layer.get("title")))), "")
    return Panel(title, labels, _series(spec, rows))


def _rows(datasets: VegaSpec, top: VegaSpec) -> Rows:
    def rows(spec: VegaSpec) -> list[Any]:
        for layer in [*_layers(spec), top]:
            name = (layer.get("data") or {}).get("name")
            if isinstance(name, str) and isinstance(found := datasets.get(name), list):
                return found
        return []

    return rows


def _channel_title(definition: VegaSpec | None) -> str:
    """The axis or legend title: explicit, else ``Mean of price``-style, else the field name."""
    if not definition:
        return ""
    for holder in (definition.get("axis"), definition.get("legend"), definition):
        if isinstance(holder, dict) and holder.get("title") is not None:
            return clip(holder["title"])
    field, aggregate = definition.get("field"), definition.get("aggregate")
    if aggregate == "count" and not field:
        return "Count of Records"
    if isinstance(field, str) and isinstance(aggregate, str):
        return f"{aggregate.capitalize()} of {field}"
    return clip(field) if isinstance(field, str) else ""


def _legend_title(spec: VegaSpec) -> str:
    return next((title for ch in LEGEND_CHANNELS if (title := _channel_title(_encoding(spec, ch)))), "")


def _series(spec: VegaSpec, rows: Rows) -> list[str]:
    """The categories of the legend channel, read from the chart's inline data when it has some."""
    for channel in LEGEND_CHANNELS:
        definition = _encoding(spec, channel)
        if definition and definition.get("type") in ("nominal", "ordinal") and definition.get("field"):
            field = definition["field"]
            return [
                str(row[field]) for row in rows(spec)[:MAX_ROWS] if isinstance(row, dict) and field in row
            ]
    return []


def _title_text(title: Any) -> str:
    """A Vega-Lite title: a string, a list of lines, or ``{"text": ...}``."""
    return clip(title.get("text") if isinstance(title, dict) else title)


def standalone_html(spec: VegaSpec) -> str:
    """A page that draws the chart with vega-embed from a CDN, like Altair's own ``save('x.html')``."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<script src='https://cdn.jsdelivr.net/npm/vega@5'></script>"
        "<script src='https://cdn.jsdelivr.net/npm/vega-lite@5'></script>"
        "<script src='https://cdn.jsdelivr.net/npm/vega-embed@6'></script></head>"
        "<body><div id='vis'></div><script>"
        f"vegaEmbed('#vis', {json.dumps(spec)});"
        "</script></body></html>"
    )


BACKEND = AltairBackend()
