"""The blob store: content-addressed (identical payloads are stored once), atomic (no temp files left)."""

from __future__ import annotations

import os

import blake3

from tests.server.helpers import blob_files, data_item


def test_identical_payloads_are_stored_once(live_server, owner):
    _, _, figure = owner.tree()
    payload = os.urandom(5000)
    digest = blake3.blake3(payload).hexdigest()
    before = blob_files(live_server)
    first = owner.revision(figure["api_id"], data_item(payload, "file", "a"))
    second = owner.revision(
        figure["api_id"], data_item(payload, "file", "b"), data_item(payload, "file", "c")
    )
    after = blob_files(live_server)
    assert len(after) == len(before) + 1
    (new_blob,) = set(after) - set(before)
    assert new_blob.name == digest
    assert new_blob.read_bytes() == payload
    assert {d["hash"] for d in first["data"] + second["data"]} == {digest}
    assert second["size_bytes"] == 2 * len(payload)  # sizes count every use, storage holds one copy


def test_same_payload_across_asset_revisions_and_users(live_server, owner, stranger):
    payload = os.urandom(3000)
    _, _, figure = owner.tree()
    owner.revision(figure["api_id"], data_item(payload, "file"))
    before = blob_files(live_server)
    owner.asset_revision(owner.asset(owner.workspace()["api_id"])["api_id"], payload)
    stranger.asset_revision(stranger.asset(stranger.workspace()["api_id"])["api_id"], payload)
    assert blob_files(live_server) == before


def test_no_temporary_files_left_behind(live_server, owner):
    _, _, figure = owner.tree()
    for _ in range(3):
        owner.revision(figure["api_id"], data_item(os.urandom(20_000), "file"))
    leftovers = [
        p
        for p in blob_files(live_server)
        if p.name.startswith(".") or "incoming" in p.name or p.suffix == ".tmp"
    ]
    assert leftovers == []
    assert all(len(p.name) == 64 for p in blob_files(live_server))


def test_deleting_one_use_keeps_the_blob_for_the_others(live_server, owner):
    _, _, figure = owner.tree()
    payload = os.urandom(1000)
    gone = owner.revision(figure["api_id"], data_item(payload, "file"))
    kept = owner.revision(figure["api_id"], data_item(payload, "file"))
    assert owner.delete(f"revision/{gone['api_id']}/").status_code == 204
    full = owner.ok(f"data/{kept['data'][0]['api_id']}/")
    import base64

    assert base64.b64decode(full["data"]) == payload
