"""``metadata/``: the kernel creates a proxy, the browser posts to it by token without credentials
(cross-origin, preflighted), and only the kernel's user can read or delete it."""

from __future__ import annotations

import pytest
import requests

from tests.server.helpers import NO_CREDENTIALS, refusal

GONE = "No such metadata proxy, or it has expired."
NOT_YOURS = "This metadata proxy belongs to another user."

ORIGIN = "http://localhost:8888"


@pytest.fixture
def proxy(owner) -> dict:
    return owner.created("metadata/", {})


def test_create_is_201_and_not_yet_updated(owner, proxy):
    assert proxy["token"] and len(proxy["token"]) >= 32
    assert proxy["initiator"] == owner.username
    assert proxy["updated"] is None
    assert proxy["metadata"] is None
    assert proxy["expiry"] > proxy["created"]
    polled = owner.get(f"metadata/{proxy['token']}")
    assert polled.status_code == 200
    assert polled.json()["updated"] is None


def test_browser_post_without_auth(live_server, owner, proxy):
    body = {
        "metadata": {
            "url": "http://localhost:8888/lab/tree/My%20Notebook.ipynb",
            "active_tab_title": "My Notebook.ipynb",
        }
    }
    response = requests.post(
        live_server.api + f"metadata/{proxy['token']}",
        json=body,
        headers={"Origin": ORIGIN},
        allow_redirects=False,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in {ORIGIN, "*"}
    filled = owner.ok(f"metadata/{proxy['token']}")
    assert filled["updated"] is not None
    assert filled["metadata"] == body["metadata"]


def test_cors_preflight(live_server, proxy):
    response = requests.options(
        live_server.api + f"metadata/{proxy['token']}",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        allow_redirects=False,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in {ORIGIN, "*"}
    assert "POST" in response.headers["Access-Control-Allow-Methods"].upper()
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_is_limited_to_the_proxy(live_server):
    response = requests.options(
        live_server.api + "workspace/",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_browser_post_needs_an_object(live_server, proxy):
    response = requests.post(
        live_server.api + f"metadata/{proxy['token']}", json={"metadata": "not an object"}
    )
    assert response.status_code == 400
    assert "metadata" in response.json()


def test_unknown_token_is_404(live_server, owner):
    assert (
        refusal(requests.post(live_server.api + "metadata/no-such-token", json={"metadata": {}}), 404) == GONE
    )
    assert refusal(owner.get("metadata/no-such-token"), 404) == GONE


def test_another_user_cannot_read_or_delete(owner, stranger, proxy):
    assert refusal(stranger.get(f"metadata/{proxy['token']}"), 403) == NOT_YOURS
    assert refusal(stranger.delete(f"metadata/{proxy['token']}"), 403) == NOT_YOURS
    assert owner.get(f"metadata/{proxy['token']}").status_code == 200


def test_create_and_read_need_auth(live_server, proxy):
    assert refusal(requests.post(live_server.api + "metadata/", json={}), 401) == NO_CREDENTIALS
    assert refusal(requests.get(live_server.api + f"metadata/{proxy['token']}"), 401) == NO_CREDENTIALS


def test_delete_is_204(owner, proxy):
    assert owner.delete(f"metadata/{proxy['token']}").status_code == 204
    assert refusal(owner.get(f"metadata/{proxy['token']}"), 404) == GONE
