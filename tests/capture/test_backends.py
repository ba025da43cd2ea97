"""Each plotting backend: recognise, name, freeze and render figures of its library."""

from __future__ import annotations

import io
import pickle
import sys

import matplotlib
import pytest
from PIL import Image

from figtrail.capture.backends import RenderError, backend_for, get_backend

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture
def figure():
    fig, axes = plt.subplots(figsize=(3, 2))
    axes.plot([1, 2, 3])
    yield fig
    plt.close(fig)


def test_matplotlib_titles_come_from_the_suptitle_then_the_axes(figure):
    backend = backend_for(figure)
    assert backend.name == "matplotlib" and backend.title(figure) is None
    figure.axes[0].set_title("Left", loc="left")
    assert backend.title(figure) == "Left"
    figure.suptitle("Overall")
    assert backend.title(figure) == "Overall"


def test_a_frozen_matplotlib_figure_renders_later_and_never_joins_pyplot(figure):
    backend = get_backend("matplotlib")
    snapshot = backend.snapshot(figure, ["png", "svg"], displayed={})
    assert snapshot.deferred == ["png", "svg"] and snapshot.serialized
    figure.axes[0].set_title("changed after publishing")
    before = plt.get_fignums()
    copy = backend.load(snapshot.serialized)
    assert plt.get_fignums() == before  # a copy in pyplot would be shown by the inline backend
    assert copy.axes[0].get_title() == ""  # the copy is the figure as it was when published
    assert Image.open(io.BytesIO(backend.render(copy, "png"))).format == "PNG"
    assert b"<svg" in backend.render(copy, "svg")


def test_the_displayed_png_is_reused_not_rendered_again(figure):
    snapshot = get_backend("matplotlib").snapshot(figure, ["png", "svg"], displayed={"png": b"shown"})
    assert snapshot.rendered == {"png": b"shown"} and snapshot.deferred == ["svg"]


def _pixels(png: bytes):
    import numpy as np

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _ink_box(pixels, face=(255, 255, 255)):
    import numpy as np

    ink = (pixels != np.array(face)).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return pixels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _difference(ours, theirs) -> float:
    """Mean colour difference of two drawings, at the best of the alignments within a pixel."""
    found = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            a, b = ours[max(dy, 0) :, max(dx, 0) :], theirs[max(-dy, 0) :, max(-dx, 0) :]
            h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
            found.append(float(abs(a[:h, :w] - b[:h, :w]).mean()))
    return min(found)


def test_the_png_is_the_picture_savefig_tight_makes(figure):
    """Drawn once, cropped from its pixels: what is drawn is savefig's, pixel for pixel, with the same
    padding around it (savefig also pads the empty line height of text: at most a few pixels)."""
    from figtrail.capture.backends.matplotlib import savefig, tight_png

    figure.axes[0].set_title("Title")
    figure.axes[0].set_xlabel("x label")
    ours, theirs = _pixels(tight_png(figure)), _pixels(savefig(figure, "png"))
    assert abs(ours.shape[0] - theirs.shape[0]) <= 6 and abs(ours.shape[1] - theirs.shape[1]) <= 6
    ink, their_ink = _ink_box(ours), _ink_box(theirs)
    assert abs(ink.shape[0] - their_ink.shape[0]) <= 1 and abs(ink.shape[1] - their_ink.shape[1]) <= 1
    assert ink.shape[0] > 0.95 * theirs.shape[0] - 20  # the x label below the small figure is in it
    assert _difference(ink, their_ink) < 4  # one drawing, shifted by less than a pixel
    pad = round(matplotlib.rcParams["savefig.pad_inches"] * figure.dpi)
    assert ours.shape[0] == ink.shape[0] + 2 * pad and ours.shape[1] == ink.shape[1] + 2 * pad
    assert Image.open(io.BytesIO(tight_png(figure))).mode == "RGB"  # opaque: no alpha channel


def test_a_figure_drawn_to_its_edge_or_with_other_savefig_settings_is_left_to_savefig(figure):
    from figtrail.capture.backends.matplotlib import tight_png

    assert tight_png(figure) is not None
    figure.axes[0].legend(["a line"], loc="upper left", bbox_to_anchor=(1.02, 1.0))  # into the margin
    assert tight_png(figure) is not None
    figure.axes[0].legend(["a line"], loc="upper left", bbox_to_anchor=(2.0, 1.2))  # beyond it
    assert tight_png(figure) is None
    figure.axes[0].get_legend().remove()
    note = figure.axes[0].annotate("far away", (1, 2), xytext=(0.5, 3.0), textcoords="axes fraction")
    assert tight_png(figure) is None
    note.remove()
    with matplotlib.rc_context({"savefig.dpi": 200}):
        assert tight_png(figure) is None
    with matplotlib.rc_context({"savefig.transparent": True}):
        assert tight_png(figure) is None
    png = get_backend("matplotlib").render(figure, "png")  # what render() gives either way
    assert Image.open(io.BytesIO(png)).format == "PNG"


