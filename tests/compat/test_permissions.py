"""Two users: everything of A's is 403 to B unless shared, and data objects are immutable (405)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from gofigr import FindByName, GoFigr, MethodNotAllowedError, UnauthorizedError

from tests.compat.conftest import unique

KINDS = ["workspace", "analysis", "figure", "revision", "asset", "asset_revision"]
THUMBNAIL_KINDS = ["analysis", "figure", "revision", "asset", "asset_revision"]


@pytest.fixture(scope="module")
def mine(owner):
    """A's tree: workspace > analysis > figure > revision (with data), and an asset with one revision."""
    gf = owner.gf
    workspace = gf.find_workspace(FindByName(unique("private ws"), create=True))
    analysis = workspace.get_analysis("Private analysis")
    figure = analysis.get_figure("Private figure")
    revision = figure.revisions.create(gf.Revision(data=[gf.TextData(name="secret", contents="top secret")]))
    asset = gf.Asset(name=unique("private.csv"), workspace=workspace).create()
    asset_revision = gf.AssetRevision(asset=asset, data=[gf.FileData(name="private.csv", data=b"a,b\n1,2\n")])
    asset_revision.create()
    return SimpleNamespace(
        workspace=workspace,
        analysis=analysis,
        figure=figure,
        revision=revision,
        data=gf.Revision(api_id=revision.api_id).fetch().data[0],  # the local copy has no server id
        asset=asset,
        asset_revision=asset_revision,
    )


def _stranger_copy(other, mine, kind: str):
    """B's client-side handle on one of A's objects, carrying enough fields for a PUT."""
    gf = other.gf
    ident = getattr(mine, kind).api_id
    return {
        "workspace": lambda: gf.Workspace(api_id=ident, name="taken over", organization=None),
        "analysis": lambda: gf.Analysis(
            api_id=ident, name="taken over", workspace=gf.Workspace(api_id=mine.workspace.api_id)
        ),
        "figure": lambda: gf.Figure(
            api_id=ident, name="taken over", analysis=gf.Analysis(api_id=mine.analysis.api_id)
        ),
        "revision": lambda: gf.Revision(api_id=ident, figure=gf.Figure(api_id=mine.figure.api_id), data=[]),
        "asset": lambda: gf.Asset(
            api_id=ident, name="taken over", workspace=gf.Workspace(api_id=mine.workspace.api_id)
        ),
        "asset_revision": lambda: gf.AssetRevision(
            api_id=ident, asset=gf.Asset(api_id=mine.asset.api_id), data=[]
        ),
    }[kind]()


@pytest.mark.parametrize("kind", KINDS)
def test_stranger_cannot_view_update_or_delete(other, owner, mine, kind):
    handle = _stranger_copy(other, mine, kind)
    with pytest.raises(UnauthorizedError):
        handle.fetch()
    with pytest.raises(UnauthorizedError):
        handle.save()
    with pytest.raises(UnauthorizedError):
        handle.save(patch=True)
    with pytest.raises(UnauthorizedError):
        handle.delete(delete=True)
    original = getattr(mine, kind)
    assert type(original)(api_id=original.api_id).fetch().api_id == original.api_id  # still there, unchanged
    if hasattr(original, "name"):
        assert type(original)(api_id=original.api_id).fetch().name == original.name


@pytest.mark.parametrize("kind", THUMBNAIL_KINDS)
def test_stranger_cannot_get_thumbnails(other, owner, mine, kind):
    with pytest.raises(UnauthorizedError):
        _stranger_copy(other, mine, kind).get_thumbnail(64)
    getattr(mine, kind).get_thumbnail(64)  # the owner may: no exception


def test_stranger_cannot_read_logs_members_or_data(other, mine):
    gf = other.gf
    with pytest.raises(UnauthorizedError):
        gf.Workspace(api_id=mine.workspace.api_id).get_logs()
    with pytest.raises(UnauthorizedError):
        gf.Analysis(api_id=mine.analysis.api_id).get_logs()
    with pytest.raises(UnauthorizedError):
        gf.Workspace(api_id=mine.workspace.api_id).get_members()
    with pytest.raises(UnauthorizedError):
        gf.Data(api_id=mine.data.api_id).fetch()
    with pytest.raises(UnauthorizedError):
        gf.Revision(api_id=mine.revision.api_id).get_sharing_users()


