"""Sharing: a share link, or a share with a user, reads one object and what is under it, for as long as
its owner wants, and nothing else.

The API side of links (scope, expiry, revocation, the token shown only to CREATE) is in
tests/server/access/test_links.py. Here, the web side, where a visitor who opened ``/s/<token>`` keeps the
token in their session: turning the link off, letting it expire, or making a new link ends what that
session can read at once; the token of one object never opens its parent, a sibling, another revision,
nor the figures a story shows; and a share never lets its reader change or share anything.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.server.helpers import NO_CREDENTIALS, data_item, denied, new_user, png_bytes, refusal
from tests.web.helpers import csrf_token, error_page, web_session

LINK_GONE = ("Not found", "This share link is turned off, has expired, or never existed.")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def tree(owner) -> dict:
    workspace, analysis, figure = owner.tree()
    sibling = owner.figure(analysis["api_id"])
    revisions = [
        owner.revision(figure["api_id"], data_item(png_bytes(color=(9, 9, n)), "image", format="png"))
        for n in range(2)
    ]
    other = owner.revision(sibling["api_id"], data_item(png_bytes(), "image", format="png"))
    return {
        "workspace": workspace,
        "analysis": analysis,
        "figure": figure,
        "sibling": sibling,
        "revisions": revisions,
        "other": other,
    }


def link(owner, kind: str, pk: str, **body) -> str:
    response = owner.post(f"{kind}/{pk}/share/link/", {"enabled": True, **body})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def opened(server, token: str, session: requests.Session | None = None) -> requests.Session:
    """A browser that opened the share link (the token is now in its session)."""
    session = session or requests.Session()
    response = session.get(f"{server.url}/s/{token}", allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:300]
    return session


def answer(session: requests.Session, server, path: str) -> requests.Response:
    return session.get(server.url + path, allow_redirects=False, timeout=30)


def status(session: requests.Session, server, path: str) -> int:
    return answer(session, server, path).status_code


def not_there(response: requests.Response, path: str) -> bool:
    """The 404 page of an id nobody uses: it names the id of the path, nothing more."""
    title, message = error_page(response, 404)
    pk = UUID.search(path).group()
    return title == "Not found" and message.startswith("No ") and message.endswith(f" with id {pk}.")


def pages(tree: dict) -> dict[str, str]:
    figure, first = tree["figure"]["api_id"], tree["revisions"][0]
    return {
        "figure": f"/figure/{figure}",
        "revision": f"/revision/{first['api_id']}",
        "data": f"/web/data/{first['data'][0]['api_id']}/download",
        "thumbnail": f"/web/thumbnail/{first['api_id']}/320",
    }


def readable(session, server, tree: dict) -> dict[str, int]:
    return {name: status(session, server, path) for name, path in pages(tree).items()}


def test_turning_a_link_off_ends_it_for_visitors_who_opened_it(live_server, owner, tree):
    figure = tree["figure"]["api_id"]
    token = link(owner, "figure", figure)
    visitor = opened(live_server, token)
    assert set(readable(visitor, live_server, tree).values()) == {200}
    assert owner.post(f"figure/{figure}/share/link/", {"enabled": False}).status_code == 200
    assert set(readable(visitor, live_server, tree).values()) == {302}  # to sign in: nothing to read
    assert error_page(answer(visitor, live_server, f"/s/{token}"), 404) == LINK_GONE
    again = link(owner, "figure", figure)  # on again: a new link, and the old address stays dead
    assert again != token
    assert error_page(answer(visitor, live_server, f"/s/{token}"), 404) == LINK_GONE
    assert set(readable(opened(live_server, again), live_server, tree).values()) == {200}
    owner.post(f"figure/{figure}/share/link/", {"enabled": False})


def test_a_new_link_ends_the_old_one_but_only_turning_it_off_ends_reading(live_server, owner, tree):
    """A new link makes the old ``/s/<token>`` dead. It cannot cut off someone who already opened it:
    they know the page's address, and while link sharing is on the object is readable by its id (the
    official client reads link-shared objects by id, anonymously, with no token: docs/access.md). The
    page says so; turning link sharing off is what ends every reader's access."""
    figure = tree["figure"]["api_id"]
    old = link(owner, "figure", figure)
    visitor = opened(live_server, old)
    share_page = web_session(live_server, owner.username, owner.password).get(
        f"{live_server.url}/share/figure/{figure}", timeout=30
    )
    assert "turn link sharing off" in share_page.text
    web = web_session(live_server, owner.username, owner.password)
    page = web.get(f"{live_server.url}/share/figure/{figure}", timeout=30)
    replaced = web.post(
        f"{live_server.url}/share/figure/{figure}",
        data={"action": "new_link", "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": f"{live_server.url}/share/figure/{figure}"},
        allow_redirects=False,
        timeout=30,
    )
    assert replaced.status_code == 302
    new = owner.ok(f"figure/{figure}/share/link/")["token"]
    assert new != old
    assert error_page(answer(requests.Session(), live_server, f"/s/{old}"), 404) == LINK_GONE
    assert set(readable(opened(live_server, new), live_server, tree).values()) == {200}
    assert set(readable(visitor, live_server, tree).values()) == {200}  # by id, while sharing is on
    owner.post(f"figure/{figure}/share/link/", {"enabled": False})
    assert set(readable(visitor, live_server, tree).values()) == {302}


