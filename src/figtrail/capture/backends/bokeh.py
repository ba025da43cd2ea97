"""bokeh plots: the standalone interactive HTML (PNG export needs a Selenium browser driver)."""

from __future__ import annotations

from typing import Any

from figtrail.capture.backends.base import Backend, Snapshot, clean_title

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

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        from bokeh.embed import file_html
        from bokeh.resources import CDN

        snap = Snapshot(backend=self.name, title=self.title(figure))
        # bokeh documents are not thread-safe: render the HTML here, on the main thread
        snap.rendered["html"] = file_html(figure, CDN, snap.title or "bokeh plot").encode()
        if any(fmt in ("png", "svg") for fmt in formats):
            snap.notes.append(NO_STATIC)
        return snap


BACKEND = BokehBackend()
