"""Raw data downloads and views: content types, file names, sandboxing, access, thumbnails."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from tests.server.helpers import data_item, new_user, png_bytes
from tests.web.helpers import error_page, web_session

SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40">'
    b'<script>alert(1)</script><rect width="80" height="40" fill="teal"/></svg>'
)
HTML_WITH_SCRIPT = (
    b"<!doctype html><html><body><div id='plot'></div><script>document.title='ran'</script></body></html>"
)


@pytest.fixture(scope="module")
def revision(owner) -> dict:
    _, _, figure = owner.tree()
    return owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", name="figure", format="png"),
        data_item(SVG_WITH_SCRIPT, "image", name="figure", format="svg"),
        data_item(HTML_WITH_SCRIPT, "image", name="figure", format="html"),
        data_item(b"a,b\n1,2\n", "dataframe", name="table", format="csv"),
        data_item(b"print('hi')\n", "code", name="cell", language="Python"),
    )


@pytest.fixture(scope="module")
def session(live_server, owner) -> requests.Session:
    return web_session(live_server, owner.username, owner.password)


def data_id(revision: dict, fmt: str | None = None, type_: str = "image") -> str:
    return next(
        d["api_id"]
        for d in revision["data"]
        if d["type"] == type_ and (fmt is None or d["metadata"].get("format") == fmt)
    )


def get(session, server, path: str, **kwargs) -> requests.Response:
    return session.get(server.url + path, allow_redirects=False, timeout=30, **kwargs)


def test_png_is_served_as_an_image(live_server, session, revision):
    response = get(session, live_server, f"/web/data/{data_id(revision, 'png')}/view")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(response.content)).size == (120, 80)


def test_svg_is_sandboxed_without_scripts(live_server, session, revision):
    response = get(session, live_server, f"/web/data/{data_id(revision, 'svg')}/view")
    assert response.headers["Content-Type"] == "image/svg+xml"
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;")
    assert "allow-scripts" not in policy
    assert response.content == SVG_WITH_SCRIPT


def test_interactive_html_runs_only_in_an_opaque_origin(live_server, session, revision):
    shown = get(session, live_server, f"/web/data/{data_id(revision, 'html')}/view")
    assert shown.headers["Content-Type"].startswith("text/html")
    assert shown.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in shown.headers["Content-Security-Policy"]
    downloaded = get(session, live_server, f"/web/data/{data_id(revision, 'html')}/download")
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert "allow-scripts" not in downloaded.headers["Content-Security-Policy"]


def test_downloads_have_types_and_names(live_server, session, revision):
    table = get(session, live_server, f"/web/data/{data_id(revision, type_='dataframe')}/download")
    assert table.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert table.headers["Content-Disposition"].startswith("attachment")
    assert table.headers["Content-Disposition"].endswith('-table.csv"')
    assert table.content == b"a,b\n1,2\n"
    code = get(session, live_server, f"/web/data/{data_id(revision, type_='code')}/download")
    assert code.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert code.headers["Content-Disposition"].endswith('-cell.py"')


def test_data_needs_access(live_server, revision):
    path = f"/web/data/{data_id(revision, 'png')}/download"
    signed_out = requests.get(live_server.url + path, allow_redirects=False, timeout=30)
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"].startswith("/signin?next=")
    stranger = new_user(live_server)
    response = web_session(live_server, stranger.username, stranger.password).get(
        live_server.url + path, timeout=30
    )
    # as for an id nobody uses: existence is not revealed
    assert error_page(response, 404) == ("Not found", f"No data object with id {data_id(revision, 'png')}.")


def test_unknown_data_is_404(live_server, session):
    nobody = "00000000-0000-0000-0000-000000000000"
    response = get(session, live_server, f"/web/data/{nobody}/download")
    assert error_page(response, 404) == ("Not found", f"No data object with id {nobody}.")


def test_thumbnails_are_small_pngs_and_cacheable(live_server, session, revision):
    path = f"/web/thumbnail/{revision['api_id']}/160"
    first = get(session, live_server, path)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "image/png"
    assert max(Image.open(io.BytesIO(first.content)).size) <= 160
    again = get(session, live_server, path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
