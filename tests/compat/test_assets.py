"""Asset tracking: ``gf.read_csv`` versions data files by content hash, and publishes link to them."""

from __future__ import annotations

import secrets

import blake3
import matplotlib
import pytest
from gofigr import FindByName
from gofigr.publisher import Publisher

from tests.compat.conftest import unique

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def tracked(owner, tmp_path_factory):
    """Read one CSV three times (new, unchanged, changed) and publish a figure afterwards.

    Returns what each step produced, so each test checks one aspect of the same real sequence.
    """
    gf = owner.gf
    path = tmp_path_factory.mktemp("assets") / f"measurements_{secrets.token_hex(4)}.csv"
    marker = secrets.token_hex(8)  # unique content: find_by_hash spans everything the user can see
    path.write_text(f"x,y,tag\n1,2,{marker}\n3,4,{marker}\n")
    first_bytes = path.read_bytes()
    first = gf.read_csv(path)
    first_listing = gf.Asset.find_by_name(path.name)
    again = gf.read_csv(path)
    after_unchanged = gf.Asset.find_by_name(path.name)
    path.write_text(f"x,y,tag\n1,2,{marker}\n3,4,{marker}\n5,6,{marker}\n")
    changed = gf.read_csv(path)

    fig, ax = plt.subplots()
    ax.plot(changed["x"], changed["y"])
    ax.set_title("Tracked data")
    publisher = Publisher(gf=gf, analysis=unique("asset analysis"), image_formats=("png",), save_pickle=False)
    revision = publisher.publish(fig)
    plt.close(fig)
    return {
        "path": path,
        "first_bytes": first_bytes,
        "first": first,
        "again": again,
        "changed": changed,
        "first_listing": first_listing,
        "after_unchanged": after_unchanged,
        "revision": revision,
    }


def _revision_id(frame) -> str:
    return frame.attrs["_gofigr_revision"]


def test_first_read_creates_asset_and_revision(owner, tracked):
    gf = owner.gf
    assert list(tracked["first"]["x"]) == [1, 3]
    [asset] = tracked["first_listing"]
    assert asset.name == tracked["path"].name
    assert asset.workspace.api_id == gf.primary_workspace.api_id
    assert [rev.api_id for rev in asset.revisions] == [_revision_id(tracked["first"])]

    revision = gf.AssetRevision(api_id=_revision_id(tracked["first"])).fetch()
    assert revision.asset.api_id == asset.api_id
    assert revision.revision_index == 0
    [datum] = revision.data
    assert datum.type == "file" and datum.name == tracked["path"].name
    assert datum.data == tracked["first_bytes"]
    assert datum.hash == blake3.blake3(tracked["first_bytes"]).hexdigest()
    assert revision.size_bytes == len(tracked["first_bytes"])


def test_unchanged_file_reuses_the_revision(owner, tracked):
    assert _revision_id(tracked["again"]) == _revision_id(tracked["first"])
    [asset] = tracked["after_unchanged"]
    assert len(asset.revisions) == 1
    digest = blake3.blake3(tracked["first_bytes"]).hexdigest()
    assert [rev.api_id for rev in owner.gf.AssetRevision.find_by_hash(digest)] == [
        _revision_id(tracked["first"])
    ]


def test_changed_file_creates_a_new_revision(owner, tracked):
    gf = owner.gf
    assert list(tracked["changed"]["x"]) == [1, 3, 5]
    new_id = _revision_id(tracked["changed"])
    assert new_id != _revision_id(tracked["first"])
    [asset] = gf.Asset.find_by_name(tracked["path"].name)
    assert [rev.api_id for rev in asset.revisions] == [_revision_id(tracked["first"]), new_id]
    assert [rev.revision_index for rev in asset.revisions] == [0, 1]
    assert asset.size_bytes == sum(rev.size_bytes for rev in asset.revisions)
    assert gf.AssetRevision(api_id=new_id).fetch().data[0].data == tracked["path"].read_bytes()


def test_published_figure_links_the_latest_asset_revision(owner, tracked):
    gf = owner.gf
    published = tracked["revision"]
    fetched = gf.Revision(api_id=published.api_id).fetch()
    assert fetched.figure.fetch().name == "Tracked data"
    assert [d.metadata["format"] for d in fetched.image_data] == ["png", "png"]  # raw + watermarked
    links = [
        (link.use_type, link.figure_revision.api_id, link.asset_revision.api_id) for link in fetched.assets
    ]
    assert links == [("indirect", published.api_id, _revision_id(tracked["changed"]))]

    back = gf.AssetRevision(api_id=_revision_id(tracked["changed"])).fetch()
    assert [(link.figure_revision.api_id, link.use_type) for link in back.figure_revisions] == [
        (published.api_id, "indirect")
    ]
    assert list(gf.AssetRevision(api_id=_revision_id(tracked["first"])).fetch().figure_revisions) == []


def test_publisher_short_id_is_stored(owner, tracked):
    published = tracked["revision"]
    assert len(published._short_id) == 9  # an 8-character reserved prefix + counter "0"
    body = owner.http.get(owner.gf.api_url + f"revision/{published.api_id}/").json()
    assert body["short_id"] == published._short_id


def test_put_without_assets_clears_links(owner, tracked):
    gf = owner.gf
    revision = gf.Revision(api_id=tracked["revision"].api_id).fetch()
    revision.assets = []
    revision.save(silent=True)
    assert list(gf.Revision(api_id=revision.api_id).fetch().assets) == []
    assert list(gf.AssetRevision(api_id=_revision_id(tracked["changed"])).fetch().figure_revisions) == []


def test_asset_sizes_aggregate_and_follow_changes(owner):
    gf = owner.gf
    workspace = gf.find_workspace(FindByName(unique("asset sizes"), create=True))
    asset = gf.Asset(name="sizes.bin", workspace=workspace).create()
    assert list(asset.revisions) == []
    revisions = [
        gf.AssetRevision(asset=asset, data=[gf.FileData(name="sizes.bin", data=b"%04d" % i)]).create()
        for i in range(5)
    ]
    assert [r.revision_index for r in revisions] == [0, 1, 2, 3, 4]
    assert gf.Asset(api_id=asset.api_id).fetch().size_bytes == 20
    assert workspace.fetch().size_bytes == 20

    edited = gf.AssetRevision(api_id=revisions[0].api_id).fetch()
    edited.data = [gf.FileData(name="sizes.bin", data=b"0123456789")]
    edited.save()
    assert gf.AssetRevision(api_id=edited.api_id).fetch().data[0].data == b"0123456789"
    assert (gf.Asset(api_id=asset.api_id).fetch().size_bytes, workspace.fetch().size_bytes) == (26, 26)

    revisions[1].delete(delete=True)
    assert (gf.Asset(api_id=asset.api_id).fetch().size_bytes, workspace.fetch().size_bytes) == (22, 22)
    gf.Asset(api_id=asset.api_id).delete(delete=True)
    assert workspace.fetch().size_bytes == 0
    assert list(workspace.assets) == []
