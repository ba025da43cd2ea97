"""Workspaces, members, analyses and figures, driven by the official client's own lookup helpers."""

from __future__ import annotations

import pytest
from gofigr import FindByName, UnauthorizedError, WorkspaceMembership

from tests.compat.conftest import unique


@pytest.fixture(scope="module")
def workspace(owner):
    """A secondary workspace for this module's analyses and figures."""
    return owner.gf.find_workspace(FindByName(unique("catalog ws"), create=True))


def _names(objects) -> list[str]:
    return [obj.name for obj in objects]


def test_primary_workspace_exists_and_is_owned(owner):
    primary = owner.gf.primary_workspace
    assert primary.workspace_type == "primary"
    assert "primary" in primary.name.lower()
    members = primary.get_members()
    assert [(m.username, m.membership_type) for m in members] == [(owner.username, WorkspaceMembership.OWNER)]
    assert [w.workspace_type for w in owner.gf.workspaces].count("primary") == 1


def test_find_workspace_by_name_creates_once(owner):
    name = unique("secondary")
    with pytest.raises(RuntimeError, match="Could not find"):
        owner.gf.find_workspace(FindByName(name))  # create defaults to False
    created = owner.gf.find_workspace(FindByName(name, description="made by a test", create=True))
    assert created.workspace_type == "secondary"
    assert list(created.analyses) == []
    again = owner.gf.find_workspace(FindByName(name, create=True))
    by_string = owner.gf.find_workspace(name)
    assert again.api_id == created.api_id == by_string.api_id
    assert _names(owner.gf.workspaces).count(name) == 1
    fetched = owner.gf.Workspace(api_id=created.api_id).fetch()
    assert (fetched.name, fetched.description) == (name, "made by a test")
    assert [(m.username, m.membership_type) for m in fetched.get_members()] == [(owner.username, "owner")]


def test_workspace_members_add_change_remove(owner, other, workspace):
    with pytest.raises(UnauthorizedError):
        other.gf.Workspace(api_id=workspace.api_id).fetch()

    added = workspace.add_member(other.username, WorkspaceMembership.VIEWER)
    assert (added.username, added.membership_type) == (other.username, "viewer")
    assert {m.username: m.membership_type for m in workspace.get_members()} == {
        owner.username: "owner",
        other.username: "viewer",
    }
    seen = other.gf.Workspace(api_id=workspace.api_id).fetch()
    assert seen.name == workspace.name
    with pytest.raises(UnauthorizedError):  # a viewer cannot add content
        other.gf.Analysis(name="viewer's analysis", workspace=seen).create()

    changed = workspace.change_membership(other.username, WorkspaceMembership.CREATOR)
    assert changed.membership_type == "creator"
    analysis = other.gf.Analysis(name=unique("creator's analysis"), workspace=seen).create()
    assert analysis.api_id in {a.api_id for a in workspace.fetch().analyses}

    workspace.remove_member(other.username)
    assert [m.username for m in workspace.get_members()] == [owner.username]
    with pytest.raises(UnauthorizedError):
        other.gf.Workspace(api_id=workspace.api_id).fetch()
    assert workspace.api_id not in {w.api_id for w in other.gf.workspaces}


def test_find_analysis_by_name_does_not_duplicate(owner, workspace):
    name = unique("analysis")
    first = owner.gf.find_analysis(workspace, FindByName(name, create=True))
    assert first.workspace.api_id == workspace.api_id
    assert list(first.figures) == []
    second = owner.gf.find_analysis(
        owner.gf.Workspace(api_id=workspace.api_id).fetch(), FindByName(name, create=True)
    )
    third = owner.gf.find_analysis(owner.gf.Workspace(api_id=workspace.api_id).fetch(), name)
    assert first.api_id == second.api_id == third.api_id
    assert _names(workspace.fetch().analyses).count(name) == 1


def test_find_figure_by_name_does_not_duplicate(owner, workspace):
    analysis = workspace.get_analysis(unique("figures"))
    name = unique("figure")
    first = owner.gf.find_figure(analysis, FindByName(name, create=True))
    assert first.analysis.api_id == analysis.api_id
    second = owner.gf.find_figure(
        owner.gf.Analysis(api_id=analysis.api_id).fetch(), FindByName(name, create=True)
    )
    third = owner.gf.find_figure(owner.gf.Analysis(api_id=analysis.api_id).fetch(), name)
    assert first.api_id == second.api_id == third.api_id
    assert _names(analysis.fetch().figures) == [name]


