"""``api_key/``: the secret is shown once and stored hashed; expiry and workspace scope are enforced; a
key cannot be used to manage keys; another user's key is 403."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.server.helpers import Api, data_item, denied, no_such, read_db, refusal, token_session, unique

MISSING = "00000000-0000-4000-8000-000000000000"
PASSWORD_ONLY = "API keys can only be managed when signed in with a password."


def key_api(owner: Api, token: str) -> Api:
    return Api(owner.server, token_session(token), owner.username, owner.password)


@pytest.fixture(scope="module")
def key(owner) -> dict:
    return owner.created("api_key/", {"name": unique("key")})


def test_create_returns_token_once(owner, key):
    assert key["token"] and len(key["token"]) >= 32
    assert key["workspace"] is None
    listed = owner.ok("api_key/")
    assert [k["api_id"] for k in listed] == [key["api_id"]]
    assert listed[0]["token"] is None
    detail = owner.ok(f"api_key/{key['api_id']}/")
    assert detail["token"] is None
    assert detail["name"] == key["name"]


def test_key_authenticates(owner, key):
    me = key_api(owner, key["token"]).get("user")
    assert me.status_code == 200
    assert [u["username"] for u in me.json()] == [owner.username]


def test_key_marks_last_used(owner, key):
    key_api(owner, key["token"]).ok("workspace/")
    assert owner.ok(f"api_key/{key['api_id']}/")["last_used"] is not None


def test_token_is_stored_hashed(live_server, owner, key):
    rows = read_db(live_server, "SELECT * FROM accounts_apikey")
    assert rows
    dump = repr(rows)
    assert key["token"] not in dump
    assert key["token"][3:] not in dump  # nor without its prefix
    assert hashlib.sha256(key["token"].encode()).hexdigest() in dump


def test_unknown_key_is_401(live_server):
    response = token_session("ft_not-a-real-key").get(live_server.api + "user")
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"])
def test_future_expiry_is_accepted_in_client_format(owner, fmt):
    expiry = (datetime.now(UTC) + timedelta(days=30)).strftime(fmt)
    if fmt.startswith("%Y-%m-%d %H"):
        expiry = expiry[:-2] + ":" + expiry[-2:]  # str(datetime): "2030-01-01 00:00:00+00:00"
    key = owner.created("api_key/", {"name": unique("key"), "expiry": expiry})
    assert key["expiry"] is not None
    assert datetime.fromisoformat(key["expiry"].replace("Z", "+00:00")) > datetime.now(UTC)
    assert key_api(owner, key["token"]).get("user").status_code == 200


def test_expired_key_fails(owner):
    key = owner.created("api_key/", {"name": unique("key"), "expiry": "2001-01-01 00:00:00+00:00"})
    response = key_api(owner, key["token"]).get("user")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_revoked_key_fails(owner):
    key = owner.created("api_key/", {"name": unique("key")})
    assert key_api(owner, key["token"]).get("user").status_code == 200
    assert owner.delete(f"api_key/{key['api_id']}").status_code == 204
    assert (
        refusal(key_api(owner, key["token"]).get("user"), 401)
        == "This API key is not valid or has been revoked."
    )
    assert refusal(owner.get(f"api_key/{key['api_id']}/"), 404) == no_such("API key", key["api_id"])


def test_key_cannot_manage_keys(owner, key):
    with_key = key_api(owner, key["token"])
    assert refusal(with_key.post("api_key/", {"name": unique("key")}), 403) == PASSWORD_ONLY
    assert refusal(with_key.get("api_key/"), 403) == PASSWORD_ONLY
    assert refusal(with_key.get(f"api_key/{key['api_id']}/"), 403) == PASSWORD_ONLY
    assert refusal(with_key.delete(f"api_key/{key['api_id']}/"), 403) == PASSWORD_ONLY
    assert owner.get(f"api_key/{key['api_id']}/").status_code == 200  # still there


def test_another_users_key_is_403(owner, stranger, key):
    assert refusal(stranger.get(f"api_key/{key['api_id']}/"), 403) == "This API key belongs to another user."
    assert (
        refusal(stranger.delete(f"api_key/{key['api_id']}/"), 403) == "This API key belongs to another user."
    )
    assert stranger.ok("api_key/") == []
    assert owner.get(f"api_key/{key['api_id']}/").status_code == 200


def test_missing_key_id_is_404(owner):
    assert refusal(owner.get(f"api_key/{MISSING}/"), 404) == no_such("API key", MISSING)
    assert refusal(owner.get("api_key/not-a-uuid/"), 404) == no_such("API key", "not-a-uuid")


@pytest.fixture(scope="module")
def scoped(owner) -> tuple[Api, dict, dict]:
    """A key limited to a fresh secondary workspace of ``owner``."""
    workspace = owner.workspace()
    key = owner.created("api_key/", {"name": unique("scoped"), "workspace": workspace["api_id"]})
    assert key["workspace"] == workspace["api_id"]
    return key_api(owner, key["token"]), workspace, key


class TestScopedKey:
    def test_sees_only_its_workspace(self, scoped):
        with_key, workspace, _ = scoped
        assert [w["api_id"] for w in with_key.ok("workspace/")] == [workspace["api_id"]]

    def test_works_inside_its_workspace(self, scoped):
        with_key, workspace, _ = scoped
        analysis = with_key.analysis(workspace["api_id"])
        figure = with_key.figure(analysis["api_id"])
        revision = with_key.revision(figure["api_id"], data_item(b"scoped"))
        assert with_key.get(f"revision/{revision['api_id']}/").status_code == 200

    def test_is_403_elsewhere(self, owner, scoped):
        with_key, _, _ = scoped
        primary = owner.primary()
        analysis = owner.analysis(primary["api_id"])
        assert refusal(with_key.get(f"workspace/{primary['api_id']}/"), 403) == denied("view", "workspace")
        assert refusal(with_key.get(f"analysis/{analysis['api_id']}/"), 403) == denied("view", "analysis")
        assert refusal(with_key.put(f"analysis/{analysis['api_id']}/", {"name": "x"}), 403) == denied(
            "create", "analysis"
        )
        assert refusal(with_key.delete(f"analysis/{analysis['api_id']}/"), 403) == denied(
            "create", "analysis"
        )
        attempt = with_key.post("analysis/", {"name": "nope", "workspace": primary["api_id"]})
        assert refusal(attempt, 403) == denied("create", "workspace")
        assert (
            refusal(with_key.post("workspace/", {"name": "nope", "organization": None}), 403)
            == "An API key scoped to one workspace cannot create workspaces."
        )
        assert owner.get(f"analysis/{analysis['api_id']}/").status_code == 200

    def test_scope_needs_access_to_the_workspace(self, owner, stranger):
        workspace = owner.workspace()
        response = stranger.post("api_key/", {"name": unique("key"), "workspace": workspace["api_id"]})
        assert refusal(response, 403) == denied("view", "workspace")
        assert stranger.ok("api_key/") == []

    def test_stops_working_when_owner_loses_access(self, live_server, owner, stranger):
        workspace = owner.workspace()
        added = owner.post(
            f"workspace/{workspace['api_id']}/members/add/",
            {"username": stranger.username, "membership_type": "viewer"},
        )
        assert added.status_code == 200
        key = stranger.created("api_key/", {"name": unique("key"), "workspace": workspace["api_id"]})
        session = token_session(key["token"])
        assert session.get(live_server.api + f"workspace/{workspace['api_id']}/").status_code == 200
        removed = owner.post(
            f"workspace/{workspace['api_id']}/members/remove/",
            {"username": stranger.username, "membership_type": None},
        )
        assert removed.status_code == 200
        assert (
            refusal(session.get(live_server.api + f"workspace/{workspace['api_id']}/"), 401)
            == "This API key's owner no longer has access to its workspace."
        )


def test_key_header_needs_two_parts(live_server):
    response = requests.get(live_server.api + "user", headers={"Authorization": "Token"})
    assert refusal(response, 401) == "Authorization header must be 'Token <api key>'."
