"""Share links: a random token of at least 128 bits, read-only, scoped to the object and its descendants,
no listing of siblings, optional expiry, revocation effective at once, views counted in the activity log."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.server.helpers import NO_CREDENTIALS, data_item, denied, refusal, when
from tests.web.helpers import error_page

LINK_GONE = "This share link is turned off, has expired, or never existed."


@pytest.fixture(scope="module")
def tree(owner) -> dict:
    _, analysis, figure = owner.tree()
    sibling = owner.figure(analysis["api_id"])
    revision = owner.revision(figure["api_id"], data_item(b"linked bytes"))
    return {"analysis": analysis, "figure": figure, "sibling": sibling, "revision": revision}


def anonymous(live_server, path: str) -> requests.Response:
    return requests.get(f"{live_server.api}{path}", allow_redirects=False, timeout=30)


def test_link_token_is_long_random_and_only_for_those_who_may_change_it(owner, stranger, live_server, tree):
    path = f"figure/{tree['figure']['api_id']}/share/link/"
    body = owner.post(path, {"enabled": True}).json()
    try:
        token = body["token"]
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
        # a VIEW-only reader of the figure (here: a user share) learns the state but not the secret
        share = {"username": stranger.username, "sharing_enabled": True}
        assert owner.post(f"figure/{tree['figure']['api_id']}/share/user/", share).status_code == 200
        state = {"enabled": True, "expiry": None, "hide_environment": False, "token": None}
        assert stranger.ok(path) == state
        assert refusal(stranger.post(path, {"enabled": True}), 403) == denied("create", "figure")
    finally:
        owner.post(f"figure/{tree['figure']['api_id']}/share/user/", {**share, "sharing_enabled": False})
        owner.post(path, {"enabled": False})


def test_anonymous_read_is_scoped_read_only_and_revoked_at_once(owner, live_server, tree):
    figure_id, revision = tree["figure"]["api_id"], tree["revision"]
    assert refusal(anonymous(live_server, f"figure/{figure_id}/"), 401) == NO_CREDENTIALS
    assert owner.post(f"figure/{figure_id}/share/link/", {"enabled": True}).status_code == 200
    assert anonymous(live_server, f"figure/{figure_id}/").status_code == 200
    assert anonymous(live_server, f"revision/{revision['api_id']}/").status_code == 200
    assert anonymous(live_server, f"data/{revision['data'][0]['api_id']}/").status_code == 200
    # not the parent, not a sibling, no listing, no change
    assert refusal(anonymous(live_server, f"analysis/{tree['analysis']['api_id']}/"), 401) == NO_CREDENTIALS
    assert refusal(anonymous(live_server, f"figure/{tree['sibling']['api_id']}/"), 401) == NO_CREDENTIALS
    assert refusal(anonymous(live_server, "figure/"), 401) == NO_CREDENTIALS
    assert refusal(anonymous(live_server, f"figure/{figure_id}/share/link/"), 401) == NO_CREDENTIALS
    changed = requests.patch(f"{live_server.api}figure/{figure_id}/", json={"name": "x"}, timeout=30)
    assert refusal(changed, 401) == NO_CREDENTIALS
    # revocation acts on the very next request
    assert owner.post(f"figure/{figure_id}/share/link/", {"enabled": False}).status_code == 200
    assert refusal(anonymous(live_server, f"figure/{figure_id}/"), 401) == NO_CREDENTIALS
    assert refusal(anonymous(live_server, f"revision/{revision['api_id']}/"), 401) == NO_CREDENTIALS


def test_expiry_is_set_shown_and_enforced(owner, live_server, tree):
    figure_id = tree["figure"]["api_id"]
    path = f"figure/{figure_id}/share/link/"
    soon = datetime.now(UTC) + timedelta(days=2)
    body = owner.post(path, {"enabled": True, "expiry": soon.isoformat()}).json()
    try:
        assert body["enabled"] is True
        assert abs((when(body["expiry"]) - soon).total_seconds()) < 1
        assert when(owner.ok(path)["expiry"]) == when(body["expiry"])
        assert owner.post(path, {"enabled": True}).json()["expiry"] == body["expiry"]  # left out: unchanged
        past = owner.post(path, {"enabled": True, "expiry": "2001-01-01T00:00:00Z"})
        assert past.status_code == 400
        assert "expiry" in past.json()
        assert anonymous(live_server, f"figure/{figure_id}/").status_code == 200
        # an expiry a moment away: once it passes, the link stops working with no further action
        moment = datetime.now(UTC) + timedelta(seconds=2)
        assert owner.post(path, {"enabled": True, "expiry": moment.isoformat()}).status_code == 200
        assert anonymous(live_server, f"figure/{figure_id}/").status_code == 200
        time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.5)
        assert refusal(anonymous(live_server, f"figure/{figure_id}/"), 401) == NO_CREDENTIALS
        assert owner.ok(path)["enabled"] is False  # expired reads as off
        cleared = owner.post(path, {"enabled": True, "expiry": None}).json()
        assert cleared["enabled"] is True and cleared["expiry"] is None
        assert anonymous(live_server, f"figure/{figure_id}/").status_code == 200
    finally:
        owner.post(path, {"enabled": False, "expiry": None})


def test_reads_through_a_link_are_logged_as_views(owner, stranger, live_server, tree):
    analysis_id, revision = tree["analysis"]["api_id"], tree["revision"]
    path = f"revision/{revision['api_id']}/share/link/"
    token = owner.post(path, {"enabled": True}).json()["token"]
    try:
        before = [e for e in owner.ok(f"analysis/{analysis_id}/log/") if e["action"] == "view"]
        assert anonymous(live_server, f"revision/{revision['api_id']}/").status_code == 200
        assert stranger.get(f"revision/{revision['api_id']}/").status_code == 200  # signed in, not a member
        owner.ok(f"revision/{revision['api_id']}/")  # a member's read is not a link view
        opened = requests.get(f"{live_server.url}/s/{token}", allow_redirects=False, timeout=30)
        assert opened.status_code == 302
        assert opened.headers["Location"].endswith(f"/revision/{revision['api_id']}")
        views = [e for e in owner.ok(f"analysis/{analysis_id}/log/") if e["action"] == "view"]
        new = views[: len(views) - len(before)]
        assert sorted((e["username"] or "") for e in new) == sorted(["", "", stranger.username])
        assert {(e["target_type"], e["target_id"]) for e in new} == {("revision", revision["api_id"])}
    finally:
        owner.post(path, {"enabled": False})
    gone = requests.get(f"{live_server.url}/s/{token}", allow_redirects=False, timeout=30)
    assert error_page(gone, 404) == ("Not found", LINK_GONE)  # revoked: the link itself is dead at once
