"""``organization/<id>/storage/``: an organization's admins put its new data in their own S3 bucket.

The bucket is on a real S3-speaking server (moto's, tests/server/s3.py) on loopback, so this module has
its own figtrail server that allows endpoints on private networks (the shared one refuses them:
tests/server/accounts/test_organizations.py). It keeps its own store in its blob folder, so each test
can tell where bytes went.
"""

from __future__ import annotations

import base64
import os
import subprocess
import uuid

import blake3
import pytest

from tests.conftest import FIGTRAIL, free_port, fresh_database_url, start_server, stop_server
from tests.server.helpers import (
    Api,
    blob_files,
    data_item,
    denied,
    new_user,
    png_bytes,
    read_db,
    refusal,
    unique,
)
from tests.server.s3 import ACCESS_KEY, REGION, SECRET_KEY, start_s3, stop_s3
from tests.web.helpers import error_page, web_session

NO_ROLE = "You do not have the organization role this needs."
PREFIX = "team-data"
SERVER_STORE = {"vendor": "figtrail", "params": None, "has_credentials": False}


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = start_s3(tmp_path_factory.mktemp("org-s3"))
    yield server
    stop_s3(server)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's server (``owner`` and ``stranger`` are its users)."""
    server = start_server(
        tmp_path_factory.mktemp("org-storage-home"), {"FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS": "1"}
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def bucket(s3) -> str:
    return s3.new_bucket()


def bucket_params(s3, bucket: str, **changes) -> dict:
    params = {
        "bucket": bucket,
        "key": PREFIX,
        "endpoint_url": s3.url,
        "region": REGION,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
    }
    return {**params, **changes}


def shown(params: dict) -> dict:
    return {k: v for k, v in params.items() if k not in ("access_key_id", "secret_access_key")}


def new_org(owner) -> tuple[dict, dict, dict]:
    """An organization of ``owner`` with a workspace holding one figure."""
    org = owner.created("organization/", {"name": unique("org"), "description": "a team"})
    workspace = owner.created("workspace/", {"name": unique("ws"), "organization": org["api_id"]})
    analysis = owner.analysis(workspace["api_id"])
    return org, workspace, owner.figure(analysis["api_id"])


def storage_path(org: dict) -> str:
    return f"organization/{org['api_id']}/storage/"


def image(payload: bytes) -> dict:
    return data_item(payload, "image", "figure", format="png", is_watermarked=False)


def payload_of(api, data_id: str) -> bytes:
    return base64.b64decode(api.ok(f"data/{data_id}/")["data"])


def key_of(content_hash: str) -> str:
    return f"{PREFIX}/blobs/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}"


def test_an_organization_starts_on_the_servers_own_store(owner):
    org, _, _ = new_org(owner)
    assert owner.ok(storage_path(org)) == SERVER_STORE


def test_set_and_read_back_without_the_credentials(owner, s3, bucket, live_server):
    org, _, _ = new_org(owner)
    params = bucket_params(s3, bucket)
    saved = owner.post(storage_path(org), {"vendor": "aws", "params": params})
    assert saved.status_code == 200, saved.text
    expected = {"vendor": "aws", "params": shown(params), "has_credentials": True}
    assert saved.json() == expected
    assert owner.ok(storage_path(org)) == expected
    assert SECRET_KEY not in saved.text and ACCESS_KEY not in saved.text
    rows = [
        row[1:]
        for row in read_db(
            live_server,
            "SELECT organization_id, access_key_id_encrypted, secret_access_key_encrypted "
            "FROM accounts_blobstore",
        )
        if str(uuid.UUID(str(row[0]))) == org["api_id"]
    ]
    assert len(rows) == 1
    assert all(value and SECRET_KEY not in value and ACCESS_KEY not in value for value in rows[0])
    assert SECRET_KEY not in (live_server.home / "server.log").read_text(errors="replace")


def test_the_official_clients_settings_read_back_as_set(owner):
    """``set_storage_info("aws", {"bucket": ..., "key": ...})`` as the official client's member test
    sends it: recorded as given (POST does not contact the bucket; ``storage/test/`` does)."""
    org, _, _ = new_org(owner)
    params = {"bucket": "gofigr-flextest", "key": "data"}
    saved = owner.post(storage_path(org), {"vendor": "aws", "params": params})
    assert saved.status_code == 200, saved.text
    assert owner.ok(storage_path(org)) == {"vendor": "aws", "params": params, "has_credentials": False}
    back = owner.post(storage_path(org), {"vendor": "GoFigr.io", "params": None})
    assert back.status_code == 200, back.text
    assert owner.ok(storage_path(org)) == SERVER_STORE


def test_new_blobs_go_to_the_bucket_and_old_ones_stay_readable(owner, s3, bucket, live_server):
    org, _, figure = new_org(owner)
    old_png = png_bytes(40, 30, (10, 200, 10))
    old = owner.revision(figure["api_id"], image(old_png))
    old_hash = blake3.blake3(old_png).hexdigest()
    assert old_hash in {path.name for path in blob_files(live_server)}  # the server's own store

    saved = owner.post(storage_path(org), {"vendor": "aws", "params": bucket_params(s3, bucket)})
    assert saved.status_code == 200, saved.text
    new_png = png_bytes(64, 48, (200, 10, 10))
    new = owner.revision(figure["api_id"], image(new_png), data_item(b"plt.plot()", "code", "code"))
    new_hash = blake3.blake3(new_png).hexdigest()

    assert s3.read(bucket, key_of(new_hash)) == new_png  # in the bucket, under the prefix
    assert new_hash not in {path.name for path in blob_files(live_server)}  # and not in the server's
    assert payload_of(owner, new["data"][0]["api_id"]) == new_png
    assert payload_of(owner, new["data"][1]["api_id"]) == b"plt.plot()"
    assert owner.ok(f"data/{new['data'][0]['api_id']}/storage/") == {
        "vendor": "AWS",
        "path": f"s3://{bucket}/{key_of(new_hash)}",
    }
    assert payload_of(owner, old["data"][0]["api_id"]) == old_png  # the old revision still reads
    assert owner.ok(f"data/{old['data'][0]['api_id']}/storage/") == {"vendor": "figtrail"}
    assert owner.ok(f"revision/{new['api_id']}/thumbnail/64/")["thumbnail"]

    # the organization moves back to the server's store: the bucket's revision still reads from there
    assert owner.post(storage_path(org), {"vendor": "figtrail"}).status_code == 200
    assert payload_of(owner, new["data"][0]["api_id"]) == new_png
    later = owner.revision(figure["api_id"], data_item(b"later", "text"))
    later_hash = blake3.blake3(b"later").hexdigest()
    assert later_hash in {path.name for path in blob_files(live_server)}
    assert payload_of(owner, later["data"][0]["api_id"]) == b"later"


def test_only_organization_admins_read_or_change_it(owner, stranger, s3, bucket):
    org, workspace, _ = new_org(owner)
    params = bucket_params(s3, bucket)
    assert owner.post(storage_path(org), {"vendor": "aws", "params": params}).status_code == 200
    for role in (None, "workspace_admin"):
        if role:
            added = owner.post(
                f"organization/{org['api_id']}/members/add/",
                {"username": stranger.username, "membership_type": role},
            )
            assert added.status_code == 200, added.text
        assert refusal(stranger.get(storage_path(org)), 403) == NO_ROLE
        changed = stranger.post(storage_path(org), {"vendor": "aws", "params": params})
        assert refusal(changed, 403) == NO_ROLE
        tested = stranger.post(storage_path(org) + "test/", {"vendor": "aws", "params": params})
        assert refusal(tested, 403) == NO_ROLE
    assert stranger.ok(f"workspace/{workspace['api_id']}/")["organization"] == org["api_id"]  # a member
    assert owner.ok(storage_path(org))["params"] == shown(params)


def test_an_unreachable_bucket_fails_the_publish_and_keeps_what_was_stored(owner, s3, bucket):
    org, workspace, figure = new_org(owner)
    before = owner.revision(figure["api_id"], image(png_bytes(20, 20, (1, 2, 3))))
    assert owner.post(storage_path(org), {"vendor": "aws", "params": bucket_params(s3, bucket)}).ok
    in_bucket = owner.revision(figure["api_id"], data_item(b"in the bucket", "text"))
    gone = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    saved = owner.post(
        storage_path(org), {"vendor": "aws", "params": bucket_params(s3, bucket, endpoint_url=gone)}
    )
    assert saved.status_code == 200, saved.text

    failed = owner.post(
        "revision/", {"figure": figure["api_id"], "metadata": {}, "data": [data_item(b"new bytes", "text")]}
    )
    detail = refusal(failed, 502)
    assert detail.startswith(
        f"The storage of organization {org['name']!r} (s3://{bucket}/{PREFIX}) cannot be reached: "
        f"no answer from {gone}"
    ), detail
    assert "Nothing was stored." in detail
    assert failed.json()["code"] == "organization_storage_unreachable"
    assert SECRET_KEY not in failed.text

    revisions = owner.ok(f"revision/?figure={figure['api_id']}")
    assert [r["api_id"] for r in revisions] == [before["api_id"], in_bucket["api_id"]]
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == sum(
        r["size_bytes"] for r in revisions
    )
    assert payload_of(owner, before["data"][0]["api_id"]) == png_bytes(20, 20, (1, 2, 3))
    assert payload_of(owner, in_bucket["data"][0]["api_id"]) == b"in the bucket"  # its bucket still answers


def test_storage_test_contacts_the_bucket(owner, s3, bucket):
    org, _, _ = new_org(owner)
    test = storage_path(org) + "test/"
    good = bucket_params(s3, bucket)
    answer = owner.post(test, {"vendor": "aws", "params": good})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"vendor": "aws", "params": shown(good), "has_credentials": True}
    assert not [key for key in s3.objects(bucket, PREFIX) if "storage-test" in key]  # it cleaned up

    cases = [
        (bucket_params(s3, "no-such-bucket-here"), "there is no such bucket (NoSuchBucket)"),
        (bucket_params(s3, bucket, endpoint_url="http://127.0.0.1:9"), "no answer from http://127.0.0.1:9"),
    ]
    for params, reason in cases:
        refused = owner.post(test, {"vendor": "aws", "params": params})
        detail = refusal(refused, 400)
        assert detail == (
            f"The storage of organization {org['name']!r} (s3://{params['bucket']}/{PREFIX}) "
            f"cannot be reached: {reason}."
        )
        assert refused.json()["code"] == "organization_storage_unreachable"
    assert owner.ok(storage_path(org)) == SERVER_STORE  # testing saves nothing


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"vendor": "gcs", "params": {"bucket": "b"}}, "vendor", "Storage vendor 'gcs' is not supported"),
        ({"vendor": "aws", "params": None}, "params", "Must be an object naming at least the bucket."),
        ({"vendor": "aws", "params": {"key": "x"}}, "params", "bucket"),
        ({"vendor": "aws", "params": {"bucket": "abc", "colour": "red"}}, "params", "Unknown params colour"),
        (
            {"vendor": "aws", "params": {"bucket": "abc", "access_key_id": "id"}},
            "params",
            "Give access_key_id and secret_access_key together.",
        ),
        (
            {"vendor": "aws", "params": {"bucket": "abc", "endpoint_url": "ftp://host"}},
            "params",
            "Must be an http:// or https:// URL without credentials.",
        ),
        ({"vendor": "figtrail", "params": {"bucket": "abc"}}, "params", "takes no params"),
    ],
)
def test_a_wrong_setting_is_refused_by_name(owner, body, field, message):
    org, _, _ = new_org(owner)
    refused = refusal(owner.post(storage_path(org), body), 400, field)
    assert message in str(refused), refused
    assert owner.ok(storage_path(org)) == SERVER_STORE


