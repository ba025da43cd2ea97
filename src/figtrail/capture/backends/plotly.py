"""plotly figures: always the interactive HTML; PNG and SVG where kaleido finds a Chrome to render with.

The figure is frozen as plotly JSON. Static images need kaleido and a Chrome/Chromium; when either is
missing the revision still gets its HTML, and a note says plainly why there is no PNG.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

from figtrail.capture.backends.base import Backend, MissingRenderer, RenderError, Snapshot, clean_title
from figtrail.capture.figure_facts import Panel, summarise

NO_CHROME = (
    "plotly PNG/SVG need kaleido with a Chrome or Chromium browser, and none was found "
    "(run `plotly_get_chrome`, or install Chromium, e.g. `apt install chromium`); only the interactive HTML "
    "was stored"
)
NO_KALEIDO = (
    "plotly PNG/SVG need the kaleido package and a Chrome or Chromium browser "
    "(run `pip install kaleido` and then `plotly_get_chrome`); only the interactive HTML was stored"
)
STATIC_RENDERER = "plotly's static export (kaleido with Chrome)"


class PlotlyBackend(Backend):
    name = "plotly"
    module = "plotly"
    interactive = True
    static_formats = ("png", "svg", "pdf", "jpeg")

    def __init__(self) -> None:
        self._static_error: str | None = None
        self._server_started = False
        self._lock = threading.Lock()

    def _is_figure(self, obj: Any) -> bool:
        from plotly.basedatatypes import BaseFigure

        return isinstance(obj, BaseFigure)

    def title(self, figure: Any) -> str | None:
        try:
            return clean_title(figure.layout.title.text)
        except AttributeError:
            return None

    def describe(self, figure: Any) -> dict[str, Any]:
        """One panel per pair of axes the traces are drawn on (``x``/``y``, ``x2``/``y2``...)."""
        layout = figure.layout
        pairs: dict[tuple[str, str], list[str]] = {}
        for trace in figure.data:
            pair = (_prop(trace, "xaxis") or "x", _prop(trace, "yaxis") or "y")
            names = pairs.setdefault(pair, [])
            if _prop(trace, "showlegend") is not False and (name := _prop(trace, "name")):
                names.append(str(name))
        panels = [
            Panel(labels={"x": _axis_title(layout, x), "y": _axis_title(layout, y)}, series=names)
            for (x, y), names in (pairs or {("x", "y"): []}).items()
        ]
        legend = {"legend": layout.legend.title.text}
        return summarise(layout.title.text, panels, legend)

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure), facts=self.facts(figure))
        snap.serialized = figure.to_json().encode()
        snap.deferred = self.wanted(formats)
        return snap

    def load(self, serialized: bytes) -> Any:
        import plotly.io

        return plotly.io.from_json(serialized.decode(), skip_invalid=True)

    def render(self, frozen: Any, fmt: str) -> bytes:
        if fmt == "html":
            # plotly.js from its CDN keeps the stored page small; the figtrail server serves its own
            # copy in place of the CDN's (and embeds it in downloads), so the page also works offline.
            page: str = frozen.to_html(include_plotlyjs="cdn", full_html=True)
            return page.encode()
        return self._static(frozen, fmt)

    def renderer_key(self, fmt: str) -> str | None:
        return None if fmt == "html" else STATIC_RENDERER

    def _static(self, frozen: Any, fmt: str) -> bytes:
        with self._lock:  # one kaleido server for the process; renders are serialised through it
            if self._static_error:
                raise MissingRenderer(self._static_error)
            try:
                self._start_server()
                image: bytes = frozen.to_image(format=fmt)
                return image
            except ImportError:
                self._static_error = NO_KALEIDO
            except MissingRenderer as exc:
                self._static_error = str(exc)
            except Exception as exc:  # kaleido raises its own types, and RuntimeError when Chrome is missing
                if "chrome" in f"{type(exc).__name__} {exc}".lower():
                    self._static_error = NO_CHROME
                else:
                    raise RenderError(f"plotly could not render {fmt}: {exc}") from exc
            raise MissingRenderer(self._static_error)

    def _start_server(self) -> None:
        """Keep one Chrome running for the process: a cold start costs seconds per image."""
        if self._server_started:
            return
        import warnings

        import kaleido

        if not chrome_available():  # kaleido would wait for a browser that never starts
            raise MissingRenderer(NO_CHROME)

        warnings.filterwarnings("ignore", message="The kopts argument is ignored")  # plotly's, harmless
        kaleido.start_sync_server(silence_warnings=True)
        self._server_started = True
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)


def chrome_available() -> bool:
    """Whether kaleido has a browser to start: the one it looks for (``BROWSER_PATH``, its own
    download from ``plotly_get_chrome``, a Chrome or Chromium on the PATH or in the usual places)."""
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:  # another kaleido: let it try, within the step's time limit
        return True
    try:
        path = Chromium.find_browser(skip_local=False)
    except Exception:
        return True
    if not path:
        return False
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _prop(obj: Any, name: str) -> Any:
    """A property some trace types lack (a pie has no axes), as None rather than an error."""
    return obj[name] if name in obj else None


def _axis_title(layout: Any, axis: str) -> str:
    """The title of axis ``x``, ``x2``... (layout ``xaxis``, ``xaxis2``...)."""
    name = f"{axis[0]}axis{axis[1:]}"
    return layout[name].title.text if name in layout else ""


BACKEND = PlotlyBackend()
