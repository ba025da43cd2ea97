"""Two app servers behind one database and one S3 bucket: any request may land on either of them.

On the PostgreSQL run both share FIGTRAIL_DATABASE_URL; on SQLite they share FIGTRAIL_HOME (one database
file in WAL mode). Blobs go to one S3 bucket on a real S3-speaking server, and both sign tokens with the
same FIGTRAIL_SECRET_KEY.
"""

from __future__ import annotations

import base64
import os
from concurrent.futures import ThreadPoolExecutor

import blake3
import pytest
import requests

from tests.conftest import start_server, stop_server
from tests.server.helpers import Api, data_item
from tests.server.s3 import start_s3, stop_s3


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    s3 = start_s3(tmp_path_factory.mktemp("s3"))
    started = []
    try:
        bucket = s3.new_bucket()
        home = tmp_path_factory.mktemp("figtrail-shared-home")
        started.append(start_server(home, s3.env(bucket)))
        first = started[0]
        shared = {
            key: first.env[key]
            for key in ("FIGTRAIL_SECRET_KEY", "FIGTRAIL_DATABASE_URL")
            if key in first.env
        }
        started.append(start_server(home, {**s3.env(bucket), **shared}))
        yield first, started[1], s3, bucket
    finally:
        for server in started:
            stop_server(server)
        stop_s3(s3)


def test_published_on_one_read_on_the_other(pair):
    first, second, s3, bucket = pair
    user = first.user()
    on_first = Api.of(user)
    _, _, figure = on_first.tree()
    payload = os.urandom(250_000)
    revision = on_first.revision(figure["api_id"], data_item(payload, "file", "big.bin"))

    on_second = Api.of(second.sign_in(user.username, user.password))
    assert on_second.ok(f"revision/{revision['api_id']}/")["figure"] == figure["api_id"]
    data = on_second.ok(f"data/{revision['data'][0]['api_id']}/")
    assert base64.b64decode(data["data"]) == payload
    digest = blake3.blake3(payload).hexdigest()
    assert any(key.endswith(digest) for key in s3.objects(bucket))


def test_a_token_from_one_works_on_the_other(pair):
    first, second, _, _ = pair
    username, password = first.add_user()
    tokens = requests.post(
        first.url + "/api/token/", data={"username": username, "password": password}
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access']}"}
    assert requests.get(second.api + "user/", headers=headers, timeout=30).status_code == 200
    refreshed = requests.post(
        second.url + "/api/token/refresh/", data={"refresh": tokens["refresh"]}, timeout=30
    )
    assert refreshed.status_code == 200
    headers = {"Authorization": f"Bearer {refreshed.json()['access']}"}
    assert requests.get(first.api + "user/", headers=headers, timeout=30).status_code == 200


def test_publishing_on_both_at_once_numbers_revisions_once(pair):
    first, second, _, _ = pair
    user = first.user()
    apis = [Api.of(s.sign_in(user.username, user.password)) for s in (first, second)]
    _, _, figure = apis[0].tree()

    def publish(i: int) -> dict:
        return apis[i % 2].revision(figure["api_id"], data_item(os.urandom(2000), "file"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        published = list(pool.map(publish, range(12)))
    revisions = apis[1].ok(f"figure/{figure['api_id']}/")["revisions"]
    assert {r["api_id"] for r in revisions} == {r["api_id"] for r in published}
    assert sorted(r["revision_index"] for r in published) == list(range(12))