def test_a_stranger_cannot_read_a_data_objects_storage(owner, stranger, s3, bucket):
    org, _, figure = new_org(owner)
    assert owner.post(storage_path(org), {"vendor": "aws", "params": bucket_params(s3, bucket)}).ok
    revision = owner.revision(figure["api_id"], data_item(b"private", "text"))
    assert refusal(stranger.get(f"data/{revision['data'][0]['api_id']}/storage/"), 403) == denied(
        "view", "data object"
    )


def test_the_credentials_never_reach_the_server_log(live_server):
    """After every test above (set, publish, unreachable, test/): the secret is nowhere in the log."""
    log = (live_server.home / "server.log").read_text(errors="replace")
    assert SECRET_KEY not in log


def test_a_bundle_carries_the_buckets_bytes_into_the_targets_own_store(tmp_path, s3, bucket):
    """``figtrail export`` reads each blob from where it is; the loaded copy keeps them in its own store
    and the organization on it (its bucket's credentials are sealed with the source's SECRET_KEY)."""
    (tmp_path / "source").mkdir()
    server = start_server(tmp_path / "source", {"FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS": "1"})
    try:
        owner = new_user(server)
        org, workspace, figure = new_org(owner)
        old = owner.revision(figure["api_id"], data_item(b"before the bucket", "text"))
        assert owner.post(storage_path(org), {"vendor": "aws", "params": bucket_params(s3, bucket)}).ok
        new = owner.revision(figure["api_id"], data_item(b"in the bucket " + uuid.uuid4().bytes, "text"))
        expected = {d["api_id"]: payload_of(owner, d["api_id"]) for r in (old, new) for d in r["data"]}
    finally:
        stop_server(server)
    bundle = tmp_path / "bundle"
    run_cli(server.env, "export", "--all", str(bundle))
    assert {p.name for p in (bundle / "blobs").iterdir()} == {
        blake3.blake3(p).hexdigest() for p in expected.values()
    }
    target_env = {**os.environ, "FIGTRAIL_HOME": str(tmp_path / "target"), **fresh_database_url()}
    (tmp_path / "target").mkdir()
    run_cli(target_env, "import", str(bundle))
    db = {k: v for k, v in target_env.items() if k == "FIGTRAIL_DATABASE_URL"}
    target = start_server(tmp_path / "target", db)
    try:
        me = Api.of(target.sign_in(owner.username, owner.password))
        for data_id, payload in expected.items():
            assert payload_of(me, data_id) == payload
            assert me.ok(f"data/{data_id}/storage/") == {"vendor": "figtrail"}
        assert {p.name for p in blob_files(target)} >= {
            blake3.blake3(p).hexdigest() for p in expected.values()
        }
        assert me.ok(storage_path(org)) == SERVER_STORE
    finally:
        stop_server(target)


