"""plotly figures: always the interactive HTML; PNG and SVG where kaleido finds a Chrome to render with.

The figure is frozen as plotly JSON. Static images need kaleido and a Chrome/Chromium; when either is
missing the revision still gets its HTML, and a note says plainly why there is no PNG.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from figtrail.capture.backends.base import Backend, RenderError, Snapshot, clean_title

NO_CHROME = (
    "plotly PNG/SVG need kaleido with a Chrome or Chromium browser, and none was found "
    "(install Chromium, e.g. `apt install chromium`, or run `plotly_get_chrome`); only the interactive HTML "
    "was stored"
)


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

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure))
        snap.serialized = figure.to_json().encode()
        snap.deferred = self.wanted(formats)
        return snap

    def load(self, serialized: bytes) -> Any:
        import plotly.io

        return plotly.io.from_json(serialized.decode(), skip_invalid=True)

    def render(self, frozen: Any, fmt: str) -> bytes:
        if fmt == "html":
            return frozen.to_html(include_plotlyjs="cdn", full_html=True).encode()
        return self._static(frozen, fmt)

    def _static(self, frozen: Any, fmt: str) -> bytes:
        with self._lock:  # one kaleido server for the process; renders are serialised through it
            if self._static_error:
                raise RenderError(self._static_error)
            try:
                self._start_server()
                return frozen.to_image(format=fmt)
            except ImportError:
                self._static_error = NO_CHROME.replace(
                    "kaleido with a Chrome", "the kaleido package and a Chrome"
                )
            except Exception as exc:  # kaleido raises its own types, and RuntimeError when Chrome is missing
                if "chrome" in f"{type(exc).__name__} {exc}".lower():
                    self._static_error = NO_CHROME
                else:
                    raise RenderError(f"plotly could not render {fmt}: {exc}") from exc
            raise RenderError(self._static_error)

    def _start_server(self) -> None:
        """Keep one Chrome running for the process: a cold start costs seconds per image."""
        if self._server_started:
            return
        import warnings

        import kaleido

        warnings.filterwarnings("ignore", message="The kopts argument is ignored")  # plotly's, harmless
        kaleido.start_sync_server(silence_warnings=True)
        self._server_started = True
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)


BACKEND = PlotlyBackend()