def test_a_transparent_figure_keeps_its_alpha_channel(figure):
    from figtrail.capture.backends.matplotlib import tight_png

    figure.patch.set_alpha(0.0)
    image = Image.open(io.BytesIO(tight_png(figure)))
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("encoder", ["fpng", "pillow"])
def test_the_primary_png_is_lossless_with_either_encoder(figure, monkeypatch, encoder):
    """fpng writes the primary PNG; without it, Pillow does: the same pixels either way, RGB or RGBA."""
    import numpy as np

    from figtrail.capture.backends.matplotlib import encode_png, tight_png

    if encoder == "pillow":
        monkeypatch.setitem(sys.modules, "fpng", None)  # `import fpng` raises ImportError
    pixels = np.random.default_rng(3).integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    for array in (pixels, pixels[..., :3], pixels[5:30, 7:40, :3]):  # a crop is not contiguous
        image = Image.open(io.BytesIO(encode_png(array)))
        assert image.format == "PNG" and image.mode == ("RGBA" if array.shape[2] == 4 else "RGB")
        assert np.array_equal(np.asarray(image), array)
    figure.axes[0].set_title("encoded by " + encoder)
    assert Image.open(io.BytesIO(tight_png(figure))).mode == "RGB"  # an opaque figure, by the same encoder


def test_a_figure_that_cannot_be_pickled_is_rendered_at_once(figure):
    figure.axes[0].xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"<{x}>"))
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(figure)
    snapshot = get_backend("matplotlib").snapshot(figure, ["png", "svg"], displayed={})
    assert set(snapshot.rendered) == {"png", "svg"} and not snapshot.deferred
    assert "could not be pickled" in snapshot.notes[0]


def test_plotly_always_keeps_the_interactive_html():
    go = pytest.importorskip("plotly.graph_objects")
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout_title_text="Bars")
    backend = backend_for(fig)
    assert backend.name == "plotly" and backend.title(fig) == "Bars"
    snapshot = backend.snapshot(fig, ["png", "svg"], displayed={})
    assert snapshot.deferred == ["png", "svg", "html"]
    copy = backend.load(snapshot.serialized)
    page = backend.render(copy, "html")
    assert b"<html>" in page and b"Bars" in page
    try:
        png = backend.render(copy, "png")
    except RenderError as missing:  # no Chrome here: said plainly, with what to install
        assert "Chrome" in str(missing) and "interactive HTML" in str(missing)
    else:
        assert Image.open(io.BytesIO(png)).format == "PNG"


def test_plotnine_draws_once_in_the_cell_and_keeps_its_data():
    plotnine = pytest.importorskip("plotnine")
    import pandas as pd

    data = pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})
    plot = plotnine.ggplot(data, plotnine.aes("x", "y")) + plotnine.geom_point() + plotnine.ggtitle("Dots")
    backend = backend_for(plot)
    assert backend.name == "plotnine" and backend.title(plot) == "Dots"
    before = plt.get_fignums()
    snapshot = backend.snapshot(plot, ["png", "svg"], displayed={})
    assert plt.get_fignums() == before
    assert set(snapshot.rendered) == {"png", "svg"} and not snapshot.deferred
    assert b"<svg" in snapshot.rendered["svg"]
    assert snapshot.dataframes["plot data"] is data


def test_pil_images_are_stored_as_png():
    image = Image.new("RGB", (40, 30), "orange")
    image.info["title"] = "Swatch"
    backend = backend_for(image)
    assert backend.name == "pil" and backend.title(image) == "Swatch"
    snapshot = backend.snapshot(image, ["png", "svg"], displayed={})
    assert list(snapshot.rendered) == ["png"]
    assert Image.open(io.BytesIO(snapshot.rendered["png"])).size == (40, 30)


def test_other_objects_have_no_backend():
    assert backend_for("a string") is None and backend_for(None) is None


def test_bokeh_plots_are_kept_as_standalone_html_and_say_why_there_is_no_png():
    plotting = pytest.importorskip("bokeh.plotting")
    plot = plotting.figure(title="Bokeh lines")
    plot.line([1, 2, 3], [3, 1, 2])
    backend = backend_for(plot)
    assert backend.name == "bokeh" and backend.title(plot) == "Bokeh lines"
    snapshot = backend.snapshot(plot, ["png", "svg"], displayed={})
    assert b"Bokeh lines" in snapshot.rendered["html"] and b"<html" in snapshot.rendered["html"].lower()
    assert "Selenium" in snapshot.notes[0]


def test_altair_charts_keep_their_spec_as_interactive_html():
    altair = pytest.importorskip("altair")
    import pandas as pd

    chart = (
        altair.Chart(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), title="Altair dots")
        .mark_point()
        .encode(x="a", y="b")
    )
    backend = backend_for(chart)
    assert backend.name == "altair" and backend.title(chart) == "Altair dots"
    snapshot = backend.snapshot(chart, ["png"], displayed={})
    spec = backend.load(snapshot.serialized)
    assert spec["title"] == "Altair dots"
    assert b"vegaEmbed" in backend.render(spec, "html")
    try:
        png = backend.render(spec, "png")
    except RenderError as missing:
        assert "vl-convert-python" in str(missing)
    else:
        assert png.startswith(b"\x89PNG")
