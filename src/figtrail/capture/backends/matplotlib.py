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
from figtrail.capture.figure_facts import Panel, summarise


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

    def describe(self, figure: Any) -> dict[str, Any]:
        """One panel per set of axes (colour bars are labels, not panels); a figure legend's entries
        count as the first panel's series."""
        plots = [axes for axes in figure.axes if getattr(axes, "_colorbar", None) is None]
        panels = [axes_panel(axes) for axes in plots]
        figure_legends = list(getattr(figure, "legends", []))
        if shared := [text for legend in figure_legends for text in _legend_texts(legend)]:
            panels = panels or [Panel()]
            panels[0].series = shared + panels[0].series
        return summarise(_sup_label(figure, "_suptitle"), panels, _figure_labels(figure, plots))

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure), facts=self.facts(figure))
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
        if fmt == "png":
            return tight_png(frozen) or savefig(frozen, fmt)
        return savefig(frozen, fmt)


def axes_panel(axes: Any) -> Panel:
    """One subplot: its title, its axis labels, and its series (the legend's entries when it has one,
    else the labels given to its lines, collections and bar containers)."""
    title = next((text for loc in ("center", "left", "right") if (text := axes.get_title(loc=loc))), "")
    labels = {"x": axes.get_xlabel(), "y": axes.get_ylabel()}
    if hasattr(axes, "get_zlabel"):
        labels["z"] = axes.get_zlabel()
    legend = axes.get_legend()
    if legend is not None:
        series = _legend_texts(legend)
    else:
        artists = [*axes.lines, *axes.collections, *axes.containers]
        series = [str(artist.get_label() or "") for artist in artists]
    return Panel(title, labels, [text for text in series if text and not text.startswith("_")])


def _figure_labels(figure: Any, plots: list[Any]) -> dict[str, str]:
    """Labels that belong to no one panel: supxlabel/supylabel, a colour bar's, a legend's title."""
    colorbars = [axes for axes in figure.axes if getattr(axes, "_colorbar", None) is not None]
    legends = [axes.get_legend() for axes in plots] + list(getattr(figure, "legends", []))
    return {
        "x": _sup_label(figure, "_supxlabel"),
        "y": _sup_label(figure, "_supylabel"),
        "colorbar": next((text for axes in colorbars if (text := _colorbar_label(axes))), ""),
        "legend": next((text for legend in legends if (text := _legend_title(legend))), ""),
    }


def _legend_texts(legend: Any) -> list[str]:
    return [text.get_text() for text in legend.get_texts()] if legend is not None else []


def _legend_title(legend: Any) -> str:
    return legend.get_title().get_text() if legend is not None else ""


def _colorbar_label(axes: Any) -> str:
    return axes.get_ylabel() or axes.get_xlabel()


def _sup_label(figure: Any, attribute: str) -> str:
    """A figure-wide title or label (suptitle, supxlabel, supylabel), "" when unset."""
    text = getattr(figure, attribute, None)
    return text.get_text() if text is not None else ""


def tight_png(figure: Any) -> bytes | None:
    """The PNG ``savefig(bbox_inches="tight")`` makes, with one drawing instead of two.

    ``savefig`` draws the figure once to find its tight bounding box and again to render it. Here it
    is drawn once at its own size and dpi, and the tight box (plus ``savefig.pad_inches``, in the
    figure's colour) is cut out of that drawing: the same picture, shifted by less than a pixel, in
    about two thirds of the time. An opaque figure is stored without an alpha channel, which
    ``savefig`` would write (smaller, and faster to encode). None when something reaches beyond the
    canvas (a legend placed outside): only ``savefig`` can widen the picture to include it.
    """
    import numpy as np
    from matplotlib import colors, rcParams
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height()
    tight = figure.get_tightbbox(canvas.get_renderer()).transformed(figure.dpi_scale_trans)
    if tight.x0 < 0 or tight.y0 < 0 or tight.x1 > width or tight.y1 > height:
        return None
    pad = float(rcParams["savefig.pad_inches"]) * figure.dpi
    left, right = round(tight.x0 - pad), round(tight.x1 + pad)
    top, bottom = round(height - tight.y1 - pad), round(height - tight.y0 + pad)
    drawn = np.asarray(canvas.buffer_rgba())
    face = np.round(np.array(colors.to_rgba(figure.get_facecolor())) * 255).astype(np.uint8)
    picture = np.empty((bottom - top, right - left, 4), np.uint8)
    picture[:] = face
    inside_top, inside_left = max(top, 0), max(left, 0)
    inside_bottom, inside_right = min(bottom, height), min(right, width)
    picture[inside_top - top : inside_bottom - top, inside_left - left : inside_right - left] = drawn[
        inside_top:inside_bottom, inside_left:inside_right
    ]
    opaque = bool((picture[..., 3] == 255).all())
    buffer = io.BytesIO()
    Image.fromarray(picture[..., :3].copy() if opaque else picture).save(
        buffer, format="PNG", compress_level=3
    )
    return buffer.getvalue()


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
