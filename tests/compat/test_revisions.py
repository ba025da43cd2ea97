"""Figure revisions with every kind of data, published and read back through the official client."""

from __future__ import annotations

import io
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import blake3
import matplotlib
import pandas as pd
import pytest
from gofigr import FindByName

from tests.compat.conftest import unique
from tests.server.helpers import refusal

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402


def png_bytes() -> bytes:
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([1, 2, 3], [3, 1, 2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


@pytest.fixture
def tree(owner):
    """A fresh workspace > analysis > figure, so sizes can be checked as absolute numbers."""
    workspace = owner.gf.find_workspace(FindByName(unique("revisions ws"), create=True))
    analysis = workspace.get_analysis("Revisions")
    figure = analysis.get_figure("Figure")
    return workspace, analysis, figure


def _sizes(gf, workspace, analysis, figure) -> tuple[int, int, int]:
    return (
        gf.Figure(api_id=figure.api_id).fetch().size_bytes,
        gf.Analysis(api_id=analysis.api_id).fetch().size_bytes,
        gf.Workspace(api_id=workspace.api_id).fetch().size_bytes,
    )


def test_revision_data_round_trips_byte_for_byte(owner, tree):
    gf = owner.gf
    _, _, figure = tree
    image = png_bytes()
    frame = pd.DataFrame({"x": [1, 2, 3], "label": ["a", "b,c", 'd"e'], "value": [0.5, -1.25, 1e10]})
    blob = bytes(range(256)) * 3 + b"\x00\xff"
    code = "import numpy as np\nprint('héllo ✓')\n"
    revision = gf.Revision(
        metadata={"purpose": "round trip", "nested": {"list": [1, 2, None]}},
        data=[
            gf.ImageData(name="figure", data=image, format="png", is_watermarked=False),
            gf.CodeData(name="Cell", contents=code, language="Python"),
            gf.TableData(name="frame", dataframe=frame),
            gf.FileData(name="blob.bin", data=blob, path="some/dir/blob.bin"),
        ],
    )
    figure.revisions.create(revision)
    revision.wait_for_processing()

    fetched = gf.Revision(api_id=revision.api_id).fetch()
    assert fetched.metadata == {"purpose": "round trip", "nested": {"list": [1, 2, None]}}
    assert fetched.figure.api_id == figure.api_id
    by_name = {datum.name: datum for datum in fetched.data}
    assert set(by_name) == {"figure", "Cell", "frame", "blob.bin"}

    [fetched_image] = fetched.image_data
    assert fetched_image.data == image
    assert (fetched_image.format, fetched_image.is_watermarked) == ("png", False)
    assert fetched_image.image.size == (200, 200)
    [fetched_code] = fetched.code_data
    assert fetched_code.contents == code and fetched_code.language == "Python"
    [fetched_table] = fetched.table_data
    pd.testing.assert_frame_equal(fetched_table.dataframe, frame)
    [fetched_file] = fetched.file_data
    assert fetched_file.data == blob and fetched_file.path == "some/dir/blob.bin"

    local = {datum.name: datum for datum in revision.data}
    for name, datum in by_name.items():
        assert datum.metadata == local[name].metadata  # stored verbatim, local_id included
        assert datum.size_bytes == len(datum.data)
        assert datum.hash == blake3.blake3(datum.data).hexdigest() == datum.calculate_hash()
    assert fetched.size_bytes == sum(len(datum.data) for datum in fetched.data)


def test_revision_get_returns_shallow_data(owner, tree):
    gf = owner.gf
    revision = tree[2].revisions.create(gf.Revision(data=[gf.TextData(name="t", contents="shallow")]))
    body = owner.http.get(gf.api_url + f"revision/{revision.api_id}/").json()
    assert [
        set(datum) >= {"api_id", "name", "type", "hash", "size_bytes", "metadata"} for datum in body["data"]
    ] == [True]
    assert "data" not in body["data"][0]
    full = owner.http.get(gf.api_url + f"data/{body['data'][0]['api_id']}/").json()
    assert full["data"] == "c2hhbGxvdw=="


def test_sizes_are_exact_and_aggregated(owner, tree):
    gf = owner.gf
    workspace, analysis, figure = tree
    first = figure.revisions.create(gf.Revision(data=[gf.TextData(name="seven", contents="1234567")]))
    assert first.size_bytes == 7
    assert gf.Revision(api_id=first.api_id).fetch().size_bytes == 7
    assert _sizes(gf, workspace, analysis, figure) == (7, 7, 7)

    second = figure.revisions.create(
        gf.Revision(data=[gf.TextData(name="a", contents="abc"), gf.CodeData(name="b", contents="print()")])
    )
    assert second.size_bytes == 3 + 7
    other_figure = analysis.get_figure("Second figure")
    other_figure.revisions.create(gf.Revision(data=[gf.FileData(name="f", data=b"12345")]))
    assert _sizes(gf, workspace, analysis, figure) == (17, 22, 22)

    second.delete(delete=True)
    assert _sizes(gf, workspace, analysis, figure) == (7, 12, 12)


def test_revision_index_increments(owner, tree):
    gf = owner.gf
    figure = tree[2]
    indexes = [
        figure.revisions.create(gf.Revision(data=[gf.TextData(name="n", contents=str(i))])).revision_index
        for i in range(3)
    ]
    assert indexes == [0, 1, 2]  # from 0: the official R client labels a revision revision_index + 1
    listed = gf.Figure(api_id=figure.api_id).fetch().revisions
    assert [rev.revision_index for rev in listed] == [0, 1, 2]  # creation order


def test_put_replaces_data(owner, tree):
    gf = owner.gf
    workspace, analysis, figure = tree
    revision = figure.revisions.create(
        gf.Revision(
            data=[gf.TextData(name="old", contents="0123456789"), gf.FileData(name="old.bin", data=b"xy")]
        )
    )
    assert _sizes(gf, workspace, analysis, figure) == (12, 12, 12)

    fetched = gf.Revision(api_id=revision.api_id).fetch()
    fetched.metadata = {"edited": True}
    fetched.data = [gf.TextData(name="new", contents="abc")]
    fetched.size_bytes = 999  # read-only: ignored
    fetched.save()

    again = gf.Revision(api_id=revision.api_id).fetch()
    assert [(d.name, d.contents) for d in again.data] == [("new", "abc")]
    assert again.metadata == {"edited": True}
    assert again.size_bytes == 3
    assert again.revision_index == revision.revision_index
    assert again.updated_by == owner.username and again.updated_on is not None
    assert _sizes(gf, workspace, analysis, figure) == (3, 3, 3)

    again.text_data = [gf.TextData(name="replaced", contents="12")]  # replaces only the text data
    again.code_data = [gf.CodeData(name="code", contents="x = 1")]
    again.save()
    assert sorted((d.type, d.name) for d in gf.Revision(api_id=revision.api_id).fetch().data) == [
        ("code", "code"),
        ("text", "replaced"),
    ]


def test_client_id_becomes_the_id_and_duplicates_conflict(owner, tree):
    figure = tree[2]
    client_id = str(uuid.uuid4())
    body = {
        "api_id": client_id,
        "client_id": client_id,
        "figure": figure.api_id,
        "metadata": {},
        "assets": [],
        "data": [{"name": "t", "type": "text", "metadata": {}, "data": "MTIz"}],
    }
    first = owner.http.post(owner.gf.api_url + "revision/", json=body)
    assert first.status_code == 201
    assert first.json()["api_id"] == client_id
    duplicate = owner.http.post(owner.gf.api_url + "revision/", json={**body, "data": []})
    assert refusal(duplicate, 409, "code") == "duplicate_client_id"
    assert duplicate.json()["detail"] == f"A revision with client_id {client_id} already exists."
    stored = owner.gf.Revision(api_id=client_id).fetch()
    assert [(d.name, d.contents) for d in stored.data] == [("t", "123")]  # the duplicate stored nothing
    assert [r.api_id for r in owner.gf.Figure(api_id=figure.api_id).fetch().revisions] == [client_id]


def test_concurrent_publishes_get_distinct_indexes(owner, tree):
    gf = owner.gf
    workspace, analysis, figure = tree

    def publish(i: int) -> int:
        revision = gf.Revision(figure=gf.Figure(api_id=figure.api_id), data=[gf.TextData(contents="x" * i)])
        return revision.create().revision_index

    with ThreadPoolExecutor(max_workers=8) as pool:
        indexes = sorted(pool.map(publish, range(1, 13)))
    assert indexes == list(range(12))
    assert _sizes(gf, workspace, analysis, figure) == (78, 78, 78)  # 1 + 2 + ... + 12


def test_large_payload_round_trips(owner, tree):
    gf = owner.gf
    payload = os.urandom(6 * 1024 * 1024)
    revision = tree[2].revisions.create(gf.Revision(data=[gf.FileData(name="big.bin", data=payload)]))
    fetched = gf.Revision(api_id=revision.api_id).fetch()
    assert fetched.size_bytes == len(payload)
    assert fetched.file_data[0].data == payload
