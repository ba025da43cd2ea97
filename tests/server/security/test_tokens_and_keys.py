"""Tokens and keys: what a credential can do is what it was made for, and for as long as its owner wants.

A workspace-scoped API key (``api_key/`` with ``workspace``) acts on that workspace only: routes about
the whole account (profile and e-mail, SSH keys, API keys, accepting invitations, organizations) refuse
it with 403, and change nothing.
"""

from __future__ import annotations

import pytest

from tests.server.helpers import Api, token_session, unique


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
    assert response.status_code == 403, (verb, path, response.status_code, response.text)
    assert "scoped" in response.json()["detail"] or "API key" in response.json()["detail"]
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