def test_stranger_cannot_create_inside_someone_elses_tree(other, mine):
    gf = other.gf
    with pytest.raises(UnauthorizedError):
        gf.Analysis(name="intruder", workspace=gf.Workspace(api_id=mine.workspace.api_id)).create()
    with pytest.raises(UnauthorizedError):
        gf.Figure(name="intruder", analysis=gf.Analysis(api_id=mine.analysis.api_id)).create()
    with pytest.raises(UnauthorizedError):
        gf.Revision(figure=gf.Figure(api_id=mine.figure.api_id), data=[gf.TextData(contents="x")]).create()
    with pytest.raises(UnauthorizedError):
        gf.Asset(name="intruder.csv", workspace=gf.Workspace(api_id=mine.workspace.api_id)).create()
    with pytest.raises(UnauthorizedError):
        gf.AssetRevision(
            asset=gf.Asset(api_id=mine.asset.api_id), data=[gf.FileData(name="x", data=b"x")]
        ).create()
    with pytest.raises(UnauthorizedError):
        gf.Figure(api_id=mine.figure.api_id).share(other.username)


def test_stranger_cannot_find_someone_elses_assets(owner, other, mine):
    digest = mine.asset_revision.data[0].calculate_hash()
    assert [r.api_id for r in owner.gf.AssetRevision.find_by_hash(digest)] == [mine.asset_revision.api_id]
    assert other.gf.AssetRevision.find_by_hash(digest) == []
    assert other.gf.Asset.find_by_name(mine.asset.name) == []


def test_stranger_cannot_link_someone_elses_asset_revision(other, mine):
    gf = other.gf
    own_figure = gf.find_workspace(None).get_analysis(unique("linking")).get_figure("Mine")
    link = gf.AssetLinkedToFigure(
        use_type="indirect", asset_revision=gf.AssetRevision(api_id=mine.asset_revision.api_id)
    )
    with pytest.raises(UnauthorizedError):
        own_figure.revisions.create(gf.Revision(data=[gf.TextData(contents="x")], assets=[link]))
    assert len(gf.Figure(api_id=own_figure.api_id).fetch().revisions) == 0

    allowed = own_figure.revisions.create(gf.Revision(data=[gf.TextData(contents="x")], assets=[]))
    stored = gf.Revision(api_id=allowed.api_id).fetch()
    stored.assets = [link]
    with pytest.raises(UnauthorizedError):
        stored.save()
    assert list(gf.Revision(api_id=allowed.api_id).fetch().assets) == []
    assert list(mine.asset_revision.fetch().figure_revisions) == []


def test_sharing_a_figure_grants_read_only_access_until_unshared(owner, other, mine):
    figure = owner.gf.Figure(api_id=mine.figure.api_id).fetch()
    shared = figure.share(other.username)
    assert (shared.username, shared.sharing_enabled) == (other.username, True)
    assert [(u.username, u.sharing_enabled) for u in figure.get_sharing_users()] == [(other.username, True)]

    seen = other.gf.Figure(api_id=figure.api_id).fetch()
    assert seen.name == figure.name
    assert [r.api_id for r in seen.revisions] == [mine.revision.api_id]
    revision = other.gf.Revision(api_id=mine.revision.api_id).fetch()  # with its data
    assert [d.contents for d in revision.text_data] == ["top secret"]

    seen.name = "renamed by a reader"
    with pytest.raises(UnauthorizedError):
        seen.save()
    with pytest.raises(UnauthorizedError):
        other.gf.Figure(api_id=figure.api_id).delete(delete=True)
    with pytest.raises(UnauthorizedError):
        other.gf.Revision(
            figure=other.gf.Figure(api_id=figure.api_id), data=[other.gf.TextData(contents="x")]
        ).create()
    with pytest.raises(UnauthorizedError):  # a share covers the figure, not its analysis or workspace
        other.gf.Analysis(api_id=mine.analysis.api_id).fetch()
    assert owner.gf.Figure(api_id=figure.api_id).fetch().name == figure.name

    unshared = figure.unshare(other.username)
    assert unshared.sharing_enabled is False
    assert figure.get_sharing_users() == []
    with pytest.raises(UnauthorizedError):
        other.gf.Figure(api_id=figure.api_id).fetch()
    with pytest.raises(UnauthorizedError):
        other.gf.Revision(api_id=mine.revision.api_id).fetch()


