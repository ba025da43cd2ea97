"""``invitations/workspace/`` and ``invitations/organization/``: single-use tokens, stored hashed."""

from __future__ import annotations

import hashlib

import pytest

from tests.server.helpers import denied, new_user, read_db, refusal, unique

NO_INVITATION = "No such invitation."


@pytest.fixture(scope="module")
def invitee(live_server):
    return new_user(live_server)


def invite(owner, workspace: dict, membership_type: str = "creator") -> dict:
    body = {
        "email": "someone@example.org",
        "membership_type": membership_type,
        "workspace": workspace["api_id"],
    }
    return owner.created("invitations/workspace/", body)


def test_create_is_201_with_token(owner):
    workspace = owner.workspace()
    invitation = invite(owner, workspace)
    assert invitation["token"] and len(invitation["token"]) >= 32
    assert invitation["status"] == "pending"
    assert invitation["workspace"] == workspace["api_id"]
    assert invitation["membership_type"] == "creator"
    assert invitation["initiator"] == owner.username
    listed = owner.ok(f"workspace/{workspace['api_id']}/invitations/")
    assert [i["api_id"] for i in listed] == [invitation["api_id"]]
    assert listed[0]["token"] is None


def test_get_by_token(owner, invitee):
    workspace = owner.workspace()
    invitation = invite(owner, workspace)
    fetched = invitee.get(f"invitations/workspace/{invitation['token']}")
    assert fetched.status_code == 200
    assert fetched.json()["api_id"] == invitation["api_id"]
    assert fetched.json()["token"] is None
    assert refusal(invitee.get("invitations/workspace/not-a-real-token"), 404) == NO_INVITATION


def test_accept_makes_a_member_once(owner, invitee):
    workspace = owner.workspace()
    invitation = invite(owner, workspace, "viewer")
    assert refusal(invitee.get(f"workspace/{workspace['api_id']}/"), 403) == denied("view", "workspace")
    accepted = invitee.post(f"invitations/workspace/{invitation['token']}/accept", {})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert {"username": invitee.username, "membership_type": "viewer"} in owner.ok(
        f"workspace/{workspace['api_id']}/members/"
    )
    assert invitee.get(f"workspace/{workspace['api_id']}/").status_code == 200
    again = invitee.post(f"invitations/workspace/{invitation['token']}/accept/", {})
    assert again.status_code == 400
    assert "token" in again.json()


def test_delete_is_204(owner, invitee):
    workspace = owner.workspace()
    invitation = invite(owner, workspace)
    assert refusal(invitee.delete(f"invitations/workspace/{invitation['api_id']}"), 403) == denied(
        "admin", "workspace"
    )
    assert owner.delete(f"invitations/workspace/{invitation['api_id']}").status_code == 204
    assert refusal(owner.get(f"invitations/workspace/{invitation['token']}"), 404) == NO_INVITATION
    assert (
        refusal(invitee.post(f"invitations/workspace/{invitation['token']}/accept", {}), 404) == NO_INVITATION
    )
    assert owner.ok(f"workspace/{workspace['api_id']}/invitations/") == []


def test_only_admins_invite(owner, stranger):
    workspace = owner.workspace()
    response = stranger.post(
        "invitations/workspace/",
        {"email": "x@example.org", "membership_type": "viewer", "workspace": workspace["api_id"]},
    )
    assert refusal(response, 403) == denied("admin", "workspace")
    assert refusal(stranger.get(f"workspace/{workspace['api_id']}/invitations/"), 403) == denied(
        "admin", "workspace"
    )


def test_owner_role_cannot_be_invited(owner):
    workspace = owner.workspace()
    body = {"email": "x@example.org", "membership_type": "owner", "workspace": workspace["api_id"]}
    response = owner.post("invitations/workspace/", body)
    assert response.status_code == 400
    assert "membership_type" in response.json()


def test_token_is_stored_hashed(live_server, owner):
    invitation = invite(owner, owner.workspace())
    dump = repr(read_db(live_server, "SELECT * FROM catalog_invitation"))
    assert invitation["token"] not in dump
    assert hashlib.sha256(invitation["token"].encode()).hexdigest() in dump


def test_organization_invitation(owner, invitee):
    org = owner.created("organization/", {"name": unique("org")})
    body = {"email": "x@example.org", "membership_type": "workspace_viewer", "organization": org["api_id"]}
    invitation = owner.created("invitations/organization/", body)
    assert invitation["organization"] == org["api_id"]
    assert invitee.get(f"invitations/organization/{invitation['token']}").status_code == 200
    assert refusal(invitee.get(f"invitations/workspace/{invitation['token']}"), 404) == NO_INVITATION
    assert invitee.post(f"invitations/organization/{invitation['token']}/accept", {}).status_code == 200
    members = owner.ok(f"organization/{org['api_id']}/members/")
    assert {"username": invitee.username, "membership_type": "workspace_viewer"} in members


def test_accepting_never_lowers_an_existing_role(owner, invitee):
    """An owner who opens their own viewer invitation stays owner (and the workspace keeps an owner)."""
    workspace = owner.workspace()
    own = invite(owner, workspace, "viewer")
    assert owner.post(f"invitations/workspace/{own['token']}/accept", {}).status_code == 200
    assert owner.ok(f"workspace/{workspace['api_id']}/members/") == [
        {"username": owner.username, "membership_type": "owner"}
    ]
    member = {"username": invitee.username, "membership_type": "admin"}
    owner.post(f"workspace/{workspace['api_id']}/members/add/", member)
    lower = invite(owner, workspace, "viewer")
    assert invitee.post(f"invitations/workspace/{lower['token']}/accept", {}).status_code == 200
    assert {"username": invitee.username, "membership_type": "admin"} in owner.ok(
        f"workspace/{workspace['api_id']}/members/"
    )


def test_accepting_can_raise_a_role(owner, invitee):
    workspace = owner.workspace()
    member = {"username": invitee.username, "membership_type": "viewer"}
    owner.post(f"workspace/{workspace['api_id']}/members/add/", member)
    higher = invite(owner, workspace, "creator")
    assert invitee.post(f"invitations/workspace/{higher['token']}/accept", {}).status_code == 200
    assert {"username": invitee.username, "membership_type": "creator"} in owner.ok(
        f"workspace/{workspace['api_id']}/members/"
    )
