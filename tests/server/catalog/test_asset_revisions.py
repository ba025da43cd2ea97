"""``asset_revision/``: create with file data, find_by_hash with the client's blake3 digest, back-links
to the figure revisions that used it, updates and deletes."""

from __future__ import annotations

import base64

import blake3
import pytest

from tests.server.helpers import data_item, denied, no_such, refusal, unique

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def setup(owner) -> dict:
    workspace, analysis, figure = owner.tree()
    payload = f"x,y\n{unique('row')},2\n".encode()
    plain = owner.asset(workspace["api_id"], "data.csv")
    scoped = owner.asset(workspace["api_id"], "scoped.csv", analysis["api_id"])
    return {
        "workspace": workspace,
        "analysis": analysis,
        "figure": figure,
        "payload": payload,
        "digest": blake3.blake3(payload).hexdigest(),
        "plain": plain,
        "plain_revision": owner.asset_revision(plain["api_id"], payload),
        "scoped": scoped,
        "scoped_revision": owner.asset_revision(scoped["api_id"], payload, "sub/scoped.csv"),
    }


def test_create_is_201(owner, setup):
    revision = setup["plain_revision"]
    assert revision["asset"] == setup["plain"]["api_id"]
    assert revision["revision_index"] == 0
    assert revision["is_processing"] is False
    assert revision["size_bytes"] == len(setup["payload"])
    assert revision["figure_revisions"] == []
    assert [(d["name"], d["type"]) for d in revision["data"]] == [("data.csv", "file")]
    assert owner.ok(f"asset_revision/{revision['api_id']}/")["created_on"] == revision["created_on"]


def test_server_hash_matches_client_blake3(setup):
    assert setup["plain_revision"]["data"][0]["hash"] == setup["digest"]


def test_find_by_hash_without_analysis_finds_all(owner, setup):
    response = owner.post("asset_revision/find_by_hash/", {"digest": setup["digest"], "hash_type": "blake3"})
    assert response.status_code == 200
    found = response.json()
    assert [r["api_id"] for r in found] == [
        setup["plain_revision"]["api_id"],
        setup["scoped_revision"]["api_id"],
    ]
    assert [r["asset"] for r in found] == [setup["plain"]["api_id"], setup["scoped"]["api_id"]]


def test_find_by_hash_with_analysis(owner, setup):
    body = {"digest": setup["digest"].upper(), "hash_type": "blake3", "analysis": setup["analysis"]["api_id"]}
    found = owner.post("asset_revision/find_by_hash", body).json()
    assert [r["api_id"] for r in found] == [setup["scoped_revision"]["api_id"]]


def test_find_by_hash_miss_and_strangers(owner, stranger, setup):
    other = blake3.blake3(b"nothing like it").hexdigest()
    assert owner.post("asset_revision/find_by_hash/", {"digest": other, "hash_type": "blake3"}).json() == []
    assert (
        stranger.post(
            "asset_revision/find_by_hash/", {"digest": setup["digest"], "hash_type": "blake3"}
        ).json()
        == []
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"digest": "abc", "hash_type": "blake3"}, "digest"),
        ({"digest": "0" * 64, "hash_type": "md5"}, "hash_type"),
    ],
)
def test_find_by_hash_validates(owner, body, field):
    response = owner.post("asset_revision/find_by_hash/", body)
    assert response.status_code == 400
    assert field in response.json()


def test_back_links_figure_revisions(owner, setup):
    target = setup["plain_revision"]
    revision = owner.revision(
        setup["figure"]["api_id"],
        data_item(b"fig"),
        assets=[{"use_type": "indirect", "figure_revision": None, "asset_revision": target["api_id"]}],
    )
    links = owner.ok(f"asset_revision/{target['api_id']}/")["figure_revisions"]
    assert links == [
        {"use_type": "indirect", "figure_revision": revision["api_id"], "asset_revision": target["api_id"]}
    ]
    assert revision["assets"] == links
    assert owner.delete(f"revision/{revision['api_id']}/").status_code == 204
    assert owner.ok(f"asset_revision/{target['api_id']}/")["figure_revisions"] == []


def test_missing_asset_is_400_or_404(owner):
    missing_field = owner.post("asset_revision/", {"data": [data_item(b"x", "file")]})
    assert missing_field.status_code == 400
    assert "asset" in missing_field.json()
    assert refusal(owner.post("asset_revision/", {"asset": MISSING, "data": []}), 404) == no_such(
        "asset", MISSING
    )


def test_bad_payload_is_400_and_stores_nothing(owner):
    workspace = owner.workspace()
    asset = owner.asset(workspace["api_id"])
    response = owner.post(
        "asset_revision/", {"asset": asset["api_id"], "data": [{**data_item(b"x", "file"), "data": "%%%"}]}
    )
    assert response.status_code == 400
    assert "data" in response.json()
    assert owner.ok(f"asset/{asset['api_id']}/")["revisions"] == []
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 0


def test_put_replaces_data_and_ignores_read_only(owner):
    workspace = owner.workspace()
    asset = owner.asset(workspace["api_id"])
    revision = owner.asset_revision(asset["api_id"], b"1234")
    body = {
        **revision,
        "size_bytes": 0,
        "figure_revisions": [
            {"use_type": "direct", "figure_revision": MISSING, "asset_revision": revision["api_id"]}
        ],
        "data": [data_item(b"123456789", "file", "data.csv", path="data.csv")],
        "metadata": {"path": "data.csv"},
    }
    response = owner.put(f"asset_revision/{revision['api_id']}/", body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["size_bytes"] == 9
    assert updated["figure_revisions"] == []
    assert updated["metadata"] == {"path": "data.csv"}
    assert base64.b64decode(owner.ok(f"data/{updated['data'][0]['api_id']}/")["data"]) == b"123456789"
    assert owner.ok(f"asset/{asset['api_id']}/")["size_bytes"] == 9
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 9


def test_delete_shrinks_asset_and_workspace(owner):
    workspace = owner.workspace()
    asset = owner.asset(workspace["api_id"])
    keep = owner.asset_revision(asset["api_id"], b"12")
    gone = owner.asset_revision(asset["api_id"], b"123456")
    assert owner.delete(f"asset_revision/{gone['api_id']}").status_code == 204
    assert refusal(owner.get(f"asset_revision/{gone['api_id']}/"), 404) == no_such(
        "asset revision", gone["api_id"]
    )
    assert [r["api_id"] for r in owner.ok(f"asset/{asset['api_id']}/")["revisions"]] == [keep["api_id"]]
    assert owner.ok(f"asset/{asset['api_id']}/")["size_bytes"] == 2
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 2


def test_other_users_asset_revision_is_403(owner, stranger, setup):
    path = f"asset_revision/{setup['plain_revision']['api_id']}/"
    assert refusal(stranger.get(path), 403) == denied("view", "asset revision")
    assert refusal(stranger.put(path, {"metadata": {"x": 1}}), 403) == denied("create", "asset revision")
    assert refusal(stranger.patch(path, {"metadata": {"x": 1}}), 403) == denied("create", "asset revision")
    assert refusal(stranger.delete(path), 403) == denied("create", "asset revision")
    assert refusal(stranger.get(path + "thumbnail/64"), 403) == denied("view", "asset revision")
    assert owner.get(path).status_code == 200


def test_missing_is_404(owner):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert refusal(owner.request(method, f"asset_revision/{MISSING}/", json={}), 404) == no_such(
            "asset revision", MISSING
        )
