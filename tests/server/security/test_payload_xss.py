"""Stored XSS through payloads: user bytes served by any route must never become a document of the app.

Every route that answers with a user's bytes (or bytes made from them) goes through
``figtrail.server.payload_responses.payload_response``: a sandboxing Content-Security-Policy,
``X-Content-Type-Options: nosniff``, and a content type from an allow-list (PNG, JPEG, GIF, WebP
pictures; SVG only under the sandbox; plain text); anything else is an attachment, never of a type
guessed from the payload's name (``application/octet-stream`` when the format is not a known download).
The format a client declares and the name it gives are both the attacker's: neither may pick the type.
"""

from __future__ import annotations

import pytest
import requests

from tests.server.helpers import data_item, refusal
from tests.web.helpers import web_session

XHTML = (
    b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
    b"<script>fetch('/api/v1.4.1/user/').then(r=>r.text()).then(t=>document.title=t)</script>"
    b"</body></html>"
)
# inline, only pictures of the allow-list and plain text (a text/code payload, whatever it declares)
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "text/plain"}
# (declared format, name): each makes the old content_type() guess a scriptable document type
HOSTILE = [("tiff", "evil.xhtml"), ("bmp", "evil.html"), ("", "evil.xml"), ("svgz", "evil.svg")]


def is_sandboxed(response: requests.Response) -> bool:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = [d.strip() for d in policy.split(";")]
    return any(d == "sandbox" or d.startswith("sandbox ") for d in directives) and (
        "allow-same-origin" not in policy
    )


def assert_safe_payload(response: requests.Response, where: str) -> None:
    """The one promise of every payload route, as a browser sees it."""
    assert response.status_code == 200, (where, response.status_code, response.text[:300])
    assert is_sandboxed(response), (where, response.headers.get("Content-Security-Policy"))
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    kind = response.headers["Content-Type"].split(";")[0].strip()
    disposition = response.headers.get("Content-Disposition", "inline")
    if disposition.startswith("attachment"):
        return
    assert kind in INLINE_TYPES, (where, kind, disposition)


@pytest.fixture(scope="module")
def hostile_story(owner) -> dict:
    """A link-shared story whose one slide's only image is XHTML with a script, declared as a raster."""
    workspace, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(XHTML, "image", name="evil.xhtml", format="tiff"))
    story = owner.created(
        "story/",
        {"workspace": workspace["api_id"], "revision_ids": [revision["api_id"]], "generate": False},
    )
    link = owner.post(f"story/{story['api_id']}/share/link/", {"enabled": True})
    assert link.status_code == 200, link.text
    return {**story, "token": link.json()["token"]}


def test_story_slide_picture_is_not_a_document_for_anyone(live_server, hostile_story):
    """The attack: a story share link serves the XHTML as ``application/xhtml+xml``, script running in
    the app's origin, to anyone who opens the slide's picture."""
    slide = hostile_story["slides"][0]
    anonymous = requests.Session()
    for suffix in ("", "?size=64"):
        response = anonymous.get(live_server.url + slide["image_url"] + suffix, timeout=30)
        if response.status_code == 404:  # the picture cannot be read: nothing served, and it says so
            assert refusal(response, 404) == "This slide's image cannot be read."
            continue
        assert_safe_payload(response, slide["image_url"] + suffix)
        assert (
            "xml" not in response.headers["Content-Type"] and "html" not in response.headers["Content-Type"]
        )


def test_web_slide_picture_is_sandboxed(live_server, owner, hostile_story):
    web = web_session(live_server, owner.username, owner.password)
    slide = hostile_story["slides"][0]
    response = web.get(
        f"{live_server.url}/web/story/{hostile_story['api_id']}/slide/{slide['api_id']}/640", timeout=30
    )
    assert_safe_payload(response, "web slide picture")


@pytest.mark.parametrize(("fmt", "name"), HOSTILE, ids=[f"{f or 'none'}-{n}" for f, n in HOSTILE])
@pytest.mark.parametrize("type_", ["image", "file", "text"])
def test_web_data_routes_never_answer_a_document_type(live_server, owner, fmt, name, type_):
    _, _, figure = owner.tree()
    item = data_item(XHTML, type_, name=name, **({"format": fmt} if fmt else {}))
    revision = owner.revision(figure["api_id"], item)
    data_id = owner.ok(f"revision/{revision['api_id']}/")["data"][0]["api_id"]
    web = web_session(live_server, owner.username, owner.password)
    for route in ("view", "download"):
        response = web.get(f"{live_server.url}/web/data/{data_id}/{route}", timeout=30)
        assert_safe_payload(response, route)
        kind = response.headers["Content-Type"]
        assert "xml" not in kind and "html" not in kind, (route, kind)
