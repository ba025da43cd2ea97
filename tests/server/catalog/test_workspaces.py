"""``workspace/``: create, the primary workspace's rules, members, recent, log, storage and delete."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, denied, new_user, no_such, refusal, unique

MISSING = "00000000-0000-4000-8000-000000000000"


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
    assert refusal(response, 400, "workspace_type") == ["The primary workspace cannot be deleted."]
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
    assert refusal(member.get(f"workspace/{workspace['api_id']}/"), 403) == denied("view", "workspace")
    assert refusal(member.get(path), 403) == denied("view", "workspace")

    added = owner.post(path + "add/", {"username": member.username, "membership_type": "viewer"})
    assert added.status_code == 200
    assert added.json() == {"username": member.username, "membership_type": "viewer"}
    assert owner.ok(path) == [
        {"username": owner.username, "membership_type": "owner"},
        {"username": member.username, "membership_type": "viewer"},
    ]
    assert member.get(f"workspace/{workspace['api_id']}/").status_code == 200
    assert refusal(member.post("analysis/", {"name": "x", "workspace": workspace["api_id"]}), 403) == denied(
        "create", "workspace"
    )

    changed = owner.post(path + "change/", {"username": member.username, "membership_type": "creator"})
    assert changed.status_code == 200
    assert changed.json() == {"username": member.username, "membership_type": "creator"}
    assert member.post("analysis/", {"name": "x", "workspace": workspace["api_id"]}).status_code == 201
    # a creator can add content but not manage members
    promoted = member.post(path + "add/", {"username": member.username, "membership_type": "admin"})
    assert refusal(promoted, 403) == denied("admin", "workspace")

    removed = owner.post(path + "remove/", {"username": member.username, "membership_type": None})
    assert removed.status_code == 200
    assert removed.json() == {"username": member.username, "membership_type": None}
    assert refusal(member.get(f"workspace/{workspace['api_id']}/"), 403) == denied("view", "workspace")
    assert owner.ok(path) == [{"username": owner.username, "membership_type": "owner"}]


def test_member_errors(owner, member):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/members/"
    unknown = owner.post(path + "add/", {"username": "nobody-at-all", "membership_type": "viewer"})
    assert unknown.status_code == 400 and "username" in unknown.json()
    bad_role = owner.post(path + "add/", {"username": member.username, "membership_type": "emperor"})
    assert bad_role.status_code == 400 and "membership_type" in bad_role.json()
    not_member = owner.post(path + "change/", {"username": member.username, "membership_type": "viewer"})
    assert refusal(not_member, 400, "username") == [
        "That user is not a member of this workspace: check the username."
    ]
    last_owner = owner.post(path + "remove/", {"username": owner.username, "membership_type": None})
    assert refusal(last_owner, 400, "username") == ["A workspace must keep at least one owner."]
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
    answer = refusal(owner.get(f"workspace/{second['api_id']}/log/{item['api_id']}/"), 404)
    assert answer == f"Log item {item['api_id']} is not part of this object's log."
    assert refusal(owner.get(f"workspace/{first['api_id']}/log/{MISSING}/"), 404) == no_such(
        "log item", MISSING
    )


def test_log_is_403_for_non_member(owner, stranger):
    workspace = owner.workspace()
    assert refusal(stranger.get(f"workspace/{workspace['api_id']}/log/"), 403) == denied("view", "workspace")


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
    assert refusal(stranger.get(f"workspace/{workspace['api_id']}/storage/"), 403) == denied(
        "view", "workspace"
    )
    saved = stranger.post(f"workspace/{workspace['api_id']}/storage/", {"vendor": "GoFigr.io"})
    assert refusal(saved, 403) == denied("admin", "workspace")


def test_delete_is_204_and_cascades(owner):
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"abc"))
    assert owner.delete(f"workspace/{workspace['api_id']}/").status_code == 204
    assert refusal(owner.get(f"workspace/{workspace['api_id']}/"), 404) == no_such(
        "workspace", workspace["api_id"]
    )
    for kind, gone in (("analysis", analysis), ("figure", figure), ("revision", revision)):
        assert refusal(owner.get(f"{kind}/{gone['api_id']}/"), 404) == no_such(kind, gone["api_id"])
    assert workspace["api_id"] not in [w["api_id"] for w in owner.ok("workspace/")]


def test_other_users_workspace_is_403(owner, stranger):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/"
    assert refusal(stranger.get(path), 403) == denied("view", "workspace")
    assert refusal(stranger.put(path, {"name": "mine", "organization": None}), 403) == denied(
        "admin", "workspace"
    )
    assert refusal(stranger.patch(path, {"name": "mine"}), 403) == denied("admin", "workspace")
    assert refusal(stranger.delete(path), 403) == denied("own", "workspace")
    add_self = stranger.post(
        path + "members/add/", {"username": stranger.username, "membership_type": "owner"}
    )
    assert refusal(add_self, 403) == denied("admin", "workspace")
    assert workspace["api_id"] not in [w["api_id"] for w in stranger.ok("workspace/")]
    assert owner.ok(path)["name"] == workspace["name"]


def test_admin_cannot_delete_or_make_owners(owner, member):
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/"
    owner.post(path + "members/add/", {"username": member.username, "membership_type": "admin"})
    assert member.patch(path, {"description": "admin edit"}).status_code == 200
    assert refusal(member.delete(path), 403) == denied("own", "workspace")
    promote = member.post(path + "members/change/", {"username": member.username, "membership_type": "owner"})
    assert refusal(promote, 403) == "Only an owner can make another owner."


def test_admin_cannot_demote_or_remove_an_owner(owner, member, live_server):
    second_owner = new_user(live_server)
    workspace = owner.workspace()
    path = f"workspace/{workspace['api_id']}/members/"
    owner.post(path + "add/", {"username": second_owner.username, "membership_type": "owner"})
    owner.post(path + "add/", {"username": member.username, "membership_type": "admin"})
    removed = member.post(path + "remove/", {"username": owner.username, "membership_type": None})
    assert refusal(removed, 403) == "Only an owner can change or remove another owner."
    demoted = member.post(path + "change/", {"username": second_owner.username, "membership_type": "viewer"})
    assert refusal(demoted, 403) == "Only an owner can change or remove another owner."
    roles = {m["username"]: m["membership_type"] for m in owner.ok(path)}
    assert roles[owner.username] == roles[second_owner.username] == "owner"
    # an owner may step another owner down while one remains
    stepped = owner.post(path + "change/", {"username": second_owner.username, "membership_type": "viewer"})
    assert stepped.status_code == 200


def test_missing_is_404(owner):
    assert refusal(owner.get(f"workspace/{MISSING}/"), 404) == no_such("workspace", MISSING)
    assert refusal(owner.get("workspace/not-a-uuid/"), 404) == no_such("workspace", "not-a-uuid")
    assert refusal(owner.delete(f"workspace/{MISSING}/"), 404) == no_such("workspace", MISSING)