def test_figure_create_fetch_rename_delete(owner, workspace):
    analysis = workspace.get_analysis(unique("lifecycle"))
    figure = analysis.figures.create(owner.gf.Figure(name="Before", description="first draft"))
    assert figure.api_id and figure.created_by == owner.username
    assert figure.updated_on is None

    fetched = owner.gf.Figure(api_id=figure.api_id).fetch()
    assert (fetched.name, fetched.description, fetched.analysis.api_id) == (
        "Before",
        "first draft",
        analysis.api_id,
    )
    assert fetched.created_on == figure.created_on

    fetched.name = "After"
    fetched.size_bytes = 123456  # read-only: the server must ignore it
    fetched.save()
    renamed = owner.gf.Figure(api_id=figure.api_id).fetch()
    assert renamed.name == "After"
    assert renamed.size_bytes == 0
    assert renamed.updated_by == owner.username and renamed.updated_on >= renamed.created_on
    assert _names(analysis.fetch().figures) == ["After"]

    renamed.delete(delete=True)
    with pytest.raises(RuntimeError, match="404"):
        owner.gf.Figure(api_id=figure.api_id).fetch()
    assert list(analysis.fetch().figures) == []


def test_analysis_update_and_delete(owner, workspace):
    analysis = workspace.get_analysis(unique("to delete"))
    analysis.description = "now described"
    analysis.save(patch=True)
    assert owner.gf.Analysis(api_id=analysis.api_id).fetch().description == "now described"
    analysis.delete(delete=True)
    assert analysis.api_id not in {a.api_id for a in workspace.fetch().analyses}


def test_moving_an_analysis_carries_its_bytes_and_scoped_assets(owner):
    gf = owner.gf
    source = gf.find_workspace(FindByName(unique("move from"), create=True))
    target = gf.find_workspace(FindByName(unique("move to"), create=True))
    analysis = source.get_analysis("Travelling")
    analysis.get_figure("Fig").revisions.create(gf.Revision(data=[gf.TextData(contents="1234567")]))
    asset = gf.Asset(name="scoped.csv", workspace=source, analysis=analysis).create()
    gf.AssetRevision(asset=asset, data=[gf.FileData(name="scoped.csv", data=b"12345")]).create()
    assert (source.fetch().size_bytes, target.fetch().size_bytes) == (12, 0)

    moving = gf.Analysis(api_id=analysis.api_id).fetch()
    moving.workspace = target
    moving.save()
    assert gf.Analysis(api_id=analysis.api_id).fetch().workspace.api_id == target.api_id
    assert gf.Asset(api_id=asset.api_id).fetch().workspace.api_id == target.api_id
    assert (source.fetch().size_bytes, target.fetch().size_bytes) == (0, 12)
    assert [a.name for a in target.analyses] == ["Travelling"] and list(source.analyses) == []

    gf.Asset(api_id=asset.api_id).delete(delete=True)
    gf.Analysis(api_id=analysis.api_id).delete(delete=True)
    assert (source.fetch().size_bytes, target.fetch().size_bytes) == (0, 0)


def test_moving_a_figure_between_analyses_moves_its_bytes(owner, workspace):
    gf = owner.gf
    first, second = workspace.get_analysis(unique("from")), workspace.get_analysis(unique("to"))
    figure = first.get_figure("Mover")
    figure.revisions.create(gf.Revision(data=[gf.TextData(contents="123")]))
    before = workspace.fetch().size_bytes
    moving = gf.Figure(api_id=figure.api_id).fetch()
    moving.analysis = second
    moving.save()
    assert gf.Analysis(api_id=first.api_id).fetch().size_bytes == 0
    assert gf.Analysis(api_id=second.api_id).fetch().size_bytes == 3
    assert [f.name for f in second.fetch().figures] == ["Mover"]
    assert workspace.fetch().size_bytes == before


def test_recents_list_newest_first(owner):
    gf = owner.gf
    workspace = gf.find_workspace(FindByName(unique("recents ws"), create=True))
    for i in range(3):
        workspace.get_analysis(f"Analysis {i}").get_figure(f"Figure {i}")
    recents = workspace.get_recents()
    assert [a.name for a in recents.analyses] == ["Analysis 2", "Analysis 1", "Analysis 0"]
    assert [f.name for f in recents.figures] == ["Figure 2", "Figure 1", "Figure 0"]
    limited = workspace.get_recents(limit=1)
    assert [a.name for a in limited.analyses] == ["Analysis 2"]
    assert [f.name for f in limited.figures] == ["Figure 2"]
