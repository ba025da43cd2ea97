"""plotnine plots (ggplot objects).

plotnine draws through pyplot and swaps matplotlib's global rcParams while it draws, which is not safe
on a background thread. So a plot is drawn once, in the cell, and every requested format is saved from
that one drawing; the PNG the notebook displayed is reused when there is one.
"""

from __future__ import annotations

import io
from typing import Any

from figtrail.capture.backends.base import Backend, Snapshot, clean_title


class PlotnineBackend(Backend):
    name = "plotnine"
    module = "plotnine"
    static_formats = ("png", "svg", "pdf", "eps", "jpeg", "tiff")

    def _is_figure(self, obj: Any) -> bool:
        from plotnine import ggplot

        return isinstance(obj, ggplot)

    def title(self, figure: Any) -> str | None:
        labels = getattr(figure, "labels", None)
        title = getattr(labels, "title", None)
        if title is None and hasattr(labels, "get"):
            title = labels.get("title", None)
        return clean_title(title)

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure))
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


BACKEND = PlotnineBackend()
