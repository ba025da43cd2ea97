"""``organization/``: created by a user who becomes its admin; members get access to its workspaces."""

from __future__ import annotations

import base64

import pytest

from tests.server.helpers import denied, no_such, png_bytes, refusal, unique

MISSING = "00000000-0000-4000-8000-000000000000"
NO_ROLE = "You do not have the organization role this needs."


@pytest.fixture(scope="module")
def org(owner) -> dict:
    return owner.created("organization/", {"name": unique("org"), "description": "a team"})


def test_list_starts_empty(stranger):
    assert stranger.ok("organization/") == []


def test_create_makes_caller_admin(owner, org):
    assert org["name"].startswith("org-")
    assert org["workspaces"] == []
    assert org["created_by"] == owner.username
    assert [o["api_id"] for o in owner.ok("organization/")] == [org["api_id"]]
    members = owner.ok(f"organization/{org['api_id']}/members/")
    assert members == [{"username": owner.username, "membership_type": "org_admin"}]


def test_update_name_and_logo(owner, org):
    logo = png_bytes(8, 8)
    body = {
        **owner.ok(f"organization/{org['api_id']}/"),
        "name": "Renamed",
        "logo": base64.b64encode(logo).decode(),
    }
    response = owner.put(f"organization/{org['api_id']}/", body)
    assert response.status_code == 200, response.text
    again = owner.ok(f"organization/{org['api_id']}/")
    assert again["name"] == "Renamed"
    assert base64.b64decode(again["logo"]) == logo


def test_workspace_in_org_is_listed_and_reached_by_role(owner, stranger, org, live_server):
    """Org roles (docs/access.md): a workspace viewer or creator reaches only the org workspaces they
    were added to (or, for a creator, made); a workspace admin reaches all of them at admin level."""
    workspace = owner.created("workspace/", {"name": unique("ws"), "organization": org["api_id"]})
    assert workspace["organization"] == org["api_id"]
    assert workspace["api_id"] in [
        w["api_id"] for w in owner.ok(f"organization/{org['api_id']}/")["workspaces"]
    ]
    assert refusal(stranger.get(f"workspace/{workspace['api_id']}/"), 403) == denied("view", "workspace")
    added = owner.post(
        f"organization/{org['api_id']}/members/add/",
        {"username": stranger.username, "membership_type": "workspace_viewer"},
    )
    assert added.status_code == 200
    assert added.json() == {"username": stranger.username, "membership_type": "workspace_viewer"}
    # a workspace viewer sees only the workspaces they were added to, and can create none
    assert refusal(stranger.get(f"workspace/{workspace['api_id']}/"), 403) == denied("view", "workspace")
    assert workspace["api_id"] not in [w["api_id"] for w in stranger.ok("workspace/")]
    assert stranger.ok(f"organization/{org['api_id']}/")["workspaces"] == []
    assert (
        refusal(stranger.post("workspace/", {"name": "x", "organization": org["api_id"]}), 403)
        == "You may not create or move workspaces into this organization."
    )
    changed = owner.post(
        f"organization/{org['api_id']}/members/change/",
        {"username": stranger.username, "membership_type": "workspace_creator"},
    )
    assert changed.status_code == 200
    # a creator still does not reach the others' workspaces, but owns the ones they create
    assert refusal(
        stranger.post("analysis/", {"name": "x", "workspace": workspace["api_id"]}), 403
    ) == denied("create", "workspace")
    own = stranger.created("workspace/", {"name": unique("ws"), "organization": org["api_id"]})
    assert [w["api_id"] for w in stranger.ok(f"organization/{org['api_id']}/")["workspaces"]] == [
        own["api_id"]
    ]
    changed = owner.post(
        f"organization/{org['api_id']}/members/change/",
        {"username": stranger.username, "membership_type": "workspace_admin"},
    )
    assert changed.status_code == 200
    assert stranger.get(f"workspace/{workspace['api_id']}/").status_code == 200
    assert workspace["api_id"] in [w["api_id"] for w in stranger.ok("workspace/")]
    assert stranger.post("analysis/", {"name": "x", "workspace": workspace["api_id"]}).status_code == 201
    assert stranger.patch(f"workspace/{workspace['api_id']}/", {"description": "d"}).status_code == 200
    assert refusal(stranger.delete(f"workspace/{workspace['api_id']}/"), 403) == denied(
        "own", "workspace"
    )  # admin
    removed = owner.post(
        f"organization/{org['api_id']}/members/remove/",
        {"username": stranger.username, "membership_type": None},
    )
    assert removed.status_code == 200
    assert refusal(stranger.get(f"workspace/{workspace['api_id']}/"), 403) == denied("view", "workspace")


def test_non_member_gets_403(owner, stranger, org):
    assert refusal(stranger.get(f"organization/{org['api_id']}/"), 403) == NO_ROLE
    assert refusal(stranger.put(f"organization/{org['api_id']}/", {"name": "x"}), 403) == NO_ROLE
    assert refusal(stranger.delete(f"organization/{org['api_id']}/"), 403) == NO_ROLE
    assert refusal(stranger.get(f"organization/{org['api_id']}/members/"), 403) == NO_ROLE


def test_workspace_cannot_be_put_in_someone_elses_org(stranger, org):
    response = stranger.post("workspace/", {"name": unique("ws"), "organization": org["api_id"]})
    assert refusal(response, 403) == "You may not create or move workspaces into this organization."


def test_last_admin_cannot_leave(owner, org):
    response = owner.post(
        f"organization/{org['api_id']}/members/change/",
        {"username": owner.username, "membership_type": "workspace_viewer"},
    )
    assert response.status_code == 400
    assert "username" in response.json()


def test_missing_is_404(owner):
    assert refusal(owner.get(f"organization/{MISSING}/"), 404) == no_such("organization", MISSING)


def test_delete_is_204(owner):
    org = owner.created("organization/", {"name": unique("org")})
    assert owner.delete(f"organization/{org['api_id']}/").status_code == 204
    assert refusal(owner.get(f"organization/{org['api_id']}/"), 404) == no_such("organization", org["api_id"])


def test_storage_endpoint_on_a_private_network_is_refused(owner, org):
    """An organization's bucket endpoint must not make the server probe its own network (SSRF): this
    server does not set FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS (tests/server/accounts/
    test_organization_storage.py has one that does)."""
    path = f"organization/{org['api_id']}/storage/"
    for endpoint, address in (
        ("http://127.0.0.1:9000", "127.0.0.1"),
        ("http://169.254.169.254", "169.254.169.254"),
    ):
        for target in (path, path + "test/"):
            body = {"vendor": "aws", "params": {"bucket": "team-data", "endpoint_url": endpoint}}
            refused = refusal(owner.post(target, body), 400, "params")
            assert refused == {
                "endpoint_url": [
                    f"The host {address!r} resolves to {address}, a loopback, private, link-local or "
                    "reserved address; the server's operator can allow those with "
                    "FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS=1."
                ]
            }
    assert owner.ok(path)["vendor"] == "figtrail"
