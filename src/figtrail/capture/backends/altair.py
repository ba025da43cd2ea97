"""Altair (Vega-Lite) charts: the interactive HTML always; PNG and SVG where vl-convert is installed."""

from __future__ import annotations

import json
from typing import Any

from figtrail.capture.backends.base import Backend, RenderError, Snapshot, clean_title

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

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure))
        snap.serialized = json.dumps(figure.to_dict()).encode()
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
            raise RenderError(NO_CONVERTER) from exc
        if fmt == "png":
            return vl_convert.vegalite_to_png(frozen)
        return vl_convert.vegalite_to_svg(frozen).encode()


def standalone_html(spec: dict) -> str:
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
