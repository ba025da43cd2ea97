"""``analysis/``: create with an empty figure list, nested figures, read-only fields ignored on update,
moves between workspaces, and cascading deletes that shrink the workspace."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, denied, new_user, no_such, refusal, when

MISSING = "00000000-0000-4000-8000-000000000000"


def test_create_is_201_with_empty_figures(owner):
    workspace = owner.workspace()
    response = owner.post(
        "analysis/", {"name": "Script Analysis", "description": "", "workspace": workspace["api_id"]}
    )
    assert response.status_code == 201
    analysis = response.json()
    assert analysis["figures"] == []
    assert analysis["size_bytes"] == 0
    assert analysis["updated_on"] is None and analysis["updated_by"] is None
    assert analysis["workspace"] == workspace["api_id"]
    assert analysis["description"] == ""
    assert analysis["created_by"] == owner.username
    assert owner.ok(f"analysis/{analysis['api_id']}/")["created_on"] == analysis["created_on"]


def test_create_needs_a_workspace(owner):
    response = owner.post("analysis/", {"name": "x"})
    assert response.status_code == 400
    assert "workspace" in response.json()
    missing = owner.post("analysis/", {"name": "x", "workspace": MISSING})
    assert missing.status_code == 400
    assert "workspace" in missing.json()


def test_get_nests_figure_objects(owner):
    _, analysis, figure = owner.tree()
    second = owner.figure(analysis["api_id"], "Second")
    detail = owner.ok(f"analysis/{analysis['api_id']}/")
    assert [f["api_id"] for f in detail["figures"]] == [figure["api_id"], second["api_id"]]
    assert [f["name"] for f in detail["figures"]] == [figure["name"], "Second"]
    assert all(f["analysis"] == analysis["api_id"] for f in detail["figures"])


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_ignores_read_only_fields(owner, method):
    _, analysis, figure = owner.tree()
    owner.revision(figure["api_id"], data_item(b"12345"))
    current = owner.ok(f"analysis/{analysis['api_id']}/")
    assert current["size_bytes"] == 5
    body = {
        **current,
        "description": "changed",
        "size_bytes": 123456,
        "created_by": "mallory",
        "created_on": "2001-01-01 00:00:00+00:00",
        "updated_on": "2001-01-01 00:00:00+00:00",
        "child_updated_on": "2001-01-01 00:00:00+00:00",
        "api_id": MISSING,
        "_shallow": False,
        "figures": [],
    }
    response = owner.request(method, f"analysis/{analysis['api_id']}/", json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["description"] == "changed"
    assert updated["size_bytes"] == 5
    assert updated["api_id"] == analysis["api_id"]
    assert updated["created_by"] == owner.username
    assert updated["created_on"] == analysis["created_on"]
    assert updated["updated_by"] == owner.username
    assert when(updated["updated_on"]) > when(analysis["created_on"])
    assert [f["api_id"] for f in updated["figures"]] == [figure["api_id"]]
    assert owner.ok(f"analysis/{analysis['api_id']}/") == updated


def test_partial_patch(owner):
    _, analysis, _ = owner.tree()
    response = owner.patch(
        f"analysis/{analysis['api_id']}", {"api_id": analysis["api_id"], "description": "d2"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == analysis["name"]
    assert response.json()["description"] == "d2"


def test_move_to_another_workspace_carries_size(owner):
    source, analysis, figure = owner.tree()
    target = owner.workspace()
    owner.revision(figure["api_id"], data_item(b"x" * 40))
    assert owner.ok(f"workspace/{source['api_id']}/")["size_bytes"] == 40
    response = owner.patch(f"analysis/{analysis['api_id']}/", {"workspace": target["api_id"]})
    assert response.status_code == 200
    assert response.json()["workspace"] == target["api_id"]
    assert owner.ok(f"workspace/{source['api_id']}/")["size_bytes"] == 0
    assert owner.ok(f"workspace/{target['api_id']}/")["size_bytes"] == 40
    assert [a["api_id"] for a in owner.ok(f"workspace/{target['api_id']}/")["analyses"]] == [
        analysis["api_id"]
    ]


def test_move_into_a_foreign_workspace_is_403(owner, stranger):
    _, analysis, _ = owner.tree()
    theirs = stranger.workspace()
    response = owner.patch(f"analysis/{analysis['api_id']}/", {"workspace": theirs["api_id"]})
    assert refusal(response, 403) == denied("create", "workspace")
    assert owner.ok(f"analysis/{analysis['api_id']}/")["workspace"] == analysis["workspace"]


def test_delete_cascades_and_shrinks_workspace(owner):
    workspace = owner.workspace()
    keep = owner.analysis(workspace["api_id"])
    keep_figure = owner.figure(keep["api_id"])
    owner.revision(keep_figure["api_id"], data_item(b"k" * 7))
    gone = owner.analysis(workspace["api_id"])
    figure = owner.figure(gone["api_id"])
    revisions = [owner.revision(figure["api_id"], data_item(b"g" * 10)) for _ in range(2)]
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 27
    assert owner.delete(f"analysis/{gone['api_id']}").status_code == 204
    assert refusal(owner.get(f"analysis/{gone['api_id']}/"), 404) == no_such("analysis", gone["api_id"])
    assert refusal(owner.get(f"figure/{figure['api_id']}/"), 404) == no_such("figure", figure["api_id"])
    for revision in revisions:
        assert refusal(owner.get(f"revision/{revision['api_id']}/"), 404).startswith("No revision with id")
        assert refusal(owner.get(f"data/{revision['data'][0]['api_id']}/"), 404).startswith("No data object")
    after = owner.ok(f"workspace/{workspace['api_id']}/")
    assert after["size_bytes"] == 7
    assert [a["api_id"] for a in after["analyses"]] == [keep["api_id"]]


def test_log_holds_analysis_and_descendants(owner):
    _, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"abc"))
    log = owner.ok(f"analysis/{analysis['api_id']}/log/")
    assert {(i["action"], i["target_id"]) for i in log} == {
        ("create", analysis["api_id"]),
        ("create", figure["api_id"]),
        ("create", revision["api_id"]),
    }
    assert all(i["analysis_id"] == analysis["api_id"] for i in log)


@pytest.fixture(scope="module")
def foreign(owner) -> dict:
    """An analysis of ``owner`` in a secondary workspace."""
    _, analysis, _ = owner.tree()
    return analysis


def test_other_users_analysis_is_403(owner, stranger, foreign):
    path = f"analysis/{foreign['api_id']}/"
    view, change = denied("view", "analysis"), denied("create", "analysis")
    assert refusal(stranger.get(path), 403) == view
    assert refusal(stranger.put(path, {"name": "x", "workspace": foreign["workspace"]}), 403) == change
    assert refusal(stranger.patch(path, {"name": "x"}), 403) == change
    assert refusal(stranger.delete(path), 403) == change
    assert refusal(stranger.get(path + "thumbnail/64"), 403) == view
    assert refusal(stranger.get(path + "log/"), 403) == view
    assert refusal(stranger.post("figure/", {"name": "x", "analysis": foreign["api_id"]}), 403) == change
    assert owner.ok(path)["name"] == foreign["name"]


def test_member_of_another_workspace_is_403(live_server, owner, foreign):
    """Being a member of one of the owner's workspaces grants nothing in the others."""
    colleague = new_user(live_server)
    shared = owner.workspace()
    owner.post(
        f"workspace/{shared['api_id']}/members/add/",
        {"username": colleague.username, "membership_type": "admin"},
    )
    assert colleague.get(f"workspace/{shared['api_id']}/").status_code == 200
    path = f"analysis/{foreign['api_id']}/"
    assert refusal(colleague.get(path), 403) == denied("view", "analysis")
    assert refusal(colleague.patch(path, {"workspace": shared["api_id"]}), 403) == denied(
        "create", "analysis"
    )
    assert refusal(colleague.delete(path), 403) == denied("create", "analysis")
    assert owner.ok(path)["workspace"] == foreign["workspace"]


