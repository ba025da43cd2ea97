"""bokeh plots: the standalone interactive HTML (PNG export needs a Selenium browser driver)."""

from __future__ import annotations

from typing import Any

from figtrail.capture.backends.base import Backend, Snapshot, clean_title
from figtrail.capture.figure_facts import Panel, summarise

NO_STATIC = "bokeh PNG/SVG export needs Selenium and a browser driver; only the interactive HTML was stored"


class BokehBackend(Backend):
    name = "bokeh"
    module = "bokeh"
    interactive = True
    static_formats = ()

    def _is_figure(self, obj: Any) -> bool:
        from bokeh.model import Model

        return isinstance(obj, Model) and hasattr(obj, "renderers")

    def title(self, figure: Any) -> str | None:
        title = getattr(figure, "title", None)
        return clean_title(getattr(title, "text", title))

    def describe(self, figure: Any) -> dict[str, Any]:
        labels = {"x": _axis_label(figure, "xaxis"), "y": _axis_label(figure, "yaxis")}
        items = [item for legend in _all(figure, "legend") for item in (legend.items or [])]
        series = [value for item in items if isinstance(value := _label_value(item.label), str)]
        fields = [field for item in items if isinstance(field := _label_field(item.label), str)]
        extra = {"legend": fields[0] if fields else ""}  # legend_field: the column names the series
        return summarise(self.title(figure), [Panel(labels=labels, series=series)], extra)

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        from bokeh.embed import file_html
        from bokeh.resources import CDN

        snap = Snapshot(backend=self.name, title=self.title(figure), facts=self.facts(figure))
        # bokeh documents are not thread-safe: render the HTML here, on the main thread
        snap.rendered["html"] = file_html(figure, CDN, snap.title or "bokeh plot").encode()
        if any(fmt in ("png", "svg") for fmt in formats):
            snap.notes.append(NO_STATIC)
        return snap


def _all(figure: Any, name: str) -> list[Any]:
    """A plot's axes or legends (bokeh returns a splattable list), empty for models without them."""
    found = getattr(figure, name, None)
    return list(found) if found is not None else []


def _axis_label(figure: Any, name: str) -> str:
    return next((str(axis.axis_label) for axis in _all(figure, name) if axis.axis_label), "")


def _label_value(label: Any) -> Any:
    """A legend item's fixed text (``legend_label``); bokeh wraps it in a ``Value``."""
    return label if isinstance(label, str) else getattr(label, "value", None)


def _label_field(label: Any) -> Any:
    return getattr(label, "field", None)


BACKEND = BokehBackend()
