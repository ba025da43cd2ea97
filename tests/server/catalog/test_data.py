"""``data/``: full payloads by id (standard base64, byte-for-byte), blake3 hashes, and immutability:
PUT, PATCH and DELETE answer 405 for anyone."""

from __future__ import annotations

import base64

import blake3
import pytest

from tests.server.helpers import data_item, denied, no_such, png_bytes, refusal

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def revision(owner) -> dict:
    _, _, figure = owner.tree()
    return owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", "figure", format="png", is_watermarked=False),
        data_item(
            b"print('hi')\n", "code", "Jupyter Cell", language="Python", format="text", encoding="utf-8"
        ),
        data_item(b"a,b\n1,2\n", "dataframe", "table", format="csv", encoding="utf-8"),
        data_item(b'{"k": 1}', "text", "System Info", format="json", encoding="utf-8", role="manifest"),
        data_item(bytes(range(256)), "file", "raw.bin", path=None),
    )


def test_every_type_roundtrips(owner, revision):
    assert [d["type"] for d in revision["data"]] == ["image", "code", "dataframe", "text", "file"]
    for entry in revision["data"]:
        full = owner.ok(f"data/{entry['api_id']}/")
        payload = base64.b64decode(full["data"], validate=True)
        assert len(payload) == full["size_bytes"] == entry["size_bytes"]
        assert full["hash"] == blake3.blake3(payload).hexdigest()
        assert full["metadata"] == entry["metadata"]
        assert {k: v for k, v in full.items() if k != "data"} == entry


def test_metadata_is_stored_verbatim(owner, revision):
    code = owner.ok(f"data/{revision['data'][1]['api_id']}")
    assert code["metadata"]["language"] == "Python"
    assert code["metadata"]["format"] == "text"
    assert code["metadata"]["local_id"]
    raw = owner.ok(f"data/{revision['data'][4]['api_id']}")
    assert raw["metadata"]["path"] is None
    assert base64.b64decode(raw["data"]) == bytes(range(256))


def test_hash_is_blake3_hex_of_decoded_bytes(revision):
    assert revision["data"][4]["hash"] == blake3.blake3(bytes(range(256))).hexdigest()
    assert len(revision["data"][4]["hash"]) == 64


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_mutation_is_405(owner, revision, method):
    entry = revision["data"][1]
    for slash in ("/", ""):
        response = owner.request(method, f"data/{entry['api_id']}{slash}", json={**entry, "name": "changed"})
        assert refusal(response, 405) == f'Method "{method}" not allowed.'
    assert owner.ok(f"data/{entry['api_id']}/")["name"] == "Jupyter Cell"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_mutation_is_405_even_for_another_user(stranger, revision, method):
    entry = revision["data"][0]
    response = stranger.request(method, f"data/{entry['api_id']}/", json={"name": "x"})
    assert refusal(response, 405) == f'Method "{method}" not allowed.'


def test_another_users_data_is_403(owner, stranger, revision):
    for entry in revision["data"]:
        assert refusal(stranger.get(f"data/{entry['api_id']}/"), 403) == denied("view", "data object")
    storage = f"data/{revision['data'][0]['api_id']}/storage/"
    assert refusal(stranger.get(storage), 403) == denied("view", "data object")


def test_storage(owner, revision):
    storage = owner.ok(f"data/{revision['data'][0]['api_id']}/storage/")
    assert "vendor" in storage


def test_missing_is_404(owner):
    assert refusal(owner.get(f"data/{MISSING}/"), 404) == no_such("data object", MISSING)
    assert refusal(owner.get("data/not-a-uuid"), 404) == no_such("data object", "not-a-uuid")


def test_asset_revision_data_is_served_too(owner):
    asset = owner.asset(owner.workspace()["api_id"])
    asset_revision = owner.asset_revision(asset["api_id"], b"x,y\n3,4\n")
    entry = asset_revision["data"][0]
    assert "data" not in entry
    full = owner.ok(f"data/{entry['api_id']}/")
    assert base64.b64decode(full["data"]) == b"x,y\n3,4\n"
    assert full["metadata"]["path"] == "data.csv"
