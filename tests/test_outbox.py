"""The on-disk outbox: atomic, ordered, shared between processes, and it never drops a job silently."""

from __future__ import annotations

import json
import os
import stat
import time

from figtrail.files import write_atomic
from figtrail.outbox import JOB_FORMAT, Outbox


def test_jobs_come_back_in_the_order_they_were_added(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    for n in range(5):
        outbox.add({"id": f"job-{n}", "kind": "revision"})
    assert [job["id"] for job in outbox.pending()] == [f"job-{n}" for n in range(5)]


def test_the_outbox_is_private_to_its_owner(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    outbox.add({"id": "a", "kind": "revision"})
    assert stat.S_IMODE(os.stat(outbox.path).st_mode) == 0o700
    [path] = (outbox.path / "jobs").glob("*.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_atomic_write_leaves_no_partial_file_behind(tmp_path):
    target = tmp_path / "file.json"
    write_atomic(target, b"old")
    try:
        write_atomic(target, None)  # type: ignore[arg-type] - fails half-way
    except TypeError:
        pass
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


def test_payloads_are_stored_once_and_freed_with_their_last_job(tmp_path, monkeypatch):
    monkeypatch.setattr("figtrail.outbox.BLOB_GRACE_SECONDS", 0)
    outbox = Outbox(tmp_path / "outbox")
    digest = outbox.put_blob(b"picture")
    assert outbox.put_blob(b"picture") == digest
    first = outbox.add({"id": "1", "kind": "revision", "data": [{"blob": digest}]})
    second = outbox.add({"id": "2", "kind": "revision", "data": [{"blob": digest}]})
    outbox.done(first)
    assert outbox.has_blob(digest)  # the second job still needs it
    outbox.done(second)
    assert not outbox.has_blob(digest)


def test_held_jobs_keep_their_reason_and_can_be_retried(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    job = outbox.add({"id": "x", "kind": "revision"})
    outbox.hold(job, "refused (413): too big", 413)
    assert outbox.pending() == []
    [held] = outbox.held()
    assert held["error"] == "refused (413): too big" and held["error_status"] == 413
    assert outbox.release_held() == 1
    assert [j["id"] for j in outbox.pending()] == ["x"]


def test_an_unreadable_job_is_shown_not_deleted(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    broken = outbox.path / "jobs" / "00000000000000000001-0000001-00000.json"
    broken.write_text("{not json")
    [job] = outbox.pending()
    assert job["kind"] == "unreadable" and "not valid JSON" in job["error"]
    assert broken.exists()


def test_a_job_of_a_newer_format_is_shown_with_the_fix_and_left_alone(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    job = outbox.add({"id": "from-the-future", "kind": "revision", "url": "http://x", "stage": "ready"})
    path = outbox.path / "jobs" / f"{job['seq']}.json"
    path.write_text(json.dumps({**job, "format": JOB_FORMAT + 1}))
    [shown] = outbox.pending()
    assert shown["kind"] == "unreadable" and "url" not in shown  # no sender takes it as its own
    assert f"job format {JOB_FORMAT + 1}" in shown["error"] and "upgrade figtrail" in shown["error"]
    assert path.exists() and json.loads(path.read_text())["id"] == "from-the-future"


def test_every_job_is_written_with_the_format_it_was_written_in(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    outbox.add({"id": "a", "kind": "asset"})
    [job] = outbox.pending()
    assert job["format"] == JOB_FORMAT and job["seq"] and job["created"]


def test_a_sweep_deletes_old_payloads_no_job_needs_and_keeps_the_others(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    needed, orphan, fresh = outbox.put_blob(b"needed"), outbox.put_blob(b"orphan"), outbox.put_blob(b"new")
    outbox.add({"id": "j", "kind": "revision", "data": [{"name": "f", "type": "image", "blob": needed}]})
    old = time.time() - 3600
    for digest in (needed, orphan):
        os.utime(outbox.path / "blobs" / digest, (old, old))
    outbox.sweep()
    assert outbox.has_blob(needed) and outbox.has_blob(fresh) and not outbox.has_blob(orphan)


def test_the_payloads_of_a_job_of_a_newer_format_are_never_swept(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    digest = outbox.put_blob(b"the newer job's image")
    job = outbox.add({"id": "future", "kind": "revision", "data": [{"blob": digest}]})
    path = outbox.path / "jobs" / f"{job['seq']}.json"
    path.write_text(json.dumps({**job, "format": JOB_FORMAT + 1, "data": [], "pictures": [digest]}))
    old = time.time() - 3600
    os.utime(outbox.path / "blobs" / digest, (old, old))
    outbox.sweep()
    outbox.collect_blobs({digest})
    assert outbox.has_blob(digest)


def test_a_data_file_is_copied_in_by_content(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    source = tmp_path / "data.csv"
    source.write_text("a,b\n1,2\n")
    digest, size = outbox.put_file(source)
    assert size == 8 and outbox.blob(digest) == b"a,b\n1,2\n"
    assert outbox.put_file(source) == (digest, size)
    assert json.dumps(outbox.pending()) == "[]"


def test_payloads_put_together_are_readable_at_once_and_synced_together_on_leaving(tmp_path, monkeypatch):
    """publish() writes several payloads; they are fsynced each, with their folder once, when the
    block is left (not a folder sync for each), and a render helper can read them meanwhile."""
    outbox = Outbox(tmp_path)
    synced: list[str] = []
    real_fsync = os.fsync

    def counting(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting)
    with outbox.synced_together():
        digests = [outbox.put_blob(f"payload {n}".encode()) for n in range(3)]
        assert [outbox.blob(digest) for digest in digests] == [f"payload {n}".encode() for n in range(3)]
        assert synced == []
    blobs = str(tmp_path / "blobs")
    assert sorted(synced) == sorted([f"{blobs}/{digest}" for digest in digests] + [blobs])
    synced.clear()
    outbox.put_blob(b"alone")  # outside, each payload is durable by itself: the file and its folder
    assert len(synced) == 2 and synced[-1] == blobs
