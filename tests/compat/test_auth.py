"""Signing in with the official client: password (JWT), API keys, and transparent token refresh."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from gofigr import FindByName, GoFigr, UnauthorizedError

from tests.compat.conftest import connect, new_account, unique
from tests.conftest import start_server, stop_server
from tests.server.helpers import refusal


def _keyed(live_server, token: str) -> requests.Response:
    """A plain authenticated call made with an API key, bypassing the client."""
    return requests.get(live_server.api + "workspace/", headers={"Authorization": f"Token {token}"})


def _token_status(live_server, token: str) -> int:
    """Status of a plain authenticated call made with an API key, bypassing the client."""
    return _keyed(live_server, token).status_code


def test_password_login_gives_a_working_client(live_server, owner):
    gf = connect(live_server, owner.username, owner.password)
    assert gf.username == owner.username
    assert gf.user_info().username == owner.username
    assert gf.heartbeat().status_code == 200
    assert gf.primary_workspace is not None


def test_wrong_password_is_refused(live_server, owner):
    with pytest.raises(RuntimeError, match="Authentication failed"):
        GoFigr(username=owner.username, password="not-the-password", url=live_server.url)


def test_api_key_login_acts_as_the_key_owner(live_server, owner):
    key = owner.gf.create_api_key("compat: login")
    assert isinstance(key.token, str) and len(key.token) >= 20
    keyed = GoFigr(api_key=key.token, url=live_server.url)
    assert keyed.username == owner.username
    assert keyed.primary_workspace.api_id == owner.gf.primary_workspace.api_id


def test_api_key_listing_never_shows_a_token(owner):
    created = owner.gf.create_api_key("compat: listed")
    listed = {key.api_id: key for key in owner.gf.list_api_keys()}
    assert created.api_id in listed
    assert listed[created.api_id].name == "compat: listed"
    assert all(key.token is None for key in listed.values())
    assert owner.gf.get_api_key(created.api_id).token is None


def test_another_users_key_is_not_visible(owner, other):
    key = owner.gf.create_api_key("compat: private")
    assert key.api_id not in {k.api_id for k in other.gf.list_api_keys()}
    with pytest.raises(UnauthorizedError):
        other.gf.get_api_key(key.api_id)
    with pytest.raises(UnauthorizedError):
        other.gf.revoke_api_key(key.api_id)
    assert key.api_id in {k.api_id for k in owner.gf.list_api_keys()}


def test_revoked_key_stops_working(live_server, owner):
    key = owner.gf.create_api_key("compat: revoked")
    assert _token_status(live_server, key.token) == 200
    owner.gf.revoke_api_key(key)
    assert key.api_id not in {k.api_id for k in owner.gf.list_api_keys()}
    assert refusal(_keyed(live_server, key.token), 401) == "This API key is not valid or has been revoked."
    with pytest.raises(RuntimeError):
        GoFigr(api_key=key.token, url=live_server.url)


def test_key_with_future_expiry_works_and_keeps_its_expiry(live_server, owner):
    expiry = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    key = owner.gf.create_api_key("compat: long-lived", expiry=expiry)
    assert owner.gf.get_api_key(key.api_id).expiry == expiry
    assert GoFigr(api_key=key.token, url=live_server.url).username == owner.username


def test_expired_key_fails(live_server, owner):
    expiry = datetime.now(UTC) + timedelta(seconds=1.5)
    key = owner.gf.create_api_key("compat: short-lived", expiry=expiry)
    assert _token_status(live_server, key.token) == 200
    time.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds()) + 0.3)
    assert refusal(_keyed(live_server, key.token), 401) == "This API key has expired; create a new one."
    with pytest.raises(RuntimeError):
        GoFigr(api_key=key.token, url=live_server.url)


def test_api_key_cannot_manage_api_keys(live_server, owner):
    key = owner.gf.create_api_key("compat: not a manager")
    victim = owner.gf.create_api_key("compat: victim")
    keyed = GoFigr(api_key=key.token, url=live_server.url)
    with pytest.raises(UnauthorizedError):
        keyed.create_api_key("compat: made by a key")
    with pytest.raises(UnauthorizedError):
        keyed.revoke_api_key(victim.api_id)
    names = {k.name for k in owner.gf.list_api_keys()}
    assert "compat: victim" in names and "compat: made by a key" not in names


@pytest.fixture(scope="module")
def short_token_server(tmp_path_factory):
    """A second server whose access tokens live two seconds, so expiry can be observed."""
    server = start_server(
        tmp_path_factory.mktemp("figtrail-short-tokens"), extra_env={"FIGTRAIL_ACCESS_TOKEN_SECONDS": "2"}
    )
    yield server
    stop_server(server)


def test_client_refreshes_an_expired_access_token(short_token_server):
    account = new_account(short_token_server)
    gf = account.gf
    first_access, first_refresh = gf._access_token, gf._refresh_token
    workspace = gf.primary_workspace
    time.sleep(2.5)

    raw = requests.get(
        short_token_server.api + "workspace/", headers={"Authorization": f"Bearer {first_access}"}
    )
    assert refusal(raw, 401, "code") == "token_not_valid"

    assert [w.api_id for w in gf.workspaces] == [workspace.api_id]  # no exception: refreshed and retried
    assert gf._access_token != first_access
    assert gf._refresh_token == first_refresh  # refreshed via /api/token/refresh/, not a fresh login
    fresh = requests.get(
        short_token_server.api + "workspace/", headers={"Authorization": f"Bearer {gf._access_token}"}
    )
    assert fresh.status_code == 200


def test_refresh_endpoint_accepts_form_and_json(short_token_server):
    username, password = short_token_server.add_user()
    pair = requests.post(
        short_token_server.url + "/api/token/", data={"username": username, "password": password}
    )
    assert pair.status_code == 200
    refresh = pair.json()["refresh"]
    by_form = requests.post(short_token_server.url + "/api/token/refresh/", data={"refresh": refresh})
    by_json = requests.post(short_token_server.url + "/api/token/refresh/", json={"refresh": refresh})
    assert by_form.status_code == by_json.status_code == 200
    assert by_form.json()["access"] and by_json.json()["access"]
    bad = requests.post(short_token_server.url + "/api/token/refresh/", data={"refresh": "garbage"})
    assert refusal(bad, 401) == "Token is invalid"


def test_workspace_scoped_key_sees_only_its_workspace(live_server, owner):
    gf = owner.gf
    scoped_to = gf.find_workspace(FindByName(unique("scoped ws"), create=True))
    key = gf.create_api_key("compat: scoped", workspace=scoped_to)
    assert gf.get_api_key(key.api_id).workspace.api_id == scoped_to.api_id
    keyed = GoFigr(api_key=key.token, url=live_server.url)
    assert [w.api_id for w in keyed.workspaces] == [scoped_to.api_id]
    assert keyed.primary_workspace is None
    assert keyed.find_workspace(None).api_id == scoped_to.api_id
    keyed.Workspace(api_id=scoped_to.api_id).fetch().get_analysis("Allowed here")
    with pytest.raises(UnauthorizedError):
        keyed.Workspace(api_id=gf.primary_workspace.api_id).fetch()
    with pytest.raises(UnauthorizedError):
        keyed.Workspace(name="not from a scoped key").create()


def test_scoped_key_needs_and_keeps_workspace_access(live_server, owner, other):
    workspace = owner.gf.find_workspace(FindByName(unique("shared ws"), create=True))
    with pytest.raises(UnauthorizedError):
        other.gf.create_api_key("compat: not a member", workspace=other.gf.Workspace(api_id=workspace.api_id))
    workspace.add_member(other.username, "viewer")
    key = other.gf.create_api_key("compat: member", workspace=other.gf.Workspace(api_id=workspace.api_id))
    assert _token_status(live_server, key.token) == 200
    workspace.remove_member(other.username)
    gone = _keyed(live_server, key.token)
    assert refusal(gone, 401) == "This API key's owner no longer has access to its workspace."