def test_an_expired_link_ends_for_visitors_who_opened_it(live_server, owner, tree):
    figure = tree["figure"]["api_id"]
    moment = datetime.now(UTC) + timedelta(seconds=2)
    token = link(owner, "figure", figure, expiry=moment.isoformat())
    visitor = opened(live_server, token)
    assert readable(visitor, live_server, tree)["figure"] == 200
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.5)
    assert set(readable(visitor, live_server, tree).values()) == {302}
    assert error_page(answer(visitor, live_server, f"/s/{token}"), 404) == LINK_GONE
    owner.post(f"figure/{figure}/share/link/", {"enabled": False, "expiry": None})


def test_a_figure_link_reaches_nothing_beside_or_above_it(live_server, owner, tree):
    figure = tree["figure"]["api_id"]
    token = link(owner, "figure", figure)
    try:
        signed_out = opened(live_server, token)
        stranger = new_user(live_server)
        signed_in = opened(live_server, token, web_session(live_server, stranger.username, stranger.password))
        other = tree["other"]
        beside = [
            f"/figure/{tree['sibling']['api_id']}",
            f"/revision/{other['api_id']}",
            f"/web/data/{other['data'][0]['api_id']}/download",
            f"/web/thumbnail/{other['api_id']}/320",
            f"/analysis/{tree['analysis']['api_id']}",
            f"/workspace/{tree['workspace']['api_id']}",
            f"/workspace/{tree['workspace']['api_id']}/members",
        ]
        for path in beside:
            assert status(signed_out, live_server, path) == 302, path  # to sign in
            assert not_there(answer(signed_in, live_server, path), path), path  # as if it did not exist
        # read-only: neither kind of visitor may share or change what the link opened
        assert status(signed_out, live_server, f"/share/figure/{figure}") == 302
        sharing = answer(signed_in, live_server, f"/share/figure/{figure}")
        assert error_page(sharing, 403) == ("No access", denied("create", "figure"))
        page = signed_in.get(f"{live_server.url}/figure/{figure}", timeout=30)
        assert page.status_code == 200 and 'id="share-button"' not in page.text
        forged = signed_in.post(
            f"{live_server.url}/share/figure/{figure}",
            data={"action": "link", "csrfmiddlewaretoken": csrf_token(page.text)},
            headers={"Referer": f"{live_server.url}/figure/{figure}"},
            allow_redirects=False,
            timeout=30,
        )
        assert error_page(forged, 403) == ("No access", denied("create", "figure"))
        assert owner.ok(f"figure/{figure}/share/link/")["enabled"] is True
        # the API reads the shared figure by id without the token; still nothing beside it
        anonymous = requests.get(f"{live_server.api}figure/{tree['sibling']['api_id']}/", timeout=30)
        assert refusal(anonymous, 401) == NO_CREDENTIALS
        assert refusal(stranger.get(f"figure/{tree['sibling']['api_id']}/"), 403) == denied("view", "figure")
        assert refusal(stranger.patch(f"figure/{figure}/", {"name": "mine"}), 403) == denied(
            "create", "figure"
        )
        turned_off = stranger.post(f"figure/{figure}/share/link/", {"enabled": False})
        assert refusal(turned_off, 403) == denied("create", "figure")
    finally:
        owner.post(f"figure/{figure}/share/link/", {"enabled": False})


