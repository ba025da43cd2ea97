"""Blobs in an S3 bucket (FIGTRAIL_S3_*): a figtrail server on a real S3-speaking server (moto's)."""

from __future__ import annotations

import base64
import os
import time

import blake3
import pytest

from tests.conftest import start_server, stop_server
from tests.server.helpers import data_item, new_user
from tests.server.s3 import start_s3, stop_s3

PREFIX = "figtrail-blobs"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = start_s3(tmp_path_factory.mktemp("s3"))
    yield server
    stop_s3(server)


@pytest.fixture(scope="module")
def bucket(s3) -> str:
    return s3.new_bucket()


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory, s3, bucket):
    server = start_server(tmp_path_factory.mktemp("figtrail-s3-home"), s3.env(bucket, PREFIX))
    yield server
    stop_server(server)


def key_of(content_hash: str) -> str:
    return f"{PREFIX}/blobs/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}"


def test_published_bytes_are_in_the_bucket(s3_server, s3, bucket):
    owner = new_user(s3_server)
    _, _, figure = owner.tree()
    payload = os.urandom(300_000)
    revision = owner.revision(figure["api_id"], data_item(payload, "file", "big.bin"))
    digest = blake3.blake3(payload).hexdigest()
    assert revision["data"][0]["hash"] == digest
    assert s3.read(bucket, key_of(digest)) == payload
    assert list((s3_server.home / "blobs").rglob("*.*")) == []  # nothing went to the local folder
    assert [p for p in (s3_server.home / "blobs").rglob("*") if p.is_file()] == []


def test_identical_payloads_are_stored_once(s3_server, s3, bucket):
    owner = new_user(s3_server)
    _, _, figure = owner.tree()
    payload = os.urandom(4000)
    before = s3.objects(bucket, PREFIX)
    owner.revision(figure["api_id"], data_item(payload, "file", "a"), data_item(payload, "file", "b"))
    owner.revision(figure["api_id"], data_item(payload, "file", "c"))
    after = s3.objects(bucket, PREFIX)
    assert set(after) - set(before) == {key_of(blake3.blake3(payload).hexdigest())}
    assert after[key_of(blake3.blake3(payload).hexdigest())] == len(payload)


def test_data_reads_back_byte_for_byte(s3_server):
    owner = new_user(s3_server)
    _, _, figure = owner.tree()
    payloads = [os.urandom(n) for n in (0, 1, 70_000)] + [b"\x00" * 1000]
    revision = owner.revision(
        figure["api_id"], *(data_item(p, "file", f"item{i}") for i, p in enumerate(payloads))
    )
    for item, payload in zip(sorted(revision["data"], key=lambda d: d["name"]), payloads, strict=True):
        full = owner.ok(f"data/{item['api_id']}/")
        assert base64.b64decode(full["data"]) == payload


def test_secret_key_never_in_the_log(s3_server):
    secret = s3_server.env["FIGTRAIL_S3_SECRET_ACCESS_KEY"]
    assert secret not in (s3_server.home / "server.log").read_text()


def test_storing_a_stored_payload_again_renews_its_age(s3_server, s3, bucket):
    """So that `figtrail gc --min-age` keeps a blob that a publish in flight reuses."""
    owner = new_user(s3_server)
    _, _, figure = owner.tree()
    payload = os.urandom(2000)
    owner.revision(figure["api_id"], data_item(payload, "file"))
    key = key_of(blake3.blake3(payload).hexdigest())
    before = s3.client().head_object(Bucket=bucket, Key=key)["LastModified"]
    time.sleep(1.1)  # S3 times have whole seconds
    again = owner.revision(figure["api_id"], data_item(payload, "file"))
    assert s3.client().head_object(Bucket=bucket, Key=key)["LastModified"] > before
    assert base64.b64decode(owner.ok(f"data/{again['data'][0]['api_id']}/")["data"]) == payload
    assert s3.read(bucket, key) == payload
