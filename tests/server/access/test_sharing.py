"""``share/user/`` and ``share/link/``: read-only access to one object and what is under it."""

from __future__ import annotations

import pytest
import requests

from tests.server.helpers import data_item, denied, refusal


@pytest.fixture(scope="module")
def shared(owner) -> dict:
    _, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"shared bytes"))
    return {"analysis": analysis, "figure": figure, "revision": revision}


def test_share_with_user_grants_read_only(owner, stranger, shared):
    figure, revision = shared["figure"], shared["revision"]
    assert refusal(stranger.get(f"figure/{figure['api_id']}/"), 403) == denied("view", "figure")
    response = owner.post(
        f"figure/{figure['api_id']}/share/user/", {"username": stranger.username, "sharing_enabled": True}
    )
    assert response.status_code == 200
    assert response.json() == {"username": stranger.username, "sharing_enabled": True}
    assert owner.ok(f"figure/{figure['api_id']}/share/user/") == [
        {"username": stranger.username, "sharing_enabled": True}
    ]
    assert stranger.get(f"figure/{figure['api_id']}/").status_code == 200
    assert stranger.get(f"revision/{revision['api_id']}/").status_code == 200
    assert stranger.get(f"data/{revision['data'][0]['api_id']}/").status_code == 200
    assert stranger.get(f"revision/{revision['api_id']}/thumbnail/32").status_code == 200
    # read-only: no changes, and nothing above the shared object
    assert refusal(stranger.patch(f"figure/{figure['api_id']}/", {"name": "mine"}), 403) == denied(
        "create", "figure"
    )
    assert refusal(stranger.delete(f"revision/{revision['api_id']}/"), 403) == denied("create", "revision")
    assert refusal(stranger.get(f"analysis/{shared['analysis']['api_id']}/"), 403) == denied(
        "view", "analysis"
    )
    reshared = stranger.post(f"figure/{figure['api_id']}/share/user/", {"username": stranger.username})
    assert refusal(reshared, 403) == denied("create", "figure")

    unshared = owner.post(
        f"figure/{figure['api_id']}/share/user/", {"username": stranger.username, "sharing_enabled": False}
    )
    assert unshared.status_code == 200
    assert refusal(stranger.get(f"figure/{figure['api_id']}/"), 403) == denied("view", "figure")
    assert refusal(stranger.get(f"revision/{revision['api_id']}/"), 403) == denied("view", "revision")
    assert owner.ok(f"figure/{figure['api_id']}/share/user/") == []


def test_share_with_unknown_user_is_400(owner, shared):
    response = owner.post(f"analysis/{shared['analysis']['api_id']}/share/user/", {"username": "nobody-here"})
    assert response.status_code == 400
    assert "username" in response.json()


def test_link_sharing_toggle(owner, stranger, shared):
    path = f"revision/{shared['revision']['api_id']}/share/link/"
    assert owner.ok(path) == {"enabled": False, "expiry": None, "hide_environment": False, "token": None}
    turned_on = owner.post(path, {"enabled": True}).json()
    assert turned_on["enabled"] is True and turned_on["expiry"] is None and len(turned_on["token"]) >= 32
    assert owner.ok(path) == turned_on
    assert refusal(stranger.post(path, {"enabled": False}), 403) == denied("create", "revision")
    assert owner.post(path, {"enabled": False}).json() == {**turned_on, "enabled": False}
    assert owner.ok(path) == {**turned_on, "enabled": False}
    bad = owner.post(path, {})
    assert bad.status_code == 400
    assert "enabled" in bad.json()


def test_a_link_turned_off_and_on_again_is_a_new_link_and_the_old_one_stays_dead(live_server, owner, shared):
    path = f"revision/{shared['revision']['api_id']}/share/link/"
    first = owner.post(path, {"enabled": True}).json()["token"]
    assert owner.post(path, {"enabled": True}).json()["token"] == first  # on while on: the same link
    owner.post(path, {"enabled": False})
    second = owner.post(path, {"enabled": True}).json()["token"]
    assert second != first
    old = requests.get(f"{live_server.url}/s/{first}", allow_redirects=False, timeout=30)
    assert (
        old.status_code == 404 and "This share link is turned off, has expired, or never existed." in old.text
    )
    new = requests.get(f"{live_server.url}/s/{second}", allow_redirects=False, timeout=30)
    assert new.status_code == 302
