"""matplotlib figures (and seaborn, which draws on them).

The figure is frozen as a pickle, the way matplotlib itself supports copying a figure, and rendered
from that copy in the background. The pickle is stripped of its pyplot registration: a copy restored
into pyplot would be shown by the notebook's inline backend as if the user had drawn it.
"""

from __future__ import annotations

import gc
import io
import pickle
from typing import Any

from figtrail.capture.backends.base import Backend, RenderError, Snapshot, clean_title


class MatplotlibBackend(Backend):
    name = "matplotlib"
    module = "matplotlib"
    static_formats = ("png", "svg", "pdf", "eps", "jpeg", "tiff")

    def _is_figure(self, obj: Any) -> bool:
        from matplotlib.figure import Figure

        return isinstance(obj, Figure)

    def title(self, figure: Any) -> str | None:
        suptitle = getattr(figure, "_suptitle", None)
        if suptitle is not None and clean_title(suptitle.get_text()):
            return clean_title(suptitle.get_text())
        for axes in figure.axes:
            for loc in ("center", "left", "right"):
                if title := clean_title(axes.get_title(loc=loc)):
                    return title
        return None

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure))
        wanted = self.wanted(formats)
        if "png" in wanted and displayed.get("png"):
            snap.rendered["png"] = displayed["png"]
        snap.deferred = [fmt for fmt in wanted if fmt not in snap.rendered]
        try:
            snap.serialized = freeze(figure)
        except Exception as exc:  # unpicklable artists (e.g. lambdas in formatters): render right now
            snap.notes.append(
                f"matplotlib figure could not be pickled ({type(exc).__name__}); rendered in the cell"
            )
            for fmt in snap.deferred:
                snap.rendered[fmt] = savefig(figure, fmt)
            snap.deferred = []
        return snap

    def load(self, serialized: bytes) -> Any:
        return pickle.loads(serialized)

    def render(self, frozen: Any, fmt: str) -> bytes:
        if fmt not in self.static_formats:
            raise RenderError(f"matplotlib cannot render {fmt}")
        return savefig(frozen, fmt)


def savefig(figure: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()


def freeze(figure: Any) -> bytes:
    """Pickle a figure so that unpickling never re-registers it with pyplot.

    The garbage collector is paused meanwhile: the pickler's memo briefly holds an entry per artist,
    enough to set off collections that would otherwise land in the user's cell for nothing (the
    entries are all freed when the pickle is done).
    """
    buffer = io.BytesIO()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _DetachedPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL, top=figure).dump(figure)
    finally:
        if was_enabled:
            gc.enable()
    return buffer.getvalue()


def _bare(cls: type) -> Any:
    return cls.__new__(cls)


class _DetachedPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, protocol: int, top: Any) -> None:
        super().__init__(file, protocol=protocol)
        self._top = top

    def reducer_override(self, obj: Any) -> Any:
        if obj is not self._top:
            return NotImplemented
        state = obj.__getstate__()
        state.pop("_restore_to_pylab", None)
        return _bare, (type(obj),), state


BACKEND = MatplotlibBackend()