def run_cli(env: dict, *args: str) -> None:
    done = subprocess.run([FIGTRAIL, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_asset_files_go_to_the_bucket_too_and_outlive_the_organization(owner, s3, bucket):
    org, workspace, _ = new_org(owner)
    assert owner.post(storage_path(org), {"vendor": "aws", "params": bucket_params(s3, bucket)}).ok
    payload = b"x,y\n" + uuid.uuid4().hex.encode()
    asset = owner.asset(workspace["api_id"])
    revision = owner.asset_revision(asset["api_id"], payload)
    assert s3.read(bucket, key_of(blake3.blake3(payload).hexdigest())) == payload
    assert payload_of(owner, revision["data"][0]["api_id"]) == payload

    assert owner.delete(f"organization/{org['api_id']}/").status_code == 204
    # the workspace stays (out of the organization), and its data is read from the bucket still
    assert owner.ok(f"workspace/{workspace['api_id']}/")["organization"] is None
    assert payload_of(owner, revision["data"][0]["api_id"]) == payload
    later = owner.asset_revision(asset["api_id"], b"after the organization")
    assert blake3.blake3(b"after the organization").hexdigest() in {p.name for p in blob_files(owner.server)}
    assert payload_of(owner, later["data"][0]["api_id"]) == b"after the organization"


def test_a_bucket_gone_quiet_answers_502_on_reads(owner, live_server, tmp_path):
    """Data already in a bucket that stops answering: the API and the web UI say whose storage it is."""
    quiet = start_s3(tmp_path)
    try:
        org, _, figure = new_org(owner)
        params = bucket_params(quiet, quiet.new_bucket())
        assert owner.post(storage_path(org), {"vendor": "aws", "params": params}).ok
        revision = owner.revision(figure["api_id"], data_item(b"soon out of reach", "text"))
    finally:
        stop_s3(quiet)
    data_id = revision["data"][0]["api_id"]
    expected = (
        f"The storage of organization {org['name']!r} (s3://{params['bucket']}/{PREFIX}) cannot be "
        f"reached: no answer from {quiet.url}."
    )
    hint = f"An organization admin can check it with organization/{org['api_id']}/storage/test/."
    answer = owner.get(f"data/{data_id}/")
    assert refusal(answer, 502) == f"{expected} {hint}"  # a read stored nothing, and says no more
    assert answer.json()["code"] == "organization_storage_unreachable"
    page = web_session(live_server, owner.username, owner.password).get(
        f"{live_server.url}/web/data/{data_id}/download", timeout=60
    )
    assert error_page(page, 502) == ("Storage unreachable", f"{expected} {hint}")
