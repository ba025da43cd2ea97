"""Faults: the server is killed (SIGKILL, every process) in the middle of publishing a large revision.

After a restart no partial blob is visible (every file named like a blob holds the bytes its name says),
no half revision exists (the revision is absent, or complete), and the same publish retried with its
``client_id`` stores the revision exactly once.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import threading
import time
import uuid
from pathlib import Path

import blake3
import pytest
import requests

from tests.conftest import restart_server, start_server, stop_server
from tests.server.helpers import data_item, new_user, no_such, refusal

HASH = re.compile(r"[0-9a-f]{64}")
ITEMS = 4
ITEM_BYTES = 24 * 1024 * 1024


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, added = {pid}, True
    while added:
        children = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= children
        added = bool(children)
    return sorted(tree)


def kill_hard(server) -> None:
    for pid in process_tree(server.process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.process.wait(timeout=30)


def blob_path(server, content_hash: str) -> Path:
    return server.home / "blobs" / "blobs" / content_hash[:2] / content_hash[2:4] / content_hash


@pytest.fixture
def server(tmp_path):
    live = start_server(tmp_path)
    yield live
    stop_server(live)


def test_killed_mid_publish_then_retried(server):
    owner = new_user(server)
    _, _, figure = owner.tree()
    payloads = [os.urandom(ITEM_BYTES) for _ in range(ITEMS)]
    hashes = [blake3.blake3(p).hexdigest() for p in payloads]
    client_id = str(uuid.uuid4())
    body = {
        "figure": figure["api_id"],
        "client_id": client_id,
        "metadata": {},
        "data": [data_item(p, "file", f"part{i}") for i, p in enumerate(payloads)],
    }
    answer: dict[str, object] = {}

    def publish() -> None:
        try:
            answer["status"] = owner.post("revision/", body, timeout=120).status_code
        except requests.RequestException as exc:
            answer["error"] = exc

    sender = threading.Thread(target=publish)
    sender.start()
    # Kill as soon as the server has started writing this revision's blobs, before its rows commit.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sender.is_alive():
        if blob_path(server, hashes[0]).exists() or any((server.home / "blobs").rglob(".incoming-*")):
            break
        time.sleep(0.002)
    kill_hard(server)
    sender.join(timeout=60)
    assert "status" not in answer, f"the publish finished before the kill: {answer}"  # the fault was hit

    restart_server(server)
    # No partial blob: every file named like a blob is whole (a crash may leave only .incoming-* files).
    for path in (server.home / "blobs").rglob("*"):
        if path.is_file():
            if HASH.fullmatch(path.name):
                assert blake3.blake3(path.read_bytes()).hexdigest() == path.name, path
            else:
                assert path.name.startswith(".incoming-"), path
    # No half revision: the figure has no revision yet.
    assert refusal(owner.get(f"revision/{client_id}/"), 404) == no_such("revision", client_id)
    assert owner.ok(f"figure/{figure['api_id']}/")["revisions"] == []

    retried = owner.post("revision/", body, timeout=120)
    assert retried.status_code == 201, retried.text
    assert (
        refusal(owner.post("revision/", body, timeout=120), 409, "code") == "duplicate_client_id"
    )  # never twice
    revisions = owner.ok(f"figure/{figure['api_id']}/")["revisions"]
    assert [r["api_id"] for r in revisions] == [client_id]
    stored = owner.ok(f"revision/{client_id}/")["data"]
    assert len(stored) == ITEMS
    for item, payload, content_hash in zip(stored, payloads, hashes, strict=True):
        assert item["hash"] == content_hash
        assert base64.b64decode(owner.ok(f"data/{item['api_id']}/")["data"]) == payload
