"""``asset/``: create with an empty revision list, nested revisions in creation order, find_by_name
with and without an analysis, read-only fields ignored, and sizes that follow deletes."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, denied, no_such, refusal, unique

MISSING = "00000000-0000-4000-8000-000000000000"


def test_create_is_201_with_empty_revisions(owner):
    workspace = owner.workspace()
    response = owner.post("asset/", {"name": "data.csv", "workspace": workspace["api_id"]})
    assert response.status_code == 201
    asset = response.json()
    assert asset["revisions"] == []
    assert asset["workspace"] == workspace["api_id"]
    assert asset["analysis"] is None
    assert asset["size_bytes"] == 0
    assert owner.ok(f"asset/{asset['api_id']}/")["created_on"] == asset["created_on"]
    listed = owner.ok(f"workspace/{workspace['api_id']}/")["assets"]
    assert [(a["api_id"], a["name"]) for a in listed] == [(asset["api_id"], "data.csv")]


def test_analysis_must_be_in_the_same_workspace(owner):
    workspace, analysis, _ = owner.tree()
    other = owner.workspace()
    scoped = owner.asset(workspace["api_id"], analysis_id=analysis["api_id"])
    assert scoped["analysis"] == analysis["api_id"]
    response = owner.post(
        "asset/", {"name": "x.csv", "workspace": other["api_id"], "analysis": analysis["api_id"]}
    )
    assert response.status_code == 400
    assert "analysis" in response.json()


def test_get_nests_revisions_in_creation_order(owner):
    asset = owner.asset(owner.workspace()["api_id"])
    made = [owner.asset_revision(asset["api_id"], f"rev{i}".encode()) for i in range(5)]
    detail = owner.ok(f"asset/{asset['api_id']}/")
    assert [r["api_id"] for r in detail["revisions"]] == [r["api_id"] for r in made]
    assert [r["revision_index"] for r in detail["revisions"]] == [0, 1, 2, 3, 4]  # from 0, as GoFigr
    assert all(r["asset"] == asset["api_id"] for r in detail["revisions"])
    assert all("data" not in d for r in detail["revisions"] for d in r["data"])
    assert detail["size_bytes"] == 20


def test_sizes_reach_the_workspace(owner):
    workspace = owner.workspace()
    asset = owner.asset(workspace["api_id"])
    for _ in range(5):
        owner.asset_revision(asset["api_id"], b"1234")
    assert owner.ok(f"asset/{asset['api_id']}/")["size_bytes"] == 20
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 20


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_ignores_read_only_fields(owner, method):
    asset = owner.asset(owner.workspace()["api_id"])
    owner.asset_revision(asset["api_id"], b"12345678")
    current = owner.ok(f"asset/{asset['api_id']}/")
    body = {**current, "description": "about", "size_bytes": 0, "revisions": [], "created_by": "mallory"}
    response = owner.request(method, f"asset/{asset['api_id']}", json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["description"] == "about"
    assert updated["size_bytes"] == 8
    assert updated["created_by"] == owner.username
    assert len(updated["revisions"]) == 1


class TestFindByName:
    @pytest.fixture(scope="class")
    @staticmethod
    def named(owner) -> dict:
        workspace, analysis, _ = owner.tree()
        name = unique("find") + ".csv"
        return {
            "name": name,
            "analysis": analysis,
            "plain": owner.asset(workspace["api_id"], name),
            "scoped": owner.asset(workspace["api_id"], name, analysis["api_id"]),
        }

    def test_without_analysis_finds_all(self, owner, named):
        response = owner.post("asset/find_by_name/", {"name": named["name"]})
        assert response.status_code == 200
        assert [a["api_id"] for a in response.json()] == [named["plain"]["api_id"], named["scoped"]["api_id"]]
        assert all(a["revisions"] == [] for a in response.json())

    def test_with_analysis_finds_only_scoped(self, owner, named):
        response = owner.post(
            "asset/find_by_name/", {"name": named["name"], "analysis": named["analysis"]["api_id"]}
        )
        assert response.status_code == 200
        assert [a["api_id"] for a in response.json()] == [named["scoped"]["api_id"]]

    def test_no_match_is_empty_list(self, owner):
        response = owner.post("asset/find_by_name/", {"name": unique("absent")})
        assert response.status_code == 200
        assert response.json() == []

    def test_other_users_assets_are_not_found(self, stranger, named):
        assert stranger.post("asset/find_by_name/", {"name": named["name"]}).json() == []

    def test_name_is_required(self, owner):
        response = owner.post("asset/find_by_name/", {})
        assert response.status_code == 400
        assert "name" in response.json()


def test_delete_cascades_and_shrinks_workspace(owner):
    workspace = owner.workspace()
    keep = owner.asset(workspace["api_id"])
    owner.asset_revision(keep["api_id"], b"keep")
    gone = owner.asset(workspace["api_id"])
    revision = owner.asset_revision(gone["api_id"], b"0123456789")
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 14
    assert owner.delete(f"asset/{gone['api_id']}/").status_code == 204
    assert refusal(owner.get(f"asset_revision/{revision['api_id']}/"), 404) == no_such(
        "asset revision", revision["api_id"]
    )
    assert refusal(owner.get(f"data/{revision['data'][0]['api_id']}/"), 404) == no_such(
        "data object", revision["data"][0]["api_id"]
    )
    after = owner.ok(f"workspace/{workspace['api_id']}/")
    assert after["size_bytes"] == 4
    assert [a["api_id"] for a in after["assets"]] == [keep["api_id"]]


def test_moving_an_analysis_carries_its_assets_and_their_bytes(owner):
    source, analysis, figure = owner.tree()
    target = owner.workspace()
    owner.revision(figure["api_id"], data_item(b"f" * 3))
    asset = owner.asset(source["api_id"], analysis_id=analysis["api_id"])
    owner.asset_revision(asset["api_id"], b"a" * 5)
    assert owner.ok(f"workspace/{source['api_id']}/")["size_bytes"] == 8
    assert owner.patch(f"analysis/{analysis['api_id']}/", {"workspace": target["api_id"]}).status_code == 200
    assert owner.ok(f"asset/{asset['api_id']}/")["workspace"] == target["api_id"]
    assert owner.ok(f"workspace/{source['api_id']}/")["size_bytes"] == 0
    assert owner.ok(f"workspace/{target['api_id']}/")["size_bytes"] == 8


def test_other_users_asset_is_403(owner, stranger):
    asset = owner.asset(owner.workspace()["api_id"])
    path = f"asset/{asset['api_id']}/"
    view, change = denied("view", "asset"), denied("create", "asset")
    assert refusal(stranger.get(path), 403) == view
    assert refusal(stranger.put(path, {"name": "x", "workspace": asset["workspace"]}), 403) == change
    assert refusal(stranger.patch(path, {"name": "x"}), 403) == change
    assert refusal(stranger.delete(path), 403) == change
    assert refusal(stranger.get(path + "thumbnail/64"), 403) == view
    assert refusal(stranger.post("asset_revision/", {"asset": asset["api_id"], "data": []}), 403) == change
    into_their_workspace = stranger.post("asset/", {"name": "x", "workspace": asset["workspace"]})
    assert refusal(into_their_workspace, 403) == denied("create", "workspace")
    assert owner.ok(path)["name"] == asset["name"]


def test_missing_is_404(owner):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert refusal(owner.request(method, f"asset/{MISSING}/", json={}), 404) == no_such("asset", MISSING)