def test_list_shows_only_visible(owner, stranger, foreign):
    assert foreign["api_id"] in [a["api_id"] for a in owner.ok("analysis/")]
    assert foreign["api_id"] not in [a["api_id"] for a in stranger.ok("analysis/")]


def test_missing_is_404(owner):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert refusal(owner.request(method, f"analysis/{MISSING}/", json={}), 404) == (
            no_such("analysis", MISSING)
        )
    assert refusal(owner.get(f"analysis/{MISSING}/thumbnail/64"), 404) == no_such("analysis", MISSING)


def test_a_log_lists_each_entry_as_the_entry_itself_answers(owner):
    """log/ is built without a serializer per row (catalog.common.log_items); log/<id>/ goes through
    LogItemSerializer: the two agree field for field, deleted entries and all."""
    workspace, analysis, figure = owner.tree()
    owner.revision(figure["api_id"], data_item(b"x"))
    doomed = owner.figure(analysis["api_id"])
    owner.delete(f"figure/{doomed['api_id']}/")
    path = f"workspace/{workspace['api_id']}/log/"
    listed = owner.ok(path)
    assert len(listed) >= 4 and any(entry["deleted"] for entry in listed)
    assert listed == [owner.ok(f"{path}{entry['api_id']}/") for entry in listed]
