"""Oversized bodies answer 413; JSON bombs (deep nesting, too many values) answer 400, never 500."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.server.helpers import data_item, new_user, no_such, refusal
from tests.server.security.conftest import MAX_BODY_BYTES


def post_raw(api, path: str, body: bytes, **headers) -> requests.Response:
    return api.session.post(
        api.base + path,
        data=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=60,
        allow_redirects=False,
    )


def test_oversized_body_is_413(strict_server):
    api = new_user(strict_server)
    _, _, figure = api.tree()
    body = {"figure": figure["api_id"], "metadata": {}, "data": [data_item(b"x" * MAX_BODY_BYTES)]}
    response = api.post("revision/", body)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "request_too_large"
    assert str(MAX_BODY_BYTES) in response.json()["detail"]
    assert api.ok(f"figure/{figure['api_id']}/")["revisions"] == []


def test_oversized_chunked_body_is_413(strict_server):
    api = new_user(strict_server)
    chunks = (b"[" + b"0," * 1024 + b"0]" for _ in range(64))  # 130 kB, no Content-Length
    response = api.session.post(
        api.base + "workspace/", data=chunks, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert refusal(response, 413, "code") == "request_too_large"


def test_body_just_under_the_limit_is_accepted(strict_server):
    api = new_user(strict_server)
    _, _, figure = api.tree()
    body = {"figure": figure["api_id"], "metadata": {}, "data": [data_item(b"x" * (MAX_BODY_BYTES // 2))]}
    assert api.post("revision/", body).status_code == 201


@pytest.mark.parametrize(
    "bomb",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"[" * 100_000,  # and never closed
        b'{"name": "w", "organization": null, "x": ' + b"[" * 65 + b"]" * 65 + b"}",
    ],
    ids=["arrays-100k", "objects-100k", "unclosed-100k", "just-too-deep"],
)
@pytest.mark.parametrize("path", ["workspace/", "revision/", "comment/"])
def test_deeply_nested_json_is_400(owner, bomb, path):
    response = post_raw(owner, path, bomb)
    assert response.status_code == 400, response.text[:500]
    assert "nested too deeply" in response.json()["detail"] or "not valid" in response.json()["detail"]


def test_nesting_error_names_the_problem(owner):
    response = post_raw(owner, "workspace/", b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The request body is not valid: JSON is nested too deeply (at most 64 levels of arrays and objects)."
    )


def test_reasonably_nested_metadata_is_accepted(owner):
    _, _, figure = owner.tree()
    nested: dict = {"leaf": 1}
    for level in range(30):
        nested = {f"level{level}": nested}
    revision = owner.revision(figure["api_id"], metadata=nested)
    assert owner.ok(f"revision/{revision['api_id']}/")["metadata"] == nested


def test_too_many_values_is_400(owner):
    keys = json.dumps({f"k{i}": 0 for i in range(1_100_000)}).encode()
    response = post_raw(owner, "workspace/", keys)
    assert response.status_code == 400, response.text[:500]
    assert "too many values" in response.json()["detail"]


def test_many_keys_in_metadata_is_not_a_server_error(owner):
    _, _, figure = owner.tree()
    metadata = {f"key{i}": i for i in range(50_000)}
    response = owner.post("revision/", {"figure": figure["api_id"], "metadata": metadata, "data": []})
    assert response.status_code == 201, response.text[:500]
    assert len(owner.ok(f"revision/{response.json()['api_id']}/")["metadata"]) == 50_000


FIRST_FIELD = {  # the field each path names first when an object lacks it or has it of the wrong type
    "workspace/": "name",
    "revision/": "figure",
    "comment/": "target_type",
    "api_key/": "name",
    "analysis/": "name",
}


@pytest.mark.parametrize(
    "body",
    [
        b"[null, null]",
        b'"text"',
        b"12",
        b"null",
        b'{"figure": 1e999}',
        b'{"name": [[[]]], "workspace": {}}',
    ],
)
@pytest.mark.parametrize("path", list(FIRST_FIELD))
def test_wrong_json_shapes_are_400(owner, body, path):
    """A body that is no object is refused as a whole; an object of the wrong shape names a field."""
    response = post_raw(owner, path, body)
    field = FIRST_FIELD[path] if body.startswith(b"{") else "non_field_errors"
    assert refusal(response, 400, field), (path, body)


@pytest.mark.parametrize(("number", "status"), [(10**23, 404), (2**200, 400), (-1, 400)])
def test_huge_integer_ids_are_not_server_errors(owner, number, status):
    response = post_raw(owner, "revision/", b'{"figure": %d, "metadata": {}, "data": []}' % number)
    if status == 404:  # 128 bits or fewer: read as the UUID with that number, which names no figure
        assert refusal(response, 404) == no_such("figure", str(uuid.UUID(int=number)))
    else:
        assert refusal(response, 400, "figure") == ["Must be a valid UUID."]