def test_a_revision_link_reaches_neither_its_figure_nor_the_other_revisions(live_server, owner, tree):
    first, second = tree["revisions"]
    token = link(owner, "revision", first["api_id"])
    try:
        visitor = opened(live_server, token)
        assert status(visitor, live_server, f"/revision/{first['api_id']}") == 200
        for path in (
            f"/revision/{second['api_id']}",
            f"/web/data/{second['data'][0]['api_id']}/download",
            f"/figure/{tree['figure']['api_id']}",
        ):
            assert status(visitor, live_server, path) == 302, path
        anonymous = requests.get(f"{live_server.api}revision/{second['api_id']}/", timeout=30)
        assert refusal(anonymous, 401) == NO_CREDENTIALS
    finally:
        owner.post(f"revision/{first['api_id']}/share/link/", {"enabled": False})


def test_a_story_link_shows_the_story_not_the_figures_behind_it(live_server, owner, tree):
    first = tree["revisions"][0]
    story = owner.created(
        "story/",
        {"workspace": tree["workspace"]["api_id"], "revision_ids": [first["api_id"]], "generate": False},
    )
    token = link(owner, "story", story["api_id"])
    try:
        visitor = opened(live_server, token)
        slide = story["slides"][0]["api_id"]
        assert status(visitor, live_server, f"/story/{story['api_id']}") == 200
        assert status(visitor, live_server, f"/web/story/{story['api_id']}/slide/{slide}/640") == 200
        for path in (
            f"/revision/{first['api_id']}",
            f"/web/data/{first['data'][0]['api_id']}/download",
            f"/figure/{tree['figure']['api_id']}",
            f"/story/{story['api_id']}/edit",
        ):
            assert status(visitor, live_server, path) == 302, path
        anonymous = requests.get(f"{live_server.api}revision/{first['api_id']}/", timeout=30)
        assert refusal(anonymous, 401) == NO_CREDENTIALS
        assert requests.get(f"{live_server.api}story/{story['api_id']}/", timeout=30).status_code == 200
        renamed = requests.patch(
            f"{live_server.api}story/{story['api_id']}/", json={"title": "x"}, timeout=30
        )
        assert refusal(renamed, 401) == NO_CREDENTIALS
    finally:
        owner.post(f"story/{story['api_id']}/share/link/", {"enabled": False})


def test_a_user_share_ends_when_it_is_removed(live_server, owner, tree):
    figure = tree["figure"]["api_id"]
    friend = new_user(live_server)
    body = {"username": friend.username, "sharing_enabled": True}
    assert owner.post(f"figure/{figure}/share/user/", body).status_code == 200
    browser = web_session(live_server, friend.username, friend.password)
    assert set(readable(browser, live_server, tree).values()) == {200}
    assert friend.get(f"figure/{figure}/").status_code == 200
    assert owner.post(f"figure/{figure}/share/user/", {**body, "sharing_enabled": False}).status_code == 200
    for path in pages(tree).values():  # as if it did not exist
        assert not_there(answer(browser, live_server, path), path), path
    assert refusal(friend.get(f"figure/{figure}/"), 403) == denied("view", "figure")


def test_a_shared_readers_api_key_scoped_elsewhere_does_not_read_the_share(live_server, owner, tree):
    """A user share is for the account: a key of that user scoped to one of their own workspaces is
    limited to that workspace, shares included."""
    figure = tree["figure"]["api_id"]
    friend = new_user(live_server)
    owner.post(f"figure/{figure}/share/user/", {"username": friend.username, "sharing_enabled": True})
    try:
        scoped = friend.created("api_key/", {"name": "ci", "workspace": friend.primary()["api_id"]})["token"]
        response = requests.get(
            f"{live_server.api}figure/{figure}/", headers={"Authorization": f"Token {scoped}"}, timeout=30
        )
        assert refusal(response, 403) == denied("view", "figure")
    finally:
        owner.post(f"figure/{figure}/share/user/", {"username": friend.username, "sharing_enabled": False})
