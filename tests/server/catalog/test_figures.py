"""``figure/``: create with an empty revision list, revisions nested in creation order (without data
payloads), read-only fields ignored, moves between analyses, and cascading deletes."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, denied, no_such, refusal

MISSING = "00000000-0000-4000-8000-000000000000"


def test_create_is_201_with_empty_revisions(owner):
    _, analysis, _ = owner.tree()
    response = owner.post("figure/", {"name": "Quadratic", "analysis": analysis["api_id"]})
    assert response.status_code == 201
    figure = response.json()
    assert figure["revisions"] == []
    assert figure["analysis"] == analysis["api_id"]
    assert figure["size_bytes"] == 0
    assert figure["description"] is None
    assert figure["updated_on"] is None
    assert owner.ok(f"figure/{figure['api_id']}/")["created_on"] == figure["created_on"]


def test_create_touches_parents(owner):
    workspace, analysis, _ = owner.tree()
    figure = owner.figure(analysis["api_id"])
    assert owner.ok(f"analysis/{analysis['api_id']}/")["child_updated_by"] == owner.username
    assert owner.ok(f"workspace/{workspace['api_id']}/")["child_updated_on"] is not None
    assert figure["api_id"] in [f["api_id"] for f in owner.ok(f"analysis/{analysis['api_id']}/")["figures"]]


def test_create_with_missing_analysis_is_400(owner):
    response = owner.post("figure/", {"name": "x", "analysis": MISSING})
    assert response.status_code == 400
    assert "analysis" in response.json()


def test_get_nests_revisions_in_creation_order_without_payloads(owner):
    _, _, figure = owner.tree()
    revisions = [owner.revision(figure["api_id"], data_item(f"r{i}".encode())) for i in range(3)]
    detail = owner.ok(f"figure/{figure['api_id']}/")
    assert [r["api_id"] for r in detail["revisions"]] == [r["api_id"] for r in revisions]
    assert [r["revision_index"] for r in detail["revisions"]] == [0, 1, 2]
    for summary in detail["revisions"]:
        assert summary["figure"] == figure["api_id"]
        assert summary["size_bytes"] == 2
        assert summary["is_processing"] is False
        assert "data" not in summary
    assert detail["size_bytes"] == 6
    fetched = owner.ok(f"revision/{revisions[0]['api_id']}/")
    summary = detail["revisions"][0]
    assert {k: summary[k] for k in ("created_on", "created_by", "short_id", "metadata")} == {
        k: fetched[k] for k in ("created_on", "created_by", "short_id", "metadata")
    }


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_ignores_read_only_fields(owner, method):
    _, _, figure = owner.tree()
    owner.revision(figure["api_id"], data_item(b"abc"))
    current = owner.ok(f"figure/{figure['api_id']}/")
    body = {
        **current,
        "name": "New name",
        "size_bytes": 1,
        "revisions": [],
        "created_on": "2001-01-01 00:00:00+00:00",
    }
    response = owner.request(method, f"figure/{figure['api_id']}", json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["name"] == "New name"
    assert updated["size_bytes"] == 3
    assert updated["created_on"] == figure["created_on"]
    assert len(updated["revisions"]) == 1
    assert updated["updated_by"] == owner.username


def test_move_to_another_analysis_carries_size(owner):
    workspace, source, figure = owner.tree()
    target = owner.analysis(workspace["api_id"])
    owner.revision(figure["api_id"], data_item(b"m" * 11))
    response = owner.patch(f"figure/{figure['api_id']}/", {"analysis": target["api_id"]})
    assert response.status_code == 200
    assert owner.ok(f"analysis/{source['api_id']}/")["size_bytes"] == 0
    assert owner.ok(f"analysis/{target['api_id']}/")["size_bytes"] == 11
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 11


def test_delete_cascades_and_shrinks_parents(owner):
    workspace, analysis, keep = owner.tree()
    owner.revision(keep["api_id"], data_item(b"k" * 3))
    gone = owner.figure(analysis["api_id"])
    revision = owner.revision(gone["api_id"], data_item(b"g" * 20), data_item(b"h" * 5))
    assert owner.ok(f"analysis/{analysis['api_id']}/")["size_bytes"] == 28
    assert owner.delete(f"figure/{gone['api_id']}/").status_code == 204
    assert refusal(owner.get(f"revision/{revision['api_id']}/"), 404) == no_such(
        "revision", revision["api_id"]
    )
    assert refusal(owner.get(f"data/{revision['data'][1]['api_id']}/"), 404) == no_such(
        "data object", revision["data"][1]["api_id"]
    )
    after = owner.ok(f"analysis/{analysis['api_id']}/")
    assert after["size_bytes"] == 3
    assert [f["api_id"] for f in after["figures"]] == [keep["api_id"]]
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 3


def test_other_users_figure_is_403(owner, stranger):
    _, _, figure = owner.tree()
    path = f"figure/{figure['api_id']}/"
    view, change = denied("view", "figure"), denied("create", "figure")
    assert refusal(stranger.get(path), 403) == view
    assert refusal(stranger.put(path, {"name": "x", "analysis": figure["analysis"]}), 403) == change
    assert refusal(stranger.patch(path, {"name": "x"}), 403) == change
    assert refusal(stranger.delete(path), 403) == change
    assert refusal(stranger.get(path + "thumbnail/32"), 403) == view
    assert refusal(stranger.post("revision/", {"figure": figure["api_id"], "data": []}), 403) == change
    assert owner.ok(path)["name"] == figure["name"]


def test_move_into_a_foreign_analysis_is_403(owner, stranger):
    _, _, figure = owner.tree()
    _, theirs, _ = stranger.tree()
    assert refusal(owner.patch(f"figure/{figure['api_id']}/", {"analysis": theirs["api_id"]}), 403) == denied(
        "create", "analysis"
    )
    assert owner.ok(f"figure/{figure['api_id']}/")["analysis"] == figure["analysis"]


def test_missing_is_404(owner):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert refusal(owner.request(method, f"figure/{MISSING}/", json={}), 404) == no_such(
            "figure", MISSING
        )
    assert refusal(owner.get(f"figure/{MISSING}/thumbnail/64"), 404) == no_such("figure", MISSING)
