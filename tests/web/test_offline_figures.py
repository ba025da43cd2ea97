"""Interactive figures work with no internet: the revision page and a downloaded file.

A revision's HTML is what plotly, Altair and bokeh really write (scripts from their CDNs). The browser
context aborts, and records, every request that is not to the figtrail server, as on an air-gapped
network; the plot must still be drawn inside the sandboxed frame, from the server's own copy of the
library. A downloaded file must open from disk with the network off.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

from tests.server.helpers import data_item
from tests.web.helpers import error_page, web_session
from tests.web.test_figure_scripts import (
    altair_html,
    bokeh_html,
    figtrail_altair_html,
    package_file,
    plotly_html,
)

pytest.importorskip("plotly")

EXTERNAL_SCRIPT = re.compile(rb"<script[^>]*\ssrc\s*=\s*[\"']?(?:https?:)?//", re.I)
# what each library draws once its script has run: plotly's SVG layers, Vega's SVG line, bokeh's canvas
DRAWN = {
    "plotly": ".plot-container .main-svg",
    "plotly-2": ".plot-container .main-svg",
    "altair": ".vega-embed svg.marks .mark-line path",
    "altair-figtrail": ".vega-embed svg.marks .mark-line path",
    "bokeh": ".bk-Canvas canvas",
}


def old_plotly_html() -> bytes:
    """What plotly.py 5 stored: plotly.js 2.x from its CDN (the server serves its own, newer copy)."""
    html = re.sub(rb"plotly-\d+\.\d+\.\d+\.min\.js", b"plotly-2.35.2.min.js", plotly_html())
    return re.sub(rb'\s(?:integrity|crossorigin)="[^"]*"', b"", html)


HTML = {
    "plotly": plotly_html,
    "plotly-2": old_plotly_html,
    "altair": altair_html,
    "altair-figtrail": figtrail_altair_html,  # vega@5, vega-lite@5: as figtrail's own client writes it
    "bokeh": bokeh_html,
}


@pytest.fixture(scope="module")
def figures(owner) -> dict[str, dict]:
    """One revision per library, its only image the HTML the library wrote."""
    _, analysis, _ = owner.tree()
    made = {}
    for library, html in HTML.items():
        figure = owner.figure(analysis["api_id"], f"Interactive {library}")
        made[library] = owner.revision(
            figure["api_id"], data_item(html(), "image", name="figure", format="html")
        )
    return made


def html_data_id(revision: dict) -> str:
    return next(d["api_id"] for d in revision["data"] if d["metadata"].get("format") == "html")


class AirGap:
    """Aborts every request of a browser context that ``allowed`` refuses, as an air-gapped network would,
    and keeps what was asked for: ``blocked`` (refused) and ``requested`` (every URL)."""

    def __init__(self, context, allowed: Callable[[str], bool]) -> None:
        self.allowed = allowed
        self.blocked: list[str] = []
        self.requested: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        self.requested.append(url)
        if self.allowed(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


def frame_of(page):
    frame = page.locator("iframe#figure-frame").element_handle().content_frame()
    assert frame is not None
    return frame


@pytest.mark.parametrize("library", list(HTML))
def test_the_revision_page_draws_the_figure_with_no_request_leaving_the_server(
    signed_in, live_server, figures, library
):
    server = urlsplit(live_server.url).netloc
    gap = AirGap(signed_in.context, allowed=lambda url: urlsplit(url).netloc == server)
    page = signed_in.page
    page.goto(f"/revision/{figures[library]['api_id']}")
    assert page.locator("iframe#figure-frame").get_attribute("sandbox") == "allow-scripts"  # opaque origin
    frame = frame_of(page)
    frame.wait_for_selector(DRAWN[library], state="visible", timeout=30_000)
    assert gap.blocked == []
    scripts = [url for url in gap.requested if "/web/scripts/" in url]
    assert scripts, gap.requested
    assert all(urlsplit(url).netloc == server for url in scripts)
    assert signed_in.errors == []


def test_the_frame_names_the_servers_script_which_anyone_may_fetch_and_keep(live_server, owner, figures):
    """The frame's HTML points at /web/scripts/, which serves the package's own file, signed out (a
    share link's visitor needs it too), under a versioned name cached for a year."""
    session = web_session(live_server, owner.username, owner.password)
    shown = session.get(f"{live_server.url}/web/data/{html_data_id(figures['plotly'])}/view", timeout=30)
    assert shown.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")
    src = re.search(rb'<script src="(/web/scripts/plotly-[^"]+)"></script>', shown.content).group(1).decode()
    assert b"cdn.plot.ly" not in shown.content and b"integrity=" not in shown.content
    script = requests.get(live_server.url + src, timeout=30)  # signed out: public code, like /static/
    assert script.status_code == 200
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert script.content == package_file("plotly", "package_data", "plotly.min.js")
    unknown = requests.get(live_server.url + "/web/scripts/plotly-0.0.0/plotly.min.js", timeout=30)
    assert error_page(unknown, 404) == ("Not found", "No figure script named plotly-0.0.0/plotly.min.js.")


def test_the_stored_bytes_still_name_the_cdn(owner, figures):
    """The rewrite is made when serving: the revision's data stays what the client sent."""
    stored = owner.ok(f"data/{html_data_id(figures['plotly'])}/")
    html = base64.b64decode(stored["data"])
    assert b"https://cdn.plot.ly/plotly-" in html and b"integrity=" in html


@pytest.mark.parametrize("library", ["plotly", "altair", "bokeh"])
def test_a_downloaded_figure_opens_from_disk_offline(browser, signed_in, tmp_path, figures, library):
    page = signed_in.page
    page.goto(f"/revision/{figures[library]['api_id']}")
    with page.expect_download() as info:
        page.click("#image-panel a:has-text('Download HTML')")
    path = tmp_path / f"{library}.html"
    info.value.save_as(path)
    content = path.read_bytes()
    assert not EXTERNAL_SCRIPT.search(content)
    assert not re.search(rb"<script[^>]*\ssrc\s*=", content, re.I)  # nothing to fetch, not even nearby
    if library == "plotly":
        assert package_file("plotly", "package_data", "plotly.min.js") in content

    context = browser.new_context(offline=True)
    try:
        gap = AirGap(context, allowed=lambda url: url == path.as_uri())  # the file itself, nothing else
        offline = context.new_page()
        errors: list[str] = []
        offline.on("pageerror", lambda error: errors.append(str(error)))
        offline.goto(path.as_uri())
        offline.wait_for_selector(DRAWN[library], state="visible", timeout=30_000)
        assert gap.blocked == [] and errors == []
    finally:
        context.close()


def test_a_data_file_that_is_html_downloads_byte_for_byte(live_server, owner):
    """Only figures are rewritten: a tracked data file is the exact version that was recorded."""
    workspace, analysis, _ = owner.tree()
    asset = owner.asset(workspace["api_id"], "report.html", analysis["api_id"])
    html = plotly_html()
    revision = owner.asset_revision(asset["api_id"], html, "out/report.html")
    data_id = revision["data"][0]["api_id"]
    session = web_session(live_server, owner.username, owner.password)
    downloaded = session.get(f"{live_server.url}/web/data/{data_id}/download", timeout=30)
    assert downloaded.status_code == 200
    assert downloaded.content == html
