"""matplotlib figures (and seaborn, which draws on them).

The figure is frozen as a pickle, the way matplotlib itself supports copying a figure, and rendered
from that copy in the background. The pickle is stripped of its pyplot registration: a copy restored
into pyplot would be shown by the notebook's inline backend as if the user had drawn it.
"""

from __future__ import annotations

import gc
import io
import pickle
import zlib
from typing import Any, TypeVar

from figtrail.capture.backends.base import Backend, RenderError, Snapshot, clean_title
from figtrail.capture.figure_facts import Panel, summarise

_T = TypeVar("_T")


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
    title: str = legend.get_title().get_text() if legend is not None else ""
    return title


def _colorbar_label(axes: Any) -> str:
    label: str = axes.get_ylabel() or axes.get_xlabel()
    return label


def _sup_label(figure: Any, attribute: str) -> str:
    """A figure-wide title or label (suptitle, supxlabel, supylabel), "" when unset."""
    text = getattr(figure, attribute, None)
    return text.get_text() if text is not None else ""


TIGHT_MARGIN = 1.0  # inches drawn around the figure, where savefig's tight box may reach


def tight_png(figure: Any) -> bytes | None:
    """The PNG ``savefig(bbox_inches="tight")`` makes, with one drawing instead of two.

    ``savefig`` draws the figure once to find its tight bounding box and again to render it; finding
    the box alone (every tick label's extent) costs a quarter of a drawing. Here the figure is drawn
    once, with a margin of ``TIGHT_MARGIN`` around it (a label can lie outside a small figure), and the
    box is read off the pixels: what differs from the figure's colour, plus ``savefig.pad_inches`` in
    that colour. The picture is the same, its blank margin a few pixels narrower where ``savefig``
    counts a text's empty line height. An opaque figure is stored without an alpha channel, which
    ``savefig`` would write. None, for ``savefig`` to make, when something is drawn up to the margin's
    edge or a legend or text lies beyond it, when nothing is drawn, or when the ``savefig.*`` settings
    ask for another dpi, colour or padding.
    """
    import numpy as np
    from matplotlib import colors, rcParams
    from matplotlib.transforms import Bbox

    if not _plain_savefig_settings(rcParams):
        return None
    dpi, margin = figure.dpi, round(TIGHT_MARGIN * figure.dpi)
    width, height = figure.bbox.width + 2 * margin, figure.bbox.height + 2 * margin
    area = Bbox.from_extents(-margin / dpi, -margin / dpi, (width - margin) / dpi, (height - margin) / dpi)
    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", bbox_inches=area)
    width, height = round(width), round(height)
    if len(raw.getbuffer()) != width * height * 4 or _beyond(figure, margin):
        return None
    drawn = np.frombuffer(raw.getbuffer(), np.uint8).reshape(height, width, 4)
    face = np.round(np.array(colors.to_rgba(figure.get_facecolor())) * 255).astype(np.uint8)
    ink = drawn.view(np.uint32)[..., 0] != face.view(np.uint32)[0]  # one word a pixel: fast to compare
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size or rows[0] == 0 or cols[0] == 0 or rows[-1] == height - 1 or cols[-1] == width - 1:
        return None
    pad = round(float(rcParams["savefig.pad_inches"]) * dpi)
    top, bottom = max(int(rows[0]) - pad, 0), min(int(rows[-1]) + 1 + pad, height)
    left, right = max(int(cols[0]) - pad, 0), min(int(cols[-1]) + 1 + pad, width)
    pixels = drawn[top:bottom, left:right]
    if bool((pixels[..., 3] == 255).all()):
        pixels = pixels[..., :3]
    return encode_png(pixels)


def encode_png(pixels: Any) -> bytes:
    """A PNG of an RGB or RGBA array (height x width x 3 or 4, uint8), lossless.

    fpng writes it: for a plot, ~10x faster than Pillow's zlib at its fastest settings (under 1 ms for a
    800 x 600 scatter instead of ~9), at ~15-25% more bytes. The primary image is on the path from
    ``publish()`` to the stored revision, so its encoding is time a user waits; the later formats keep
    Pillow's smaller files. Pillow writes it where fpng is not installed.
    """
    import numpy as np

    try:
        import fpng
    except ImportError:
        from PIL import Image

        buffer = io.BytesIO()
        # zlib's run-length strategy at level 1: a third faster than level 3, and smaller on plots
        Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
        return buffer.getvalue()
    encoded: bytes = fpng.from_ndarray(np.ascontiguousarray(pixels))
    return encoded


def _beyond(figure: Any, margin: int) -> bool:
    """Whether a legend or a text placed freely (an annotation) lies outside the drawn margin."""
    placed = [*figure.legends, *figure.texts]
    for axes in figure.axes:
        placed += [*axes.texts, *([axes.legend_] if axes.legend_ is not None else [])]
    limits = (-margin, -margin, figure.bbox.width + margin, figure.bbox.height + margin)
    for artist in placed:
        if not artist.get_visible():
            continue
        box = artist.get_window_extent()
        if box.x0 < limits[0] or box.y0 < limits[1] or box.x1 > limits[2] or box.y1 > limits[3]:
            return True
    return False


def _plain_savefig_settings(rc: Any) -> bool:
    """Whether ``savefig`` would use the figure's own dpi and colour and a padding in inches."""
    try:
        float(rc["savefig.pad_inches"])
    except (TypeError, ValueError):  # "layout"
        return False
    return (
        rc["savefig.dpi"] == "figure"
        and rc["savefig.facecolor"] == "auto"
        and rc["savefig.edgecolor"] == "auto"
        and not rc["savefig.transparent"]
    )


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


def _bare(cls: type[_T]) -> _T:
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
