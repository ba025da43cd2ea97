"""Escalation: a role must never turn itself into a higher one.

The attack: an admin of someone else's workspace creates an organization (becoming its admin), moves the
workspace into it, and so holds OWN on it through the organization: they can remove the owner and delete
the workspace. Moving a workspace between organizations needs OWN on the workspace and the right to
create workspaces in the organization it goes to.
"""

from __future__ import annotations

import pytest

from tests.server.helpers import Api, denied, new_user, refusal, unique

OWNERS_MOVE = "Only an owner of the workspace may move it to another organization."
NOT_INTO = "You may not create or move workspaces into this organization."


def member(owner: Api, workspace_id: str, username: str, role: str) -> None:
    response = owner.post(
        f"workspace/{workspace_id}/members/add/", {"username": username, "membership_type": role}
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def admin(live_server) -> Api:
    return new_user(live_server)


def test_workspace_admin_cannot_move_it_into_their_own_organization(owner, admin):
    workspace = owner.workspace()
    member(owner, workspace["api_id"], admin.username, "admin")
    organization = admin.created("organization/", {"name": unique("org")})
    path = f"workspace/{workspace['api_id']}/"

    for verb in ("patch", "put"):
        body = {"name": workspace["name"], "organization": organization["api_id"]}
        response = getattr(admin, verb)(path, body)
        assert refusal(response, 403) == OWNERS_MOVE, verb
        assert refusal(response, 403, "field") == "organization"

    # nothing changed, and the owner is still the owner
    assert owner.ok(path)["organization"] is None
    members = {m["username"]: m["membership_type"] for m in owner.ok(path + "members/")}
    assert members[owner.username] == "owner"
    assert refusal(admin.delete(path), 403) == denied("own", "workspace")
    removed = admin.post(path + "members/remove/", {"username": owner.username})
    assert refusal(removed, 403) == "Only an owner can change or remove another owner."


def test_workspace_admin_cannot_move_it_out_of_its_organization(owner, admin):
    organization = owner.created("organization/", {"name": unique("org")})
    workspace = owner.created("workspace/", {"name": unique("ws"), "organization": organization["api_id"]})
    member(owner, workspace["api_id"], admin.username, "admin")
    response = admin.patch(f"workspace/{workspace['api_id']}/", {"organization": None})
    assert refusal(response, 403) == OWNERS_MOVE
    assert owner.ok(f"workspace/{workspace['api_id']}/")["organization"] == organization["api_id"]


def test_admin_may_still_rename_the_workspace(owner, admin):
    workspace = owner.workspace()
    member(owner, workspace["api_id"], admin.username, "admin")
    response = admin.patch(f"workspace/{workspace['api_id']}/", {"name": "renamed by the admin"})
    assert response.status_code == 200, response.text
    # an admin's full PUT that names the same organization is not a move
    same = admin.put(f"workspace/{workspace['api_id']}/", {"name": "again", "organization": None})
    assert same.status_code == 200, same.text


def test_owner_moves_only_into_an_organization_they_may_create_in(owner, stranger):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/"
    theirs = stranger.created("organization/", {"name": unique("org")})
    refused = owner.patch(path, {"organization": theirs["api_id"]})
    assert refusal(refused, 403) == NOT_INTO
    assert refusal(refused, 403, "field") == "organization"
    mine = owner.created("organization/", {"name": unique("org")})
    moved = owner.patch(path, {"organization": mine["api_id"]})
    assert moved.status_code == 200 and moved.json()["organization"] == mine["api_id"]
    back = owner.patch(path, {"organization": None})
    assert back.status_code == 200 and back.json()["organization"] is None
