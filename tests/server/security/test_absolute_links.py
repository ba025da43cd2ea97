"""Links that leave the page (share links, the revision's QR code and link, story exports, the API's
``revision_url``) never take their host from the request (``server/page_urls.py``).

The attack: FIGTRAIL_ALLOWED_HOSTS is ``*`` by default, and ``absolute()`` fell back to
``request.build_absolute_uri``, so a request with ``Host: evil.example`` (or ``X-Forwarded-Host``) got a
share link, a QR code or an exported deck pointing at the attacker's site, to be handed on to others.
Now the base is FIGTRAIL_PUBLIC_URL; without it, the request's host only when FIGTRAIL_ALLOWED_HOSTS pins
the hosts (Django refuses any other first); else the address ``figtrail serve`` is bound to.
"""

from __future__ import annotations

import html
import io
import re

import pytest
import requests
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE

from tests.server.helpers import data_item, finished_task, new_user, png_bytes
from tests.server.security.conftest import PINNED_NAME, PUBLIC_URL
from tests.web.helpers import csrf_token, error_page, web_session

EVIL = "evil.example"
FORGED = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}
REVISION_LINK = re.compile(r'id="revision-link">([^<]*)<')
SHARE_LINK = re.compile(r'id="share-link" value="([^"]*)"')


def published(server):
    """A user with a revision whose share link is on, a story showing it, and a web session."""
    owner = new_user(server)
    _, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"))
    token = owner.post(f"revision/{revision['api_id']}/share/link/", {"enabled": True}).json()["token"]
    made = owner.post("story/", {"analysis": analysis["api_id"], "figure_ids": [figure["api_id"]]})
    assert made.status_code == 202, made.text
    assert finished_task(owner, made.json()["task"]["api_id"])["status"] == "succeeded"
    return owner, revision, token, made.json()["api_id"], web_session(server, owner.username, owner.password)


def links_for(server, headers: dict[str, str]) -> dict[str, object]:
    """Every kind of absolute link the server hands out, asked for with ``headers``."""
    owner, revision, token, story, session = published(server)
    # requests picks cookies by the Host header when one is given: name them outright
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)
    headers_signed_in = {**headers, "Cookie": cookies}

    def page_of(path: str) -> str:
        page = requests.get(server.url + path, headers=headers_signed_in, allow_redirects=False, timeout=30)
        assert page.status_code == 200, page.text[:300]
        return page.text

    page = page_of(f"/revision/{revision['api_id']}")
    share = page_of(f"/share/revision/{revision['api_id']}")
    api_story = owner.get(f"story/{story}/", headers=headers)
    exported = owner.get(f"story/{story}/export/?format=docx", headers=headers)
    assert exported.status_code == 200, exported.text[:300]
    document = Document(io.BytesIO(exported.content))
    rels = document.part.rels.values()
    hyperlinks = [rel.target_ref for rel in rels if rel.reltype == RELATIONSHIP_TYPE.HYPERLINK]
    return {
        "revision": revision,
        "token": token,
        "pages": page + share,
        "revision_link": html.unescape(REVISION_LINK.search(page).group(1)),
        "share_link": html.unescape(SHARE_LINK.search(share).group(1)),
        "revision_url": api_story.json()["slides"][0]["revision_url"],
        "export_links": hyperlinks,
        "export": document.element.xml,
    }


def assert_links_on(base: str, found: dict) -> None:
    ident = found["revision"]["short_id"] or found["revision"]["api_id"]
    assert found["revision_link"] == f"{base}/r/{ident}"
    assert found["share_link"] == f"{base}/s/{found['token']}"
    assert found["revision_url"] == f"{base}/r/{ident}"
    assert found["export_links"] and set(found["export_links"]) == {f"{base}/r/{ident}"}
    assert EVIL not in found["pages"] and EVIL not in found["export"]


def test_a_forged_host_gets_links_on_the_public_url(public_server):
    assert_links_on(PUBLIC_URL, links_for(public_server, FORGED))


def test_without_a_public_url_a_forged_host_gets_the_served_address(unconfigured_server):
    """``*`` accepts any Host: the links name the address ``figtrail serve`` listens on instead."""
    assert_links_on(unconfigured_server.url, links_for(unconfigured_server, FORGED))
    log = (unconfigured_server.home / "server.log").read_text()
    assert f"point to {unconfigured_server.url}, this server's own address" in log


def test_pinned_hosts_name_the_host_asked_for_and_refuse_others(pinned_server):
    """FIGTRAIL_ALLOWED_HOSTS names the hosts: a forged one is refused before any view; a listed one
    (``figs.internal``, not the address served on) is the base of the links."""
    refused = requests.get(f"{pinned_server.url}/signin", headers=FORGED, timeout=30)
    assert error_page(refused, 400) == ("Bad Request (400)", "")  # Django's page: no view ran
    assert f"Invalid HTTP_HOST header: '{EVIL}'" in (pinned_server.home / "server.log").read_text()
    assert_links_on(f"http://{PINNED_NAME}", links_for(pinned_server, {"Host": PINNED_NAME}))


@pytest.mark.parametrize("back", ["https://evil.example/x", "//evil.example/x", "http://127.0.0.1/x"])
def test_the_share_form_goes_back_only_to_a_path(unconfigured_server, back):
    """The share form's ``next`` was checked against the request's own Host: now only a path passes."""
    owner = new_user(unconfigured_server)
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"))
    session = web_session(unconfigured_server, owner.username, owner.password)
    path = f"/share/revision/{revision['api_id']}"
    token = csrf_token(session.get(unconfigured_server.url + path, timeout=30).text)
    response = session.post(
        unconfigured_server.url + path,
        data={"action": "new_link", "next": back, "csrfmiddlewaretoken": token},
        headers={"Host": "127.0.0.1", "Referer": unconfigured_server.url + path},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302 and response.headers["Location"] == path
