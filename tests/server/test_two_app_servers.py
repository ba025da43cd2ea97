"""Two app servers behind one database and one S3 bucket: any request may land on either of them.

On the PostgreSQL run both share FIGTRAIL_DATABASE_URL; on SQLite they share FIGTRAIL_HOME (one database
file in WAL mode). Blobs go to one S3 bucket on a real S3-speaking server, and both sign tokens with the
same FIGTRAIL_SECRET_KEY. The last tests reach them through one address, the round-robin reverse proxy
that benchmarks/scale_out.py puts in front of them (tests/server/proxy.py).
"""

from __future__ import annotations

import base64
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import blake3
import pytest
import requests

from tests.conftest import free_port, start_server, stop_server
from tests.server.helpers import Api, data_item
from tests.server.proxy import RoundRobinProxy
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


@pytest.fixture(scope="module")
def proxy(pair):
    first, second, _, _ = pair
    with RoundRobinProxy([first.url, second.url]) as proxy:
        yield proxy


def test_through_one_address_concurrent_publishes_and_their_retries_are_stored_once(pair, proxy):
    first, _, s3, bucket = pair
    user = first.user()
    api = Api(proxy, user.session, user.username, user.password)  # every request through the proxy
    _, _, figure = api.tree()
    payloads = {str(uuid.uuid4()): os.urandom(3000) for _ in range(16)}
    answered_before = list(proxy.answered)

    def publish_twice(client_id: str) -> tuple[int, int, str]:
        body = {
            "figure": figure["api_id"],
            "client_id": client_id,
            "metadata": {},
            "data": [data_item(payloads[client_id], "file", "payload.bin")],
        }
        first_try = api.post("revision/", body)
        retry = api.post("revision/", body)  # as a client whose answer was lost: either server gets it
        return first_try.status_code, retry.status_code, retry.json().get("code", "")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(publish_twice, payloads))
    assert answers == [(201, 409, "duplicate_client_id")] * len(payloads)
    served = [after - before for after, before in zip(proxy.answered, answered_before, strict=True)]
    assert min(served) >= len(payloads)  # round-robin: each server answered half the tries
    assert proxy.server_errors == [0, 0] and proxy.bad_gateway == 0

    revisions = api.ok(f"figure/{figure['api_id']}/")["revisions"]
    assert sorted(r["api_id"] for r in revisions) == sorted(payloads)
    assert sorted(r["revision_index"] for r in revisions) == list(range(len(payloads)))
    keys = s3.objects(bucket)
    for client_id, payload in payloads.items():
        item = api.ok(f"revision/{client_id}/")["data"][0]
        assert base64.b64decode(api.ok(f"data/{item['api_id']}/")["data"]) == payload
        digest = blake3.blake3(payload).hexdigest()
        assert [size for key, size in keys.items() if key.endswith(digest)] == [len(payload)]


def test_the_proxy_answers_502_for_an_app_server_that_is_down(pair):
    first, _, _, _ = pair
    with RoundRobinProxy([first.url, f"http://127.0.0.1:{free_port()}"]) as proxy:
        statuses = [requests.get(proxy.api + "info/", timeout=30).status_code for _ in range(4)]
    assert statuses == [200, 502, 200, 502]
    assert proxy.answered == [2, 0] and proxy.bad_gateway == 2
