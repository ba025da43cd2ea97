"""``figtrail gc``: unreferenced blobs go (once old enough), referenced ones never do; folder and S3."""

from __future__ import annotations

import base64
import os
import subprocess
import time
from pathlib import Path

import blake3
import pytest

from tests.conftest import FIGTRAIL, start_server, stop_server
from tests.server.helpers import data_item, new_user, png_bytes, read_db
from tests.server.s3 import start_s3, stop_s3


def gc(server, *args: str) -> str:
    done = subprocess.run(
        [FIGTRAIL, "gc", *args], env=server.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def blob_path(server, content_hash: str) -> Path:
    return server.home / "blobs" / "blobs" / content_hash[:2] / content_hash[2:4] / content_hash


def age(path: Path, minutes: float) -> None:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("figtrail-gc-home"))
    yield live
    stop_server(live)


def test_removes_only_unreferenced_old_blobs(server):
    owner = new_user(server)
    _, _, figure = owner.tree()
    kept, shared, dropped = os.urandom(5000), os.urandom(6000), os.urandom(7000)
    keep_rev = owner.revision(figure["api_id"], data_item(kept, "file"), data_item(shared, "file"))
    drop_rev = owner.revision(figure["api_id"], data_item(shared, "file"), data_item(dropped, "file"))
    assert owner.delete(f"revision/{drop_rev['api_id']}/").status_code == 204
    hashes = {name: blake3.blake3(p).hexdigest() for name, p in [("k", kept), ("s", shared), ("d", dropped)]}
    leftover = blob_path(server, hashes["k"]).parent / ".incoming-crashed"
    leftover.write_bytes(b"half a blob")
    for content_hash in hashes.values():
        age(blob_path(server, content_hash), 120)
    age(leftover, 120)

    # Young blobs are kept whatever they are: a publish writes blobs before its rows commit.
    young = os.urandom(100)
    young_hash = blake3.blake3(young).hexdigest()
    blob_path(server, young_hash).parent.mkdir(parents=True, exist_ok=True)
    blob_path(server, young_hash).write_bytes(young)

    dry = gc(server, "--dry-run")
    assert f"would remove blobs/{hashes['d'][:2]}/{hashes['d'][2:4]}/{hashes['d']} (7000 bytes)" in dry
    assert ".incoming-crashed (11 bytes)" in dry
    assert hashes["k"] not in dry and hashes["s"] not in dry and young_hash not in dry
    assert "would remove 2 blob(s), 7011 bytes" in dry
    assert blob_path(server, hashes["d"]).exists() and leftover.exists()

    done = gc(server)
    assert "removed 2 blob(s), 7011 bytes" in done
    assert not blob_path(server, hashes["d"]).exists() and not leftover.exists()
    assert blob_path(server, hashes["k"]).exists() and blob_path(server, hashes["s"]).exists()
    assert blob_path(server, young_hash).exists()
    for item, payload in zip(keep_rev["data"], (kept, shared), strict=True):
        assert base64.b64decode(owner.ok(f"data/{item['api_id']}/")["data"]) == payload

    assert "removed 0 blob(s), 0 bytes" in gc(server)  # nothing left to do


def test_republishing_an_orphan_renews_it(server):
    owner = new_user(server)
    _, _, figure = owner.tree()
    payload = os.urandom(3000)
    content_hash = blake3.blake3(payload).hexdigest()
    gone = owner.revision(figure["api_id"], data_item(payload, "file"))
    assert owner.delete(f"revision/{gone['api_id']}/").status_code == 204
    age(blob_path(server, content_hash), 120)
    again = owner.revision(figure["api_id"], data_item(payload, "file"))  # reuses the stored blob
    assert content_hash not in gc(server)
    assert base64.b64decode(owner.ok(f"data/{again['data'][0]['api_id']}/")["data"]) == payload


def test_the_code_index_rows_of_code_nothing_stores_go_too(server):
    owner = new_user(server)
    _, _, figure = owner.tree()
    kept_code, dropped_code = os.urandom(8).hex().encode(), os.urandom(8).hex().encode()
    owner.revision(figure["api_id"], data_item(kept_code, "code", name="kept.py"))
    gone = owner.revision(figure["api_id"], data_item(dropped_code, "code", name="gone.py"))
    assert owner.delete(f"revision/{gone['api_id']}/").status_code == 204
    hashes = [blake3.blake3(code).hexdigest() for code in (kept_code, dropped_code)]

    def indexed() -> set[str]:
        sql = "SELECT hash FROM catalog_codetext WHERE hash IN (?, ?)"
        return {row[0] for row in read_db(server, sql, tuple(hashes))}

    assert indexed() == set(hashes)
    assert "would remove 1 code search index row(s)" in gc(server, "--dry-run") and indexed() == set(hashes)
    assert "removed 1 code search index row(s)" in gc(server)
    assert indexed() == {hashes[0]}


def test_thumbnails_are_a_cache_made_again(server):
    owner = new_user(server)
    _, _, figure = owner.tree()
    owner.revision(figure["api_id"], data_item(png_bytes(300, 200), "image", "plot", format="png"))
    first = owner.ok(f"figure/{figure['api_id']}/thumbnail/64/")["thumbnail"]
    assert first
    thumbnail_hash = blake3.blake3(base64.b64decode(first)).hexdigest()
    assert blob_path(server, thumbnail_hash).exists()
    assert thumbnail_hash in gc(server, "--min-age", "0")  # no data row names it: it is a cache
    assert not blob_path(server, thumbnail_hash).exists()
    assert owner.ok(f"figure/{figure['api_id']}/thumbnail/64/")["thumbnail"] == first


def test_on_s3(tmp_path_factory):
    s3 = start_s3(tmp_path_factory.mktemp("s3"))
    try:
        bucket = s3.new_bucket()
        live = start_server(tmp_path_factory.mktemp("figtrail-gc-s3"), s3.env(bucket, "p"))
        try:
            owner = new_user(live)
            _, _, figure = owner.tree()
            kept, dropped = os.urandom(4000), os.urandom(4500)
            owner.revision(figure["api_id"], data_item(kept, "file"))
            gone = owner.revision(figure["api_id"], data_item(dropped, "file"))
            assert owner.delete(f"revision/{gone['api_id']}/").status_code == 204
            assert "removed 0 blob(s)" in gc(live)  # everything is younger than an hour
            done = gc(live, "--min-age", "0")
            assert "removed 1 blob(s), 4500 bytes" in done
            keys = set(s3.objects(bucket))
            kept_hash, dropped_hash = (blake3.blake3(p).hexdigest() for p in (kept, dropped))
            assert any(k.endswith(kept_hash) for k in keys)
            assert not any(k.endswith(dropped_hash) for k in keys)
        finally:
            stop_server(live)
    finally:
        stop_s3(s3)
