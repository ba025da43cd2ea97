"""A full blob store: a publish that does not fit answers 507 and leaves nothing behind.

The blob folder is a 2 MB tmpfs (mounting needs root: the test is skipped otherwise).
"""

from __future__ import annotations

import base64
import os
import subprocess

import pytest

from tests.conftest import start_server, stop_server
from tests.server.helpers import data_item, new_user, read_db

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="mounting a small tmpfs for the blob folder needs root",
)


@pytest.fixture
def tiny_blob_dir(tmp_path):
    folder = tmp_path / "tiny-blobs"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def files_in(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_publishing_more_than_fits_is_507_and_stores_nothing(tmp_path, tiny_blob_dir):
    home = tmp_path / "home"
    home.mkdir()
    server = start_server(home, {"FIGTRAIL_BLOB_DIR": str(tiny_blob_dir)})
    try:
        owner = new_user(server)
        workspace, _, figure = owner.tree()
        small = os.urandom(50_000)
        first = owner.revision(figure["api_id"], data_item(small, "file", "small.bin"))
        stored_before = files_in(tiny_blob_dir)
        assert len(stored_before) == 1

        too_big = os.urandom(3 * 1024 * 1024)
        response = owner.post(
            "revision/",
            {"figure": figure["api_id"], "metadata": {}, "data": [data_item(too_big, "file", "big.bin")]},
        )
        assert response.status_code == 507, response.text
        body = response.json()
        assert body["code"] == "storage_full" and "storage is full" in body["detail"]

        asset = owner.asset(workspace["api_id"])
        item = data_item(too_big, "file", name="big.csv", path="big.csv")
        response = owner.post("asset_revision/", {"asset": asset["api_id"], "data": [item]})
        assert response.status_code == 507, response.text
        assert response.json()["code"] == "storage_full"

        # nothing partial: no new rows, no new (or half-written) blob
        assert files_in(tiny_blob_dir) == stored_before
        revisions = owner.ok(f"figure/{figure['api_id']}/")["revisions"]
        assert [r["api_id"] for r in revisions] == [first["api_id"]]
        assert read_db(server, "SELECT COUNT(*) FROM catalog_revision")[0][0] == 1
        assert read_db(server, "SELECT COUNT(*) FROM catalog_assetrevision")[0][0] == 0
        assert owner.ok(f"asset/{asset['api_id']}/")["revisions"] == []
        assert owner.ok(f"figure/{figure['api_id']}/")["size_bytes"] == len(small)

        # what was there still reads back whole, and a publish that fits still works
        data_id = first["data"][0]["api_id"]
        assert base64.b64decode(owner.ok(f"data/{data_id}/")["data"]) == small
        later = owner.revision(figure["api_id"], data_item(b"fits", "file", "tiny.bin"))
        assert later["revision_index"] == 1
    finally:
        stop_server(server)
