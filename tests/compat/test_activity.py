"""Activity logs and "last child change" timestamps, as the official client reads them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from gofigr import FindByName

from tests.compat.conftest import unique


@pytest.fixture(scope="module")
def history(owner):
    """A workspace where each kind of change happened once, in a known order."""
    gf = owner.gf
    workspace = gf.find_workspace(FindByName(unique("activity ws"), create=True))
    analysis = workspace.get_analysis("Logged analysis")
    figure = analysis.get_figure("Logged figure")
    revision = figure.revisions.create(gf.Revision(data=[gf.TextData(name="t", contents="v1")]))
    doomed = figure.revisions.create(gf.Revision(data=[gf.TextData(name="t", contents="gone")]))

    analysis.description = "described"
    analysis.save()
    figure = gf.Figure(api_id=figure.api_id).fetch()
    figure.name = "Renamed figure"
    figure.save()
    revision = gf.Revision(api_id=revision.api_id).fetch()
    revision.metadata = {"step": 2}
    revision.save()
    doomed.delete(delete=True)
    return workspace, analysis, figure, revision, doomed


def _actions(logs) -> Counter:
    return Counter((item.target_type, item.action) for item in logs)


def test_workspace_log_holds_every_descendant_change(owner, history):
    workspace, analysis, figure, revision, doomed = history
    logs = workspace.get_logs()
    assert _actions(logs) == Counter(
        {
            ("workspace", "create"): 1,
            ("analysis", "create"): 1,
            ("figure", "create"): 1,
            ("revision", "create"): 2,
            ("analysis", "update"): 1,
            ("figure", "update"): 1,
            ("revision", "update"): 1,
            ("revision", "delete"): 1,
        }
    )
    by_target = {(item.target_id, item.action): item for item in logs}
    assert set(by_target) >= {
        (workspace.api_id, "create"),
        (analysis.api_id, "update"),
        (figure.api_id, "update"),
        (revision.api_id, "update"),
        (doomed.api_id, "delete"),
    }
    assert by_target[(doomed.api_id, "delete")].deleted is True
    assert all(item.username == owner.username for item in logs)
    now = datetime.now().astimezone()
    assert all(timedelta(0) <= now - item.timestamp < timedelta(minutes=5) for item in logs)
    assert by_target[(revision.api_id, "update")].analysis_id == analysis.api_id


def test_analysis_log_holds_itself_and_descendants_only(history):
    workspace, analysis, figure, revision, doomed = history
    logs = analysis.get_logs()
    assert {item.target_id for item in logs} == {
        analysis.api_id,
        figure.api_id,
        revision.api_id,
        doomed.api_id,
    }
    assert workspace.api_id not in {item.target_id for item in logs}


def test_log_item_can_be_fetched_on_its_own(history):
    workspace = history[0]
    item = workspace.get_logs()[-1]
    expected = item.to_json()
    item.target_id = None
    item.fetch()
    assert item.to_json() == expected


def test_silent_saves_add_no_log_entries(owner, history):
    gf = owner.gf
    workspace, analysis, figure, revision, _ = history
    before = len(workspace.get_logs())
    for handle in (
        gf.Workspace(api_id=workspace.api_id).fetch(),
        gf.Analysis(api_id=analysis.api_id).fetch(),
        gf.Figure(api_id=figure.api_id).fetch(),
    ):
        handle.description = "silently edited"
        handle.save(silent=True)
    silent_revision = gf.Revision(api_id=revision.api_id).fetch()
    silent_revision.metadata = {"silently": "edited"}
    silent_revision.save(silent=True)
    assert gf.Figure(api_id=figure.api_id).fetch().description == "silently edited"
    assert gf.Revision(api_id=revision.api_id).fetch().metadata == {"silently": "edited"}
    assert len(workspace.get_logs()) == before
    gf.Figure(api_id=figure.api_id).fetch().save()
    assert len(workspace.get_logs()) == before + 1


def test_child_updated_on_follows_revision_changes(owner):
    gf = owner.gf
    workspace = gf.find_workspace(FindByName(unique("propagation ws"), create=True))
    analysis = workspace.get_analysis("Propagation")
    figure = analysis.get_figure("Propagated")

    def parents():
        return [
            gf.Figure(api_id=figure.api_id).fetch(),
            gf.Analysis(api_id=analysis.api_id).fetch(),
            gf.Workspace(api_id=workspace.api_id).fetch(),
        ]

    revision = figure.revisions.create(gf.Revision(data=[gf.TextData(contents="1")]))
    created_on = gf.Revision(api_id=revision.api_id).fetch().created_on
    assert revision.created_on == created_on  # same precision in the POST and GET responses
    assert [(p.child_updated_on, p.child_updated_by) for p in parents()] == [(created_on, owner.username)] * 3

    stored = gf.Revision(api_id=revision.api_id).fetch()
    stored.metadata = {"changed": True}
    stored.save()
    updated_on = gf.Revision(api_id=revision.api_id).fetch().updated_on
    assert updated_on > created_on
    assert [p.child_updated_on for p in parents()] == [updated_on] * 3

    stored.delete(delete=True)
    after_delete = [p.child_updated_on for p in parents()]
    assert len(set(after_delete)) == 1 and after_delete[0] > updated_on
    assert datetime.now().astimezone() - after_delete[0] < timedelta(seconds=30)
