"""Hostile payloads uploaded as revision data: script in SVG/HTML, and a malicious pickle.

User content is served only from the raw data routes, always with a sandboxing Content-Security-Policy,
and never inlined into an app page. Payloads are bytes: the server never unpickles anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.server.helpers import b64, data_item
from tests.web.helpers import web_session

SCRIPT_MARK = "figtrail_xss_7f3a"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
    f"<script>document.title='{SCRIPT_MARK}'</script><rect width='10' height='10'/></svg>"
).encode()
HTML = f"<html><body><script>document.title='{SCRIPT_MARK}'</script><p>hi</p></body></html>".encode()
SERVER_SOURCE = Path(__file__).resolve().parents[3] / "src" / "figtrail" / "server"


@pytest.fixture(scope="module")
def web(live_server, owner) -> requests.Session:
    return web_session(live_server, owner.username, owner.password)


def policy(response: requests.Response) -> str:
    return response.headers.get("Content-Security-Policy", "")


@pytest.mark.parametrize(("fmt", "payload"), [("svg", SVG), ("html", HTML)], ids=["svg", "html"])
def test_scripted_svg_and_html_are_sandboxed(live_server, owner, web, fmt, payload):
    _, _, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"],
        data_item(payload, "image" if fmt == "svg" else "text", name=f"evil.{fmt}", format=fmt),
    )
    data_id = owner.ok(f"revision/{revision['api_id']}/")["data"][0]["api_id"]

    for route in ("download", "view"):
        response = web.get(f"{live_server.url}/web/data/{data_id}/{route}", timeout=30)
        assert response.status_code == 200, route
        assert response.content == payload  # served as it was stored, never rewritten
        directives = [d.strip() for d in policy(response).split(";")]
        assert any(d == "sandbox" or d.startswith("sandbox ") for d in directives), (route, policy(response))
        assert "allow-same-origin" not in policy(response)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    download = web.get(f"{live_server.url}/web/data/{data_id}/download", timeout=30)
    assert download.headers["Content-Disposition"].startswith("attachment")

    thumb = web.get(f"{live_server.url}/web/thumbnail/{revision['api_id']}/320", timeout=30)
    assert thumb.status_code == 200
    assert "sandbox" in policy(thumb)

    for page in (f"/revision/{revision['api_id']}", f"/figure/{figure['api_id']}"):
        response = web.get(live_server.url + page, timeout=30)
        assert response.status_code == 200, page
        # the payload is never inlined into an app page (shown as escaped text at most)
        assert f"<script>document.title='{SCRIPT_MARK}'" not in response.text, page
        assert 'onload="alert(1)"' not in response.text, page
        assert (
            "script-src 'self'" in policy(response)
            and "unsafe-inline" not in policy(response).split("script-src")[1].split(";")[0]
        )
        for frame in re.findall(r"<iframe[^>]*>", response.text):
            assert "sandbox" in frame, frame


def test_api_serves_svg_as_base64_json_only(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(SVG, "image", name="evil.svg", format="svg"))
    data_id = owner.ok(f"revision/{revision['api_id']}/")["data"][0]["api_id"]
    response = owner.get(f"data/{data_id}/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["data"] == b64(SVG)


def malicious_pickle(marker: Path) -> bytes:
    """A pickle whose unpickling calls ``open(marker, "w")``, creating the marker file."""
    return b"cbuiltins\nopen\n(V" + str(marker).encode() + b"\nVw\ntR."


def test_server_source_never_unpickles():
    offenders = []
    for path in SERVER_SOURCE.rglob("*.py"):
        text = path.read_text()
        for (
            pattern
        ) in (  # the modules that unpickle, used at all (a format named "pickle" in a string is not)
            r"\b(import|from) (c?pickle|_pickle)\b",
            r"\bc?pickle\.",
            r"(import_module|__import__)\(\s*[\"']c?pickle",
            r"\bdill\b",
            r"\bjoblib\b",
            r"read_pickle",
            r"\bmarshal\b",
            r"yaml\.load\b",
        ):
            if re.search(pattern, text):
                offenders.append(f"{path.name}: {pattern}")
        for call in re.findall(r"(\w+)\.loads\(", text):
            if call != "json":
                offenders.append(f"{path.name}: {call}.loads")
    assert offenders == []


def test_pickle_payload_is_stored_as_bytes_and_never_unpickled(live_server, owner, web, tmp_path):
    marker = tmp_path / "unpickled-marker"
    payload = malicious_pickle(marker)
    import pickle  # the payload really is a working exploit: check it in a throw-away process

    assert payload.startswith(b"cbuiltins") and pickle.PROTO not in payload[:2]
    _, _, figure = owner.tree()
    items = [
        data_item(payload, "file", name="model.pkl", path="model.pkl", format="pickle"),
        data_item(payload, "image", name="figure.png", format="png"),  # a "PNG" the thumbnailer reads
        data_item(payload, "dataframe", name="table.pkl", format="pickle"),
    ]
    revision = owner.revision(figure["api_id"], *items)
    rows = owner.ok(f"revision/{revision['api_id']}/")["data"]
    assert len(rows) == 3
    for row in rows:
        assert owner.ok(f"data/{row['api_id']}/")["data"] == b64(payload)  # bytes in, the same bytes out
        for route in ("download", "view"):
            response = web.get(f"{live_server.url}/web/data/{row['api_id']}/{route}", timeout=30)
            assert response.status_code == 200
            assert response.content == payload
    assert owner.get(f"figure/{figure['api_id']}/thumbnail/256/").status_code == 200
    assert owner.get(f"revision/{revision['api_id']}/thumbnail/256/").status_code == 200
    assert web.get(f"{live_server.url}/web/thumbnail/{revision['api_id']}/320", timeout=30).status_code == 200
    assert web.get(f"{live_server.url}/revision/{revision['api_id']}", timeout=30).status_code == 200
    assert not marker.exists()


def test_malicious_pickle_would_create_the_marker(tmp_path):
    """The payload used above is a real exploit (unpickled here, in the test process, on purpose)."""
    import pickle

    marker = tmp_path / "unpickled-marker"
    handle = pickle.loads(malicious_pickle(marker))  # noqa: S301 - this is the point
    handle.close()
    assert marker.exists()
