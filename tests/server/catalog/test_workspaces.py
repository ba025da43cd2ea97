"""``workspace/``: create, the primary workspace's rules, members, recent, log, storage and delete."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, new_user, unique


@pytest.fixture(scope="module")
def member(live_server):
    """A third user, added to and removed from workspaces by the tests."""
    return new_user(live_server)


def test_create_returns_empty_child_lists(owner):
    response = owner.post("workspace/", {"name": "Other WS", "description": "d", "organization": None})
    assert response.status_code == 201
    workspace = response.json()
    assert workspace["analyses"] == []
    assert workspace["assets"] == []
    assert workspace["workspace_type"] == "secondary"
    assert workspace["organization"] is None
    assert workspace["size_bytes"] == 0
    assert workspace["created_by"] == owner.username
    assert workspace["updated_on"] is None
    assert owner.ok(f"workspace/{workspace['api_id']}/")["created_on"] == workspace["created_on"]


def test_explicit_secondary_type_is_accepted(owner):
    workspace = owner.created(
        "workspace/", {"name": unique("ws"), "workspace_type": "secondary", "organization": None}
    )
    assert workspace["workspace_type"] == "secondary"


@pytest.mark.parametrize("workspace_type", ["primary", "bogus"])
def test_primary_or_invalid_type_cannot_be_created(owner, workspace_type):
    before = len(owner.ok("workspace/"))
    response = owner.post("workspace/", {"name": "x", "workspace_type": workspace_type, "organization": None})
    assert response.status_code == 400
    assert "workspace_type" in response.json()
    assert len(owner.ok("workspace/")) == before


def test_primary_exists_once_and_says_so(owner):
    primaries = [w for w in owner.ok("workspace/") if w["workspace_type"] == "primary"]
    assert len(primaries) == 1
    assert "primary" in primaries[0]["name"].lower()
    assert "primary" in primaries[0]["description"].lower()
    members = owner.ok(f"workspace/{primaries[0]['api_id']}/members/")
    assert members == [{"username": owner.username, "membership_type": "owner"}]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_type_cannot_change_either_way(owner, method):
    primary = owner.primary()
    secondary = owner.workspace()
    for workspace, other in ((primary, "secondary"), (secondary, "primary")):
        body = {**workspace, "workspace_type": other}
        body.pop("analyses", None)
        body.pop("assets", None)
        response = owner.request(method, f"workspace/{workspace['api_id']}/", json=body)
        assert response.status_code == 400
        assert "workspace_type" in response.json()
        assert owner.ok(f"workspace/{workspace['api_id']}/")["workspace_type"] == workspace["workspace_type"]


def test_put_without_type_keeps_the_primary(owner):
    primary = owner.primary()
    body = {"name": primary["name"], "description": "still my primary one", "organization": None}
    response = owner.put(f"workspace/{primary['api_id']}/", body)
    assert response.status_code == 200, response.text
    assert response.json()["workspace_type"] == "primary"
    assert response.json()["description"] == "still my primary one"


def test_primary_cannot_be_deleted(owner):
    primary = owner.primary()
    response = owner.delete(f"workspace/{primary['api_id']}/")
    assert response.status_code == 400
    assert owner.get(f"workspace/{primary['api_id']}/").status_code == 200


def test_put_updates_and_ignores_read_only(owner):
    workspace = owner.workspace()
    body = {**workspace, "name": "Renamed", "description": "new", "size_bytes": 999, "created_by": "someone"}
    response = owner.put(f"workspace/{workspace['api_id']}/", body)
    assert response.status_code == 200
    updated = response.json()
    assert (updated["name"], updated["description"]) == ("Renamed", "new")
    assert updated["size_bytes"] == 0
    assert updated["created_by"] == owner.username
    assert updated["created_on"] == workspace["created_on"]
    assert updated["updated_by"] == owner.username
    assert updated["updated_on"] is not None


def test_members_add_change_remove(owner, member):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/members/"
    assert member.get(f"workspace/{workspace['api_id']}/").status_code == 403
    assert member.get(path).status_code == 403

    added = owner.post(path + "add/", {"username": member.username, "membership_type": "viewer"})
    assert added.status_code == 200
    assert added.json() == {"username": member.username, "membership_type": "viewer"}
    assert owner.ok(path) == [
        {"username": owner.username, "membership_type": "owner"},
        {"username": member.username, "membership_type": "viewer"},
    ]
    assert member.get(f"workspace/{workspace['api_id']}/").status_code == 200
    assert member.post("analysis/", {"name": "x", "workspace": workspace["api_id"]}).status_code == 403

    changed = owner.post(path + "change/", {"username": member.username, "membership_type": "creator"})
    assert changed.status_code == 200
    assert changed.json() == {"username": member.username, "membership_type": "creator"}
    assert member.post("analysis/", {"name": "x", "workspace": workspace["api_id"]}).status_code == 201
    # a creator can add content but not manage members
    assert (
        member.post(path + "add/", {"username": member.username, "membership_type": "admin"}).status_code
        == 403
    )

    removed = owner.post(path + "remove/", {"username": member.username, "membership_type": None})
    assert removed.status_code == 200
    assert removed.json() == {"username": member.username, "membership_type": None}
    assert member.get(f"workspace/{workspace['api_id']}/").status_code == 403
    assert owner.ok(path) == [{"username": owner.username, "membership_type": "owner"}]


def test_member_errors(owner, member):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/members/"
    unknown = owner.post(path + "add/", {"username": "nobody-at-all", "membership_type": "viewer"})
    assert unknown.status_code == 400 and "username" in unknown.json()
    bad_role = owner.post(path + "add/", {"username": member.username, "membership_type": "emperor"})
    assert bad_role.status_code == 400 and "membership_type" in bad_role.json()
    not_member = owner.post(path + "change/", {"username": member.username, "membership_type": "viewer"})
    assert not_member.status_code == 400
    last_owner = owner.post(path + "remove/", {"username": owner.username, "membership_type": None})
    assert last_owner.status_code == 400
    assert owner.ok(path) == [{"username": owner.username, "membership_type": "owner"}]


def test_recent_newest_first_with_limit(owner):
    workspace = owner.workspace()
    analyses = [owner.analysis(workspace["api_id"], f"Analysis {i}") for i in range(3)]
    figures = [owner.figure(analyses[0]["api_id"], f"Figure {i}") for i in range(3)]
    owner.asset(workspace["api_id"], "a.csv")
    recent = owner.ok(f"workspace/{workspace['api_id']}/recent/?limit=2")
    assert [a["name"] for a in recent["analyses"]] == ["Analysis 2", "Analysis 1"]
    assert [f["name"] for f in recent["figures"]] == ["Figure 2", "Figure 1"]
    assert [a["name"] for a in recent["assets"]] == ["a.csv"]
    everything = owner.ok(f"workspace/{workspace['api_id']}/recent/")
    assert len(everything["analyses"]) == 3
    assert [f["api_id"] for f in everything["figures"]] == [f["api_id"] for f in reversed(figures)]
    bad = owner.get(f"workspace/{workspace['api_id']}/recent/?limit=zero")
    assert bad.status_code == 400
    assert "limit" in bad.json()


def test_log_holds_self_and_descendants(owner):
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"])
    figure = owner.figure(analysis["api_id"])
    revision = owner.revision(figure["api_id"], data_item(b"abc"))
    owner.patch(f"analysis/{analysis['api_id']}/", {"description": "changed"})
    log = owner.ok(f"workspace/{workspace['api_id']}/log/")
    events = {(item["action"], item["target_type"], item["target_id"]) for item in log}
    assert events == {
        ("create", "workspace", workspace["api_id"]),
        ("create", "analysis", analysis["api_id"]),
        ("create", "figure", figure["api_id"]),
        ("create", "revision", revision["api_id"]),
        ("update", "analysis", analysis["api_id"]),
    }
    assert all(item["username"] == owner.username for item in log)
    first = log[0]
    one = owner.get(f"workspace/{workspace['api_id']}/log/{first['api_id']}")
    assert one.status_code == 200
    assert one.json() == first


def test_log_item_of_another_workspace_is_404(owner):
    first, second = owner.workspace(), owner.workspace()
    item = owner.ok(f"workspace/{first['api_id']}/log/")[0]
    assert owner.get(f"workspace/{second['api_id']}/log/{item['api_id']}/").status_code == 404
    assert (
        owner.get(f"workspace/{first['api_id']}/log/00000000-0000-4000-8000-000000000000/").status_code == 404
    )


def test_log_is_403_for_non_member(owner, stranger):
    workspace = owner.workspace()
    assert stranger.get(f"workspace/{workspace['api_id']}/log/").status_code == 403


def test_storage_get_and_post(owner):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/storage/"
    default = owner.ok(path)
    assert set(default) == {"vendor", "params"}
    assert default["params"] is None
    saved = owner.post(path, {"vendor": "GoFigr.io", "params": None})
    assert saved.status_code == 200
    assert saved.json()["params"] is None
    tested = owner.post(path + "test/", {"vendor": "GoFigr.io", "params": None})
    assert tested.status_code == 200
    refused = owner.post(path, {"vendor": "AWS", "params": {"bucket": "b"}})
    assert refused.status_code == 400
    assert "vendor" in refused.json()
    assert owner.ok(path) == saved.json()


def test_storage_is_403_for_non_member(owner, stranger):
    workspace = owner.workspace()
    assert stranger.get(f"workspace/{workspace['api_id']}/storage/").status_code == 403
    assert (
        stranger.post(f"workspace/{workspace['api_id']}/storage/", {"vendor": "GoFigr.io"}).status_code == 403
    )


def test_delete_is_204_and_cascades(owner):
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"abc"))
    assert owner.delete(f"workspace/{workspace['api_id']}/").status_code == 204
    assert owner.get(f"workspace/{workspace['api_id']}/").status_code == 404
    for path in (
        f"analysis/{analysis['api_id']}/",
        f"figure/{figure['api_id']}/",
        f"revision/{revision['api_id']}/",
    ):
        assert owner.get(path).status_code == 404
    assert workspace["api_id"] not in [w["api_id"] for w in owner.ok("workspace/")]


def test_other_users_workspace_is_403(owner, stranger):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/"
    assert stranger.get(path).status_code == 403
    assert stranger.put(path, {"name": "mine", "organization": None}).status_code == 403
    assert stranger.patch(path, {"name": "mine"}).status_code == 403
    assert stranger.delete(path).status_code == 403
    assert (
        stranger.post(
            path + "members/add/", {"username": stranger.username, "membership_type": "owner"}
        ).status_code
        == 403
    )
    assert workspace["api_id"] not in [w["api_id"] for w in stranger.ok("workspace/")]
    assert owner.ok(path)["name"] == workspace["name"]


def test_admin_cannot_delete_or_make_owners(owner, member):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/"
    owner.post(path + "members/add/", {"username": member.username, "membership_type": "admin"})
    assert member.patch(path, {"description": "admin edit"}).status_code == 200
    assert member.delete(path).status_code == 403
    promote = member.post(path + "members/change/", {"username": member.username, "membership_type": "owner"})
    assert promote.status_code == 403


def test_admin_cannot_demote_or_remove_an_owner(owner, member, live_server):
    second_owner = new_user(live_server)
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/members/"
    owner.post(path + "add/", {"username": second_owner.username, "membership_type": "owner"})
    owner.post(path + "add/", {"username": member.username, "membership_type": "admin"})
    removed = member.post(path + "remove/", {"username": owner.username, "membership_type": None})
    assert removed.status_code == 403
    demoted = member.post(path + "change/", {"username": second_owner.username, "membership_type": "viewer"})
    assert demoted.status_code == 403
    roles = {m["username"]: m["membership_type"] for m in owner.ok(path)}
    assert roles[owner.username] == roles[second_owner.username] == "owner"
    # an owner may step another owner down while one remains
    stepped = owner.post(path + "change/", {"username": second_owner.username, "membership_type": "viewer"})
    assert stepped.status_code == 200


def test_missing_is_404(owner):
    assert owner.get("workspace/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert owner.get("workspace/not-a-uuid/").status_code == 404
    assert owner.delete("workspace/00000000-0000-4000-8000-000000000000/").status_code == 404
