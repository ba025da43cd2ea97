"""Tokens and keys: what a credential can do is what it was made for, and for as long as its owner wants.

A workspace-scoped API key (``api_key/`` with ``workspace``) acts on that workspace only: routes about
the whole account (profile and e-mail, SSH keys, API keys, accepting invitations, organizations) refuse
it with 403, and change nothing. A password change, or "sign out everywhere" (``POST
/api/token/sign_out_everywhere/``, or the button on ``/account/password``), ends every JWT issued before
it, access and refresh, and every other web session.
"""

from __future__ import annotations

import pytest
import requests

from tests.server.helpers import NO_CREDENTIALS, Api, new_user, refusal, token_session, unique
from tests.web.helpers import csrf_token, post_form, web_session

SCOPED = (
    "An API key scoped to one workspace cannot act on the account: sign in with a password or use an API "
    "key without a workspace."
)


@pytest.fixture(scope="module")
def scoped(owner) -> Api:
    workspace = owner.workspace()
    key = owner.created("api_key/", {"name": unique("ci"), "workspace": workspace["api_id"]})
    return Api(owner.server, token_session(key["token"]), owner.username, owner.password)


@pytest.fixture(scope="module")
def full(owner) -> Api:
    key = owner.created("api_key/", {"name": unique("laptop")})
    return Api(owner.server, token_session(key["token"]), owner.username, owner.password)


ACCOUNT_WRITES = [
    ("patch", "user/{me}/", {"email": "attacker@example.org"}),
    ("patch", "user/{me}/", {"first_name": "Mallory"}),
    ("put", "user/{me}/", {"username": "{me}", "email": "attacker@example.org"}),
    ("post", "ssh_key/", {"name": "attacker", "generate": True}),
    ("get", "ssh_key/", None),
    ("post", "api_key/", {"name": "more"}),
    ("get", "api_key/", None),
    ("post", "organization/", {"name": "attacker org"}),
    ("post", "invitations/workspace/not-a-real-token/accept/", {}),
]


@pytest.mark.parametrize(
    ("verb", "path", "body"), ACCOUNT_WRITES, ids=[f"{v} {p}" for v, p, _ in ACCOUNT_WRITES]
)
def test_a_scoped_key_is_refused_on_account_routes(owner, scoped, verb, path, body):
    before = owner.ok(f"user/{owner.username}/")
    keys_before = owner.ok("ssh_key/")
    path = path.format(me=owner.username)
    if isinstance(body, dict):
        body = {k: v.format(me=owner.username) if isinstance(v, str) else v for k, v in body.items()}
    args = (path,) if body is None else (path, body)
    response = getattr(scoped, verb)(*args)
    detail = refusal(response, 403)
    assert detail in (SCOPED, "API keys can only be managed when signed in with a password."), (verb, path)
    assert owner.ok(f"user/{owner.username}/") == before
    assert owner.ok("ssh_key/") == keys_before


def test_a_scoped_key_still_reads_who_it_is(owner, scoped):
    """The official client asks ``user/`` who it is before anything else."""
    me = scoped.get("user/")
    assert me.status_code == 200 and me.json()[0]["username"] == owner.username


def test_an_unscoped_key_may_change_the_profile(owner, full):
    response = full.patch(f"user/{owner.username}/", {"first_name": "Ann"})
    assert response.status_code == 200, response.text
    assert full.get("ssh_key/").status_code == 200


# ---- JWTs: a password change, and signing out everywhere, end every earlier token ----

NEW_PASSWORD = "a brand new passphrase 42"


def token_pair(server, username: str, password: str) -> dict:
    response = requests.post(server.url + "/api/token/", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def use(server, pair: dict) -> tuple[requests.Response, requests.Response]:
    """(a request with the access token, a refresh with the refresh token)."""
    access = requests.get(
        server.api + "user/", headers={"Authorization": f"Bearer {pair['access']}"}, timeout=30
    )
    refresh = requests.post(server.url + "/api/token/refresh/", data={"refresh": pair["refresh"]}, timeout=30)
    return access, refresh


def still_works(server, pair: dict) -> tuple[int, int]:
    """(status of a request with the access token, status of a refresh with the refresh token)."""
    access, refresh = use(server, pair)
    return access.status_code, refresh.status_code


def ended(server, pair: dict) -> bool:
    """Both tokens of the pair are refused as no longer valid: 401 ``token_not_valid`` (on which the
    official client signs in again)."""
    access, refresh = use(server, pair)
    return refusal(access, 401, "code") == refusal(refresh, 401, "code") == "token_not_valid"


def test_a_password_change_ends_every_earlier_jwt(live_server):
    """The attack: after a password change (the account was stolen), the old refresh token went on
    minting access tokens for 14 days."""
    user = new_user(live_server)
    earlier = [token_pair(live_server, user.username, user.password) for _ in range(2)]
    assert all(still_works(live_server, pair) == (200, 200) for pair in earlier)

    web = web_session(live_server, user.username, user.password)
    changed = post_form(
        web,
        live_server,
        "/account/password",
        {"old_password": user.password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302, changed.text[:300]

    for pair in earlier:
        assert ended(live_server, pair)
    assert still_works(live_server, token_pair(live_server, user.username, NEW_PASSWORD)) == (200, 200)
    assert (
        web.get(live_server.url + "/account/api-keys", allow_redirects=False).status_code == 200
    )  # this browser


def test_sign_out_everywhere_over_the_api(live_server):
    user = new_user(live_server)
    here, elsewhere = (token_pair(live_server, user.username, user.password) for _ in range(2))
    other_browser = web_session(live_server, user.username, user.password)
    response = requests.post(
        live_server.url + "/api/token/sign_out_everywhere/",
        headers={"Authorization": f"Bearer {here['access']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert ended(live_server, here)
    assert ended(live_server, elsewhere)
    assert other_browser.get(live_server.url + "/account/api-keys", allow_redirects=False).status_code == 302
    assert still_works(live_server, token_pair(live_server, user.username, user.password)) == (200, 200)
    anonymous = requests.post(live_server.url + "/api/token/sign_out_everywhere/", timeout=30)
    assert refusal(anonymous, 401) == NO_CREDENTIALS


def test_sign_out_everywhere_from_the_web(live_server):
    user = new_user(live_server)
    pair = token_pair(live_server, user.username, user.password)
    this_browser = web_session(live_server, user.username, user.password)
    other_browser = web_session(live_server, user.username, user.password)
    page = this_browser.get(live_server.url + "/account/password", timeout=30)
    assert 'id="sign-out-everywhere-form"' in page.text
    done = this_browser.post(
        live_server.url + "/account/sign-out-everywhere",
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": live_server.url + "/account/password"},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 302, done.text[:300]
    assert ended(live_server, pair)
    assert other_browser.get(live_server.url + "/account/api-keys", allow_redirects=False).status_code == 302
    assert this_browser.get(live_server.url + "/account/api-keys", allow_redirects=False).status_code == 200


def test_a_scoped_key_cannot_sign_the_account_out(live_server, owner, scoped):
    response = scoped.session.post(live_server.url + "/api/token/sign_out_everywhere/", timeout=30)
    assert refusal(response, 403) == SCOPED
    assert refusal(response, 403, "field") == "Authorization"