@pytest.mark.parametrize("who", ["owner", "other"])
def test_data_objects_are_immutable(request, owner, mine, who):
    account = request.getfixturevalue(who)
    handle = account.gf.Data(api_id=mine.data.api_id, name="changed", type="text", data=b"changed")
    with pytest.raises(MethodNotAllowedError):
        handle.save()
    with pytest.raises(MethodNotAllowedError):
        handle.save(patch=True)
    with pytest.raises(MethodNotAllowedError):
        handle.delete(delete=True)
    fetched = owner.gf.Data(api_id=mine.data.api_id).fetch()
    assert (fetched.name, fetched.data) == ("secret", b"top secret")


def test_sharing_an_analysis_or_asset_covers_what_is_inside(owner, other, mine):
    gf = other.gf
    analysis, asset = owner.gf.Analysis(api_id=mine.analysis.api_id), owner.gf.Asset(api_id=mine.asset.api_id)
    analysis.share(other.username)
    asset.share(other.username)
    assert [f.name for f in gf.Analysis(api_id=analysis.api_id).fetch().figures] == ["Private figure"]
    assert gf.Data(api_id=mine.data.api_id).fetch().data == b"top secret"
    [asset_revision] = gf.Asset(api_id=asset.api_id).fetch().revisions
    assert gf.AssetRevision(api_id=asset_revision.api_id).fetch().data[0].data == b"a,b\n1,2\n"
    with pytest.raises(UnauthorizedError):  # read-only
        gf.AssetRevision(api_id=asset_revision.api_id, asset=gf.Asset(api_id=asset.api_id), data=[]).save()
    with pytest.raises(UnauthorizedError):
        gf.Workspace(api_id=mine.workspace.api_id).fetch()

    analysis.unshare(other.username)
    asset.unshare(other.username)
    for handle in (
        gf.Figure(api_id=mine.figure.api_id),
        gf.Data(api_id=mine.data.api_id),
        gf.AssetRevision(api_id=asset_revision.api_id),
    ):
        with pytest.raises(UnauthorizedError):
            handle.fetch()


def test_link_sharing_lets_other_users_read_until_disabled(owner, other, mine):
    figure = owner.gf.Figure(api_id=mine.figure.api_id)
    assert figure.get_link_sharing() is False
    figure.set_link_sharing(True)
    assert figure.get_link_sharing() is True
    assert other.gf.Figure(api_id=figure.api_id).fetch().name == "Private figure"
    assert [d.contents for d in other.gf.Revision(api_id=mine.revision.api_id).fetch().text_data] == [
        "top secret"
    ]
    with pytest.raises(UnauthorizedError):
        other.gf.Figure(
            api_id=figure.api_id, name="x", analysis=other.gf.Analysis(api_id=mine.analysis.api_id)
        ).save()
    with pytest.raises(UnauthorizedError):
        other.gf.Figure(api_id=figure.api_id).set_link_sharing(False)

    figure.set_link_sharing(False)
    assert figure.get_link_sharing() is False
    with pytest.raises(UnauthorizedError):
        other.gf.Figure(api_id=figure.api_id).fetch()


def test_anonymous_client_reads_only_link_shared_objects(live_server, owner, mine):
    anonymous = GoFigr(anonymous=True, url=live_server.url)
    figure = owner.gf.Figure(api_id=mine.figure.api_id)
    with pytest.raises(RuntimeError, match="401"):
        anonymous.Figure(api_id=figure.api_id).fetch()
    figure.set_link_sharing(True)
    try:
        assert anonymous.Figure(api_id=figure.api_id).fetch().name == "Private figure"
        revision = anonymous.Revision(api_id=mine.revision.api_id).fetch()  # and its data
        assert [d.contents for d in revision.text_data] == ["top secret"]
        anonymous.Revision(api_id=mine.revision.api_id).get_thumbnail(32)  # no exception
        for forbidden in (
            lambda: anonymous.Analysis(api_id=mine.analysis.api_id).fetch(),
            lambda: anonymous.Workspace(api_id=mine.workspace.api_id).fetch(),
            lambda: anonymous.Asset(api_id=mine.asset.api_id).fetch(),
            lambda: anonymous.Figure(api_id=figure.api_id).get_sharing_users(),
            lambda: anonymous.workspaces,
            lambda: anonymous.Figure(api_id=figure.api_id, name="x", analysis=mine.analysis.api_id).save(),
            lambda: anonymous.Revision(api_id=mine.revision.api_id).delete(delete=True),
        ):
            with pytest.raises(RuntimeError, match="401"):
                forbidden()
    finally:
        figure.set_link_sharing(False)
    with pytest.raises(RuntimeError, match="401"):
        anonymous.Figure(api_id=figure.api_id).fetch()
