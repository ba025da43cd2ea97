"""The rewrite of interactive figures' CDN scripts (``figtrail.server.web.figure_scripts``), in-process.

Only Django's settings and URLconf are loaded (no database, no server): the HTML that plotly, Altair and
bokeh really write is rewritten and the result is checked byte by byte against the installed packages'
own script files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.django_in_process import set_up

pytest.importorskip("plotly")

EXTERNAL_SCRIPT = re.compile(rb"<script[^>]*\ssrc\s*=\s*[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def scripts():
    with set_up("figtrail-scripts-"):
        from figtrail.server.web import figure_scripts

        yield figure_scripts


def plotly_html() -> bytes:
    import plotly.graph_objects as go

    figure = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
    return figure.to_html(include_plotlyjs="cdn", full_html=True).encode()


def altair_html() -> bytes:
    altair = pytest.importorskip("altair")
    import pandas as pd

    chart = altair.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})).mark_line().encode(x="x", y="y")
    return chart.to_html().encode()


def figtrail_altair_html() -> bytes:
    """What figtrail's own client stores for an Altair chart (its capture backend's page)."""
    altair = pytest.importorskip("altair")
    import pandas as pd

    from figtrail.capture.backends.altair import standalone_html

    chart = altair.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})).mark_line().encode(x="x", y="y")
    return standalone_html(chart.to_dict()).encode()


def bokeh_html() -> bytes:
    pytest.importorskip("bokeh")
    from bokeh.embed import file_html
    from bokeh.layouts import column
    from bokeh.models import Slider
    from bokeh.plotting import figure
    from bokeh.resources import CDN

    plot = figure(title="Growth")
    plot.line([1, 2, 3], [3, 1, 2])
    return file_html(column(plot, Slider(start=0, end=1, value=0)), CDN, "Growth").encode()


def package_file(module: str, *parts: str) -> bytes:
    import importlib.util

    root = Path(next(iter(importlib.util.find_spec(module).submodule_search_locations)))
    return root.joinpath(*parts).read_bytes()


@pytest.mark.parametrize(
    ("url", "library"),
    [
        ("https://cdn.plot.ly/plotly-4.1.1.min.js", "plotly"),
        ("https://cdn.plot.ly/plotly-2.35.2.min.js", "plotly"),
        ("https://cdn.plot.ly/plotly-latest.min.js", "plotly"),
        ("//cdn.plot.ly/plotly-basic-2.12.1.js", "plotly"),
        ("https://cdn.plot.ly/plotly-geo-assets.js", None),  # topojson, not plotly.js
        ("https://cdn.jsdelivr.net/npm/vega@6", "vega"),
        ("https://cdn.jsdelivr.net/npm//vega-lite@4.17.0", "vega"),  # Altair 4 wrote two slashes
        ("https://cdn.jsdelivr.net/npm/vega-embed@6/build/vega-embed.min.js", "vega"),
        ("https://cdn.jsdelivr.net/npm/vega-tooltip@0.34", None),
        ("https://cdn.bokeh.org/bokeh/release/bokeh-3.9.2.min.js", "bokeh"),
        ("https://cdn.bokeh.org/bokeh/release/bokeh-widgets-2.4.3.min.js", "bokeh-widgets"),
        ("https://cdn.bokeh.org/bokeh/dev/bokeh-gl-3.9.0.dev1.js", "bokeh-gl"),
        ("https://example.org/plotly-4.1.1.min.js", None),
        ("/static/web/app.js", None),
    ],
)
def test_cdn_addresses_map_to_a_library_whatever_their_version(scripts, url, library):
    assert scripts.library_of(url) == library


def test_plotly_is_loaded_from_the_server_and_the_rest_is_unchanged(scripts):
    html = plotly_html()
    tag = re.search(rb'<script charset="utf-8" src="https://cdn\.plot\.ly/[^"]+"[^>]*></script>', html)
    assert tag and b"integrity=" in tag.group(0)
    served = scripts.for_frame(html)
    local = scripts.available()["plotly"]
    new_tag = f'<script src="/web/scripts/{local.name}"></script>'.encode()
    assert served == html.replace(tag.group(0), new_tag)
    assert local.path().read_bytes() == package_file("plotly", "package_data", "plotly.min.js")


def test_an_old_plotly_version_gets_the_servers_copy(scripts):
    html = re.sub(rb"plotly-\d+\.\d+\.\d+\.min\.js", b"plotly-2.35.2.min.js", plotly_html())
    assert b"cdn.plot.ly/plotly-2.35.2.min.js" in html
    served = scripts.for_frame(html)
    assert b"cdn.plot.ly" not in served
    assert f'src="/web/scripts/{scripts.available()["plotly"].name}"'.encode() in served


@pytest.mark.parametrize("make", [altair_html, figtrail_altair_html])
def test_one_vega_bundle_stands_for_vega_vega_lite_and_vega_embed(scripts, make):
    html = make()
    assert html.count(b"cdn.jsdelivr.net/npm/vega") == 3
    served = scripts.for_frame(html)
    bundle = scripts.available()["vega"]
    assert served.count(b"<script src=") == 1
    assert f'<script src="/web/scripts/{bundle.name}"></script>'.encode() in served
    assert b"cdn.jsdelivr.net" not in served
    assert served.index(b"/web/scripts/") < served.index(b"vegaEmbed(")  # before the code that uses it


def test_bokeh_parts_come_from_the_bokeh_package(scripts):
    html = bokeh_html()
    assert b"cdn.bokeh.org/bokeh/release/bokeh-widgets-" in html
    served = scripts.for_frame(html)
    assert b"cdn.bokeh.org" not in served
    for part in ("bokeh", "bokeh-widgets"):
        script = scripts.available()[part]
        assert f'src="/web/scripts/{script.name}"'.encode() in served
        assert script.path().read_bytes() == package_file("bokeh", "server", "static", "js", f"{part}.min.js")


def test_other_scripts_are_left_alone(scripts):
    html = (
        b'<script src="https://example.org/lib.js"></script>'
        b'<script data-src="https://cdn.plot.ly/plotly-4.1.1.min.js"></script>'
        b"<script>var url = 'https://cdn.plot.ly/plotly-4.1.1.min.js';</script>"
    )
    assert scripts.for_frame(html) == html
    assert scripts.for_download(html) == html


def test_a_download_embeds_the_script_itself(scripts):
    downloaded = scripts.for_download(plotly_html())
    assert not EXTERNAL_SCRIPT.search(downloaded)
    assert b"<script>" + package_file("plotly", "package_data", "plotly.min.js") + b"</script>" in downloaded


def test_a_vega_download_embeds_the_bundle_once(scripts):
    downloaded = scripts.for_download(altair_html())
    assert not EXTERNAL_SCRIPT.search(downloaded)
    bundle = scripts.available()["vega"].text()
    assert bundle.startswith("(function () {") and "window.vegaEmbed=" in bundle
    assert downloaded.count(b"window.vegaEmbed=") == 1
    assert bundle.encode() in downloaded


def test_a_bokeh_download_embeds_every_part(scripts):
    downloaded = scripts.for_download(bokeh_html())
    assert not EXTERNAL_SCRIPT.search(downloaded)
    assert package_file("bokeh", "server", "static", "js", "bokeh-widgets.min.js") in downloaded


def test_an_embedded_script_cannot_close_its_element_early(scripts, monkeypatch, tmp_path):
    tricky = tmp_path / "plotly.min.js"
    tricky.write_text("var s = '</script><b>';\n", encoding="utf-8")
    fake = scripts.Script("plotly-0/plotly.min.js", lambda: tricky)
    monkeypatch.setitem(scripts.available(), "plotly", fake)
    downloaded = scripts.for_download(b'<script src="https://cdn.plot.ly/plotly-4.1.1.min.js"></script>')
    assert downloaded == b"<script>var s = '<\\/script><b>';\n</script>"
