"""``workspace/<id>/dashboard/``: the overview's counts, recent activity and recent figures in one request."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, denied, no_such, refusal

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def filled(owner) -> dict:
    """A workspace with two analyses, three figures (one deleted later), revisions and an asset."""
    workspace = owner.workspace()
    first = owner.analysis(workspace["api_id"])
    second = owner.analysis(workspace["api_id"])
    old = owner.figure(first["api_id"], "old figure")
    doomed = owner.figure(first["api_id"], "doomed figure")
    new = owner.figure(second["api_id"], "new figure")
    owner.revision(old["api_id"], data_item(b"one"))
    owner.revision(new["api_id"], data_item(b"two"))
    owner.revision(new["api_id"], data_item(b"three"))
    owner.asset(workspace["api_id"])
    assert owner.delete(f"figure/{doomed['api_id']}/").status_code == 204
    return {"workspace": workspace, "old": old, "new": new, "doomed": doomed}


def dashboard(api, workspace: dict, query: str = "") -> dict:
    return api.ok(f"workspace/{workspace['api_id']}/dashboard/{query}")


def test_overview_matches_the_overview_endpoint(owner, filled):
    workspace = filled["workspace"]
    board = dashboard(owner, workspace)
    assert board["overview"] == owner.ok(f"workspace/{workspace['api_id']}/overview/")
    counts = board["overview"]
    assert (counts["analysis_count"], counts["figure_count"], counts["revision_count"]) == (2, 2, 3)
    assert (counts["asset_count"], counts["member_count"]) == (1, 1)


def test_recent_figures_most_recently_changed_first(owner, filled):
    figures = dashboard(owner, filled["workspace"])["recent_figures"]
    assert [f["name"] for f in figures] == ["new figure", "old figure"]
    assert figures[0]["api_id"] == filled["new"]["api_id"]


def test_activity_is_newest_first_and_limited(owner, filled):
    activity = dashboard(owner, filled["workspace"])["activity"]
    assert len(activity) == 10
    assert activity[0]["action"] == "delete"
    assert activity[0]["target_name"] == "doomed figure"
    timestamps = [entry["timestamp"] for entry in activity]
    assert timestamps == sorted(timestamps, reverse=True)
    assert len(dashboard(owner, filled["workspace"], "?activity_limit=3")["activity"]) == 3
    everything = dashboard(owner, filled["workspace"], "?activity_limit=50")["activity"]
    assert len(everything) == len(owner.ok(f"workspace/{filled['workspace']['api_id']}/log/"))


def test_exclude_deleted_drops_everything_about_deleted_objects(owner, filled):
    doomed = filled["doomed"]["api_id"]
    full = dashboard(owner, filled["workspace"], "?activity_limit=50")["activity"]
    assert {e["action"] for e in full if e["target_id"] == doomed} == {"create", "delete"}
    kept = dashboard(owner, filled["workspace"], "?activity_limit=50&exclude_deleted=true")["activity"]
    assert all(e["target_id"] != doomed for e in kept)
    assert len(kept) == len(full) - 2


@pytest.mark.parametrize("query", ["?activity_limit=51", "?activity_limit=0", "?activity_limit=many"])
def test_bad_activity_limit_names_the_field(owner, filled, query):
    response = owner.get(f"workspace/{filled['workspace']['api_id']}/dashboard/{query}")
    assert response.status_code == 400
    assert list(response.json()) == ["activity_limit"]


def test_strangers_are_refused(stranger, filled):
    assert refusal(stranger.get(f"workspace/{filled['workspace']['api_id']}/dashboard/"), 403) == denied(
        "view", "workspace"
    )
    assert refusal(stranger.get(f"workspace/{MISSING}/dashboard/"), 404) == no_such("workspace", MISSING)
