"""plotnine plots (ggplot objects).

plotnine draws through pyplot and swaps matplotlib's global rcParams while it draws, which is not safe
on a background thread. So a plot is drawn once, in the cell, and every requested format is saved from
that one drawing; the PNG the notebook displayed is reused when there is one.
"""

from __future__ import annotations

import io
from typing import Any

from figtrail.capture.backends.base import Backend, Snapshot, clean_title
from figtrail.capture.figure_facts import MAX_ITEMS, Panel, summarise

LEGEND_AESTHETICS = ("color", "fill")  # the mapped aesthetics whose legend names series


class PlotnineBackend(Backend):
    name = "plotnine"
    module = "plotnine"
    static_formats = ("png", "svg", "pdf", "eps", "jpeg", "tiff")

    def _is_figure(self, obj: Any) -> bool:
        from plotnine import ggplot

        return isinstance(obj, ggplot)

    def title(self, figure: Any) -> str | None:
        labels: Any = getattr(figure, "labels", None)  # plotnine's labels object (a dict in some versions)
        title = getattr(labels, "title", None)
        if title is None and hasattr(labels, "get"):
            title = labels.get("title", None)
        return clean_title(title)

    def describe(self, figure: Any) -> dict[str, Any]:
        """The plot's labels: those set with ``labs()``/``xlab()``..., else the mapped column names,
        which is what plotnine itself writes on the axes and the legend."""
        mappings = [dict(figure.mapping)] + [dict(layer.mapping) for layer in figure.layers]
        labels = {name: _label(figure.labels, mappings, name) for name in ("x", "y", *LEGEND_AESTHETICS)}
        legend = next((name for name in LEGEND_AESTHETICS if labels[name]), None)
        series = _levels(figure, mappings, legend) if legend else []
        panel = Panel(labels={"x": labels["x"], "y": labels["y"]}, series=series)
        return summarise(figure.labels.title, [panel], {name: labels[name] for name in LEGEND_AESTHETICS})

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure), facts=self.facts(figure))
        wanted = self.wanted(formats)
        if "png" in wanted and displayed.get("png"):
            snap.rendered["png"] = displayed["png"]
        missing = [fmt for fmt in wanted if fmt not in snap.rendered]
        if missing:
            view = figure.save_helper(format=missing[0], verbose=False)
            try:
                for fmt in missing:
                    buffer = io.BytesIO()
                    view.figure.savefig(**{**view.kwargs, "fname": buffer, "format": fmt})
                    snap.rendered[fmt] = buffer.getvalue()
            finally:
                import matplotlib.pyplot as plt

                plt.close(view.figure)
        data = getattr(figure, "data", None)
        if data is not None and hasattr(data, "to_csv"):
            snap.dataframes["plot data"] = data
        return snap


def _label(labels: Any, mappings: list[dict[str, Any]], name: str) -> str:
    """An explicit label, else the column mapped to ``name`` when it is a plain column name."""
    explicit = getattr(labels, name, None)
    if explicit is not None:
        return str(explicit)
    return next((value for mapping in mappings if isinstance(value := mapping.get(name), str)), "")


def _levels(figure: Any, mappings: list[dict[str, Any]], aesthetic: str) -> list[str]:
    """The values of a discrete column mapped to the legend: the series a reader sees."""
    column = next((value for mapping in mappings if isinstance(value := mapping.get(aesthetic), str)), None)
    data = getattr(figure, "data", None)
    if column is None or data is None or column not in getattr(data, "columns", ()):
        return []
    values = data[column]
    if values.dtype.kind in "iufcmM":  # a continuous scale: a colour bar, not series
        return []
    return [str(value) for value in values.drop_duplicates().head(MAX_ITEMS)]


BACKEND = PlotnineBackend()
