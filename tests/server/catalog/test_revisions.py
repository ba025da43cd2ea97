"""``revision/``: single-call creation with a client-chosen id, conflicts that change nothing, sizes,
shallow GETs, wholesale PUT, silent saves, and precise 400/405/413 errors."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import requests

from tests.conftest import start_server, stop_server
from tests.server.helpers import Api, data_item, denied, new_user, no_such, png_bytes, refusal, when

MISSING = "00000000-0000-4000-8000-000000000000"


def counts(owner: Api, workspace: dict, figure: dict) -> tuple:
    """What a rejected request must leave unchanged: sizes, revision count, log length."""
    return (
        owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"],
        owner.ok(f"analysis/{figure['analysis']}/")["size_bytes"],
        owner.ok(f"figure/{figure['api_id']}/")["size_bytes"],
        len(owner.ok(f"figure/{figure['api_id']}/")["revisions"]),
        len(owner.ok(f"workspace/{workspace['api_id']}/log/")),
    )


def test_single_call_create_adopts_client_id(owner):
    _, _, figure = owner.tree()
    revision_id = str(uuid.uuid4())
    body = {
        "api_id": revision_id,
        "metadata": {"backend": "matplotlib", "notebook_name": "My Notebook.ipynb"},
        "figure": figure["api_id"],
        "assets": [],
        "data": [
            data_item(b"1234567", "text", "System Info"),
            data_item(png_bytes(), "image", "figure", format="png"),
        ],
        "client_id": revision_id,
    }
    response = owner.post("revision/", body)
    assert response.status_code == 201, response.text
    revision = response.json()
    assert revision["api_id"] == revision_id
    assert revision["figure"] == figure["api_id"]
    assert revision["revision_index"] == 0  # the API counts from 0, as GoFigr's clients do
    assert revision["is_processing"] is False
    assert revision["metadata"] == body["metadata"]
    assert revision["created_by"] == owner.username
    assert [d["name"] for d in revision["data"]] == ["System Info", "figure"]
    assert [d["metadata"] for d in revision["data"]] == [d["metadata"] for d in body["data"]]
    assert owner.ok(f"revision/{revision_id}/")["created_on"] == revision["created_on"]


def test_server_makes_the_id_without_client_id(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"x"))
    assert uuid.UUID(revision["api_id"]).version == 4
    assert revision["api_id"] == revision["api_id"].lower()


def test_client_id_is_returned_lowercase(owner):
    _, _, figure = owner.tree()
    revision_id = str(uuid.uuid4())
    created = owner.revision(figure["api_id"], client_id=revision_id.upper(), api_id=revision_id.upper())
    assert created["api_id"] == revision_id
    assert owner.ok(f"revision/{revision_id.upper()}/")["api_id"] == revision_id


def test_revision_index_counts_per_figure(owner):
    _, analysis, figure = owner.tree()
    other = owner.figure(analysis["api_id"])
    indexes = [owner.revision(figure["api_id"], data_item(b"x"))["revision_index"] for _ in range(3)]
    assert indexes == [0, 1, 2]  # from 0, as GoFigr's clients count (the R client shows index + 1)
    assert owner.revision(other["api_id"])["revision_index"] == 0


def test_size_is_sum_of_decoded_data_and_propagates(owner):
    workspace, analysis, figure = owner.tree()
    payloads = [b"1234567", b"\x00" * 100, png_bytes()]
    revision = owner.revision(figure["api_id"], *(data_item(p, "file") for p in payloads))
    total = sum(len(p) for p in payloads)
    assert revision["size_bytes"] == total
    assert [d["size_bytes"] for d in revision["data"]] == [len(p) for p in payloads]
    assert owner.ok(f"figure/{figure['api_id']}/")["size_bytes"] == total
    assert owner.ok(f"analysis/{analysis['api_id']}/")["size_bytes"] == total
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == total


def test_empty_revision_has_size_zero(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"])
    assert revision["size_bytes"] == 0
    assert revision["data"] == []


def test_every_revision_answer_names_its_figure(owner):
    """figure_metadata: {name, ...}, as GoFigr's R client reads it after its PATCH (the Shiny widget)."""
    _, _, figure = owner.tree()
    created = owner.post("revision/", {"figure": figure["api_id"], "data": []}).json()
    patched = owner.session.patch(
        f"{owner.base}revision/{created['api_id']}/?silent=true", json={"metadata": {}}
    )
    listed = owner.ok(f"revision/?figure={figure['api_id']}")
    for answer in (created, patched.json(), owner.ok(f"revision/{created['api_id']}/"), listed[0]):
        assert answer["figure_metadata"]["name"] == figure["name"]
        assert answer["figure_metadata"]["api_id"] == figure["api_id"]


def test_an_empty_list_of_metadata_from_r_is_stored_as_an_empty_object(owner):
    """jsonlite writes R's empty named list as []: the revision's metadata reads back as {}."""
    workspace, _, figure = owner.tree()
    created = owner.post("revision/", {"figure": figure["api_id"], "metadata": [], "data": []})
    assert created.status_code == 201, created.text
    assert owner.ok(f"revision/{created.json()['api_id']}/")["metadata"] == {}
    before = counts(owner, workspace, figure)
    for bad in (["a", "b"], "text", 3):
        refused = owner.post("revision/", {"figure": figure["api_id"], "metadata": bad, "data": []})
        assert refused.status_code == 400 and "JSON object" in refused.json()["metadata"][0]
    assert counts(owner, workspace, figure) == before
    patched = owner.session.patch(f"{owner.base}revision/{created.json()['api_id']}/", json={"metadata": []})
    assert patched.status_code == 200 and patched.json()["metadata"] == {}


def test_create_sets_child_updated_on_parents(owner):
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"x"))
    for path in (
        f"figure/{figure['api_id']}/",
        f"analysis/{analysis['api_id']}/",
        f"workspace/{workspace['api_id']}/",
    ):
        parent = owner.ok(path)
        assert parent["child_updated_on"] == revision["created_on"]
        assert parent["child_updated_by"] == owner.username


def test_duplicate_client_id_is_409_and_changes_nothing(owner):
    workspace, analysis, figure = owner.tree()
    revision_id = str(uuid.uuid4())
    first = owner.post(
        "revision/", {"figure": figure["api_id"], "client_id": revision_id, "data": [data_item(b"one")]}
    )
    assert first.status_code == 201
    before = counts(owner, workspace, figure)
    second_figure = owner.figure(analysis["api_id"])
    before = counts(owner, workspace, figure)
    for target in (figure, second_figure):
        again = owner.post(
            "revision/",
            {
                "figure": target["api_id"],
                "client_id": revision_id,
                "data": [data_item(b"a much longer payload")],
            },
        )
        assert again.status_code == 409
        assert again.json()["code"] == "duplicate_client_id"
    assert counts(owner, workspace, figure) == before
    assert owner.ok(f"figure/{second_figure['api_id']}/")["revisions"] == []
    stored = owner.ok(f"revision/{revision_id}/")
    assert stored["size_bytes"] == 3
    assert stored["figure"] == figure["api_id"]


def test_duplicate_short_id_is_409(owner):
    workspace, _, figure = owner.tree()
    prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]
    first = owner.revision(figure["api_id"], data_item(b"x"), short_id=prefix + "0")
    assert first["short_id"] == prefix + "0"
    before = counts(owner, workspace, figure)
    again = owner.post(
        "revision/", {"figure": figure["api_id"], "short_id": prefix + "0", "data": [data_item(b"yy")]}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "short_id_taken"
    assert counts(owner, workspace, figure) == before
    assert owner.revision(figure["api_id"], short_id=prefix + "1")["short_id"] == prefix + "1"


def test_bad_short_id_is_400(owner):
    _, _, figure = owner.tree()
    response = owner.post("revision/", {"figure": figure["api_id"], "short_id": "has spaces/and slashes"})
    assert response.status_code == 400
    assert "short_id" in response.json()


def test_empty_short_id_means_none(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"x"), short_id="")
    assert revision["short_id"] is None


def test_mime_style_base64_with_line_breaks_is_accepted(owner):
    _, _, figure = owner.tree()
    payload = bytes(range(256)) * 4
    item = {**data_item(b"x"), "data": base64.encodebytes(payload).decode()}  # a line break every 76 chars
    assert "\n" in item["data"]
    revision = owner.revision(figure["api_id"], item)
    full = owner.ok(f"data/{revision['data'][0]['api_id']}/")
    assert base64.b64decode(full["data"], validate=True) == payload


def test_get_is_shallow(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"payload", "code", "cell", language="Python"))
    fetched = owner.ok(f"revision/{revision['api_id']}/")
    assert len(fetched["data"]) == 1
    entry = fetched["data"][0]
    assert "data" not in entry
    assert set(entry) >= {"api_id", "name", "type", "hash", "size_bytes", "is_clean_room", "metadata"}
    assert entry["metadata"]["language"] == "Python"
    assert all("data" not in d for d in revision["data"])


def test_data_payload_roundtrips_byte_for_byte(owner):
    _, _, figure = owner.tree()
    payloads = [bytes(range(256)) * 3, "héllo ✓".encode(), b""]
    revision = owner.revision(
        figure["api_id"], *(data_item(p, "file", f"f{i}") for i, p in enumerate(payloads))
    )
    for entry, payload in zip(revision["data"], payloads, strict=True):
        full = owner.ok(f"data/{entry['api_id']}/")
        assert base64.b64decode(full["data"], validate=True) == payload
        assert full["size_bytes"] == len(payload)


def test_put_replaces_data_and_asset_links(owner):
    workspace, analysis, figure = owner.tree()
    asset = owner.asset(workspace["api_id"])
    first_ar = owner.asset_revision(asset["api_id"], b"v1")
    second_ar = owner.asset_revision(asset["api_id"], b"v22")
    revision = owner.revision(
        figure["api_id"],
        data_item(b"12345", "text"),
        assets=[{"use_type": "indirect", "figure_revision": None, "asset_revision": first_ar["api_id"]}],
    )
    assert [link["asset_revision"] for link in revision["assets"]] == [first_ar["api_id"]]
    assert revision["assets"][0]["figure_revision"] == revision["api_id"]
    old_data_id = revision["data"][0]["api_id"]
    body = {
        **revision,
        "metadata": {"notebook_name": "n.ipynb"},
        "size_bytes": 1,
        "revision_index": 99,
        "data": [data_item(b"abcdefghij", "code", "cell"), data_item(b"xyz", "text")],
        "assets": [
            {
                "use_type": "direct",
                "figure_revision": revision["api_id"],
                "asset_revision": second_ar["api_id"],
            }
        ],
    }
    response = owner.put(f"revision/{revision['api_id']}/?silent=true", body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["size_bytes"] == 13
    assert updated["revision_index"] == 0
    assert updated["metadata"] == {"notebook_name": "n.ipynb"}
    assert [d["name"] for d in updated["data"]] == ["cell", "item"]
    assert [(a["use_type"], a["asset_revision"]) for a in updated["assets"]] == [
        ("direct", second_ar["api_id"])
    ]
    assert updated["updated_by"] == owner.username
    assert refusal(owner.get(f"data/{old_data_id}/"), 404) == no_such("data object", old_data_id)
    assert owner.ok(f"figure/{figure['api_id']}/")["size_bytes"] == 13
    assert owner.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 13 + 2 + 3
    assert owner.ok(f"asset_revision/{first_ar['api_id']}/")["figure_revisions"] == []
    cleared = owner.patch(f"revision/{revision['api_id']}/", {"assets": []})
    assert cleared.status_code == 200
    assert cleared.json()["assets"] == []
    assert len(cleared.json()["data"]) == 2  # PATCH without data keeps it


def test_put_may_echo_shallow_data_by_id(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"keep me", "text", "kept"))
    shallow = owner.ok(f"revision/{revision['api_id']}/")
    response = owner.put(f"revision/{revision['api_id']}/", {**shallow, "metadata": {"k": 1}})
    assert response.status_code == 200, response.text
    entry = response.json()["data"][0]
    assert entry["size_bytes"] == 7
    assert base64.b64decode(owner.ok(f"data/{entry['api_id']}/")["data"]) == b"keep me"


def test_a_patch_adding_formats_keeps_the_ids_of_the_data_it_names(owner):
    """figtrail's client creates a revision with its primary image, then adds the other formats: what
    pages already show keeps its id, and a data object named twice is stored twice, with a new id."""
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", "figure", format="png"))
    [png] = revision["data"]
    shallow = {key: png[key] for key in ("api_id", "name", "type", "metadata")}
    added = data_item(b"<svg/>", "image", "figure", format="svg")
    response = owner.patch(f"revision/{revision['api_id']}/?silent=true", {"data": [shallow, added, shallow]})
    assert response.status_code == 200, response.text
    first, svg, copy = response.json()["data"]
    assert first["api_id"] == png["api_id"] and first["hash"] == png["hash"]
    assert svg["metadata"]["format"] == "svg" and svg["size_bytes"] == 6
    assert copy["api_id"] != png["api_id"] and copy["hash"] == png["hash"]
    assert base64.b64decode(owner.ok(f"data/{png['api_id']}/")["data"]) == png_bytes()


def test_silent_put_writes_no_log_entry(owner):
    workspace, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"x"))
    log_path = f"workspace/{workspace['api_id']}/log/"
    before = len(owner.ok(log_path))
    assert owner.put(f"revision/{revision['api_id']}/?silent=true", {"metadata": {"a": 1}}).status_code == 200
    assert (
        owner.patch(f"revision/{revision['api_id']}?silent=true", {"metadata": {"a": 2}}).status_code == 200
    )
    assert len(owner.ok(log_path)) == before
    assert owner.patch(f"revision/{revision['api_id']}/", {"metadata": {"a": 3}}).status_code == 200
    log = owner.ok(log_path)
    assert len(log) == before + 1
    assert log[0]["action"] == "update" and log[0]["target_id"] == revision["api_id"]


def test_update_sets_child_updated_on_parents(owner):
    workspace, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"x"))
    updated = owner.patch(f"revision/{revision['api_id']}/", {"metadata": {"v": 2}}).json()
    assert when(updated["updated_on"]) >= when(revision["created_on"])
    assert owner.ok(f"figure/{figure['api_id']}/")["child_updated_on"] == updated["updated_on"]
    assert owner.ok(f"workspace/{workspace['api_id']}/")["child_updated_on"] == updated["updated_on"]


def test_bad_base64_is_400_naming_the_field(owner):
    workspace, _, figure = owner.tree()
    before = counts(owner, workspace, figure)
    item = {**data_item(b"x"), "data": "not base64 at all!!"}
    response = owner.post("revision/", {"figure": figure["api_id"], "data": [data_item(b"ok"), item]})
    assert response.status_code == 400
    body = response.json()
    assert "data" in body
    assert "data" in str(body["data"]) and "base64" in str(body["data"])
    assert counts(owner, workspace, figure) == before


def test_unknown_data_type_is_400_naming_the_field(owner):
    workspace, _, figure = owner.tree()
    before = counts(owner, workspace, figure)
    response = owner.post("revision/", {"figure": figure["api_id"], "data": [data_item(b"x", "hologram")]})
    assert response.status_code == 400
    assert "type" in str(response.json()["data"])
    assert counts(owner, workspace, figure) == before


def test_missing_figure_is_400_naming_figure(owner):
    response = owner.post("revision/", {"metadata": {}, "data": [data_item(b"x")]})
    assert response.status_code == 400
    assert "figure" in response.json()


def test_nonexistent_figure_is_404(owner):
    response = owner.post("revision/", {"figure": MISSING, "data": [data_item(b"x")]})
    assert refusal(response, 404) == no_such("figure", MISSING)


def test_malformed_json_is_400(owner):
    response = owner.request(
        "POST", "revision/", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_linking_a_foreign_asset_revision_is_403(owner, stranger):
    _, _, figure = owner.tree()
    theirs = stranger.asset_revision(stranger.asset(stranger.workspace()["api_id"])["api_id"], b"secret")
    link = [{"use_type": "indirect", "asset_revision": theirs["api_id"]}]
    response = owner.post("revision/", {"figure": figure["api_id"], "data": [], "assets": link})
    assert refusal(response, 403) == denied("view", "asset revision")
    assert owner.ok(f"figure/{figure['api_id']}/")["revisions"] == []
    missing = owner.post("revision/", {"figure": figure["api_id"], "assets": [{"asset_revision": MISSING}]})
    assert missing.status_code == 400
    assert "assets" in missing.json()


def test_delete_shrinks_parents(owner):
    workspace, analysis, figure = owner.tree()
    keep = owner.revision(figure["api_id"], data_item(b"k" * 4))
    gone = owner.revision(figure["api_id"], data_item(b"g" * 9))
    assert owner.delete(f"revision/{gone['api_id']}").status_code == 204
    assert refusal(owner.get(f"revision/{gone['api_id']}/"), 404) == no_such("revision", gone["api_id"])
    assert refusal(owner.get(f"data/{gone['data'][0]['api_id']}/"), 404) == no_such(
        "data object", gone["data"][0]["api_id"]
    )
    for path in (
        f"figure/{figure['api_id']}/",
        f"analysis/{analysis['api_id']}/",
        f"workspace/{workspace['api_id']}/",
    ):
        assert owner.ok(path)["size_bytes"] == 4
    assert [r["api_id"] for r in owner.ok(f"figure/{figure['api_id']}/")["revisions"]] == [keep["api_id"]]


def test_other_users_revision_is_403(owner, stranger):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"mine"))
    path = f"revision/{revision['api_id']}/"
    assert refusal(stranger.get(path), 403) == denied("view", "revision")
    assert refusal(stranger.put(path, {"metadata": {"x": 1}}), 403) == denied("create", "revision")
    assert refusal(stranger.patch(path, {"metadata": {"x": 1}}), 403) == denied("create", "revision")
    assert refusal(stranger.delete(path), 403) == denied("create", "revision")
    assert refusal(stranger.get(path + "thumbnail/64"), 403) == denied("view", "revision")
    assert refusal(stranger.get(f"revision/?figure={figure['api_id']}"), 403) == denied("view", "figure")
    assert owner.ok(path)["metadata"] == {}


def test_revision_of_another_workspace_via_scoped_key_is_403(owner):
    from tests.server.helpers import token_session

    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"x"))
    other = owner.workspace()
    key = owner.created("api_key/", {"name": "scoped", "workspace": other["api_id"]})
    scoped = Api(owner.server, token_session(key["token"]), owner.username, owner.password)
    assert refusal(scoped.get(f"revision/{revision['api_id']}/"), 403) == denied("view", "revision")
    assert refusal(scoped.delete(f"revision/{revision['api_id']}/"), 403) == denied("create", "revision")
    assert refusal(scoped.get(f"data/{revision['data'][0]['api_id']}/"), 403) == denied("view", "data object")


def test_list_by_figure(owner):
    _, _, figure = owner.tree()
    made = [owner.revision(figure["api_id"], data_item(b"x")) for _ in range(2)]
    listed = owner.ok(f"revision/?figure={figure['api_id']}")
    assert [r["api_id"] for r in listed] == [r["api_id"] for r in made]
    assert refusal(owner.get("revision/"), 400, "figure") == [
        "Required: list revisions of one figure with ?figure=<id>."
    ]


def test_missing_is_404(owner):
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert refusal(owner.request(method, f"revision/{MISSING}/", json={}), 404) == no_such(
            "revision", MISSING
        )
    assert refusal(owner.get("revision/not-a-uuid"), 404) == no_such("revision", "not-a-uuid")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A second server whose FIGTRAIL_MAX_BODY_BYTES is 100 000."""
    server = start_server(
        tmp_path_factory.mktemp("small-body"), extra_env={"FIGTRAIL_MAX_BODY_BYTES": "100000"}
    )
    yield server
    stop_server(server)


class TestBodyLimit:
    """Too-large bodies are refused with 413 and store nothing."""

    def test_over_limit_is_413_and_nothing_stored(self, small):
        user = new_user(small)
        workspace, _, figure = user.tree()
        blobs_before = sorted(p.name for p in (small.home / "blobs").rglob("*") if p.is_file())
        payload = bytes(range(256)) * 400  # 102400 bytes, about 137 KB as base64
        response = user.post("revision/", {"figure": figure["api_id"], "data": [data_item(payload, "file")]})
        assert response.status_code == 413
        assert response.json()["code"] == "request_too_large"
        assert user.ok(f"figure/{figure['api_id']}/")["revisions"] == []
        assert user.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 0
        assert sorted(p.name for p in (small.home / "blobs").rglob("*") if p.is_file()) == blobs_before
        small_enough = user.revision(figure["api_id"], data_item(payload[:50_000], "file"))
        assert small_enough["size_bytes"] == 50_000

    def test_chunked_body_is_read(self, small):
        """A body without Content-Length (Transfer-Encoding: chunked) is read whole, not as empty."""
        user = new_user(small)
        _, _, figure = user.tree()
        response = post_chunked(
            user, "revision/", {"figure": figure["api_id"], "data": [data_item(b"c" * 40_000, "file")]}
        )
        assert response.status_code == 201, response.text
        assert response.json()["size_bytes"] == 40_000

    def test_chunked_over_limit_is_413(self, small):
        user = new_user(small)
        _, _, figure = user.tree()
        response = post_chunked(
            user, "revision/", {"figure": figure["api_id"], "data": [data_item(b"z" * 120_000, "file")]}
        )
        assert refusal(response, 413, "code") == "request_too_large"
        assert "at most 100000 bytes (FIGTRAIL_MAX_BODY_BYTES)" in response.json()["detail"]
        assert user.ok(f"figure/{figure['api_id']}/")["revisions"] == []


def post_chunked(user: Api, path: str, body: dict) -> requests.Response:
    """POST JSON as a generator, so requests sends it chunked, without a Content-Length."""
    encoded = json.dumps(body).encode()

    def chunks():
        for start in range(0, len(encoded), 16_384):
            yield encoded[start : start + 16_384]

    return requests.post(
        user.base + path,
        data=chunks(),
        headers={**user.session.headers, "Content-Type": "application/json"},
        allow_redirects=False,
    )


def test_derive_makes_a_revision_with_the_source_data_but_its_images_and_clean_room_parts(owner):
    """The official client's browser studio: derive, then append_data with the new images."""
    workspace, _, figure = owner.tree()

    def clean_room(item: dict) -> dict:
        return {**item, "is_clean_room": True}

    source = owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", "figure", format="png"),
        data_item(b"a,b\n1,2\n", "dataframe", "table", format="csv"),
        # the clean-room record, told by its metadata, under the Python client's names and the R client's
        clean_room(
            data_item(b'{"parameters": {}}', "text", "Clean Room Manifest", format="json", role="manifest")
        ),
        clean_room(data_item(b"def f(): pass", "code", "Clean Room Source", format="clean_room")),
        clean_room(
            data_item(b'{"parameters": {}}', "text", "clean_room_manifest", format="json", role="manifest")
        ),
        clean_room(
            data_item(b"function() NULL", "code", "clean_room_code", format="clean_room", language="R")
        ),
        metadata={"dpi": 100},
    )
    other = owner.figure(figure["analysis"])
    derived = owner.post(f"revision/{source['api_id']}/derive/", {"figure": other["api_id"]})
    assert derived.status_code == 201, derived.text
    made = derived.json()
    assert made["api_id"] != source["api_id"] and made["short_id"] and made["figure"] == other["api_id"]
    assert [(d["name"], d["type"]) for d in made["data"]] == [("table", "dataframe")]
    assert made["metadata"] == {"dpi": 100} and made["revision_index"] == 0
    stored = owner.ok(f"data/{made['data'][0]['api_id']}/")
    assert base64.b64decode(stored["data"]) == b"a,b\n1,2\n"

    before = owner.ok(f"figure/{other['api_id']}/")["size_bytes"]
    appended = owner.post(
        f"revision/{made['api_id']}/append_data/",
        {"data": [data_item(png_bytes(), "image", "figure", format="png")]},
    )
    assert appended.status_code == 200, appended.text
    assert [d["type"] for d in appended.json()["data"]] == ["dataframe", "image"]
    assert [d["api_id"] for d in appended.json()["data"]][0] == made["data"][0]["api_id"]  # kept
    assert owner.ok(f"figure/{other['api_id']}/")["size_bytes"] == before + len(png_bytes())
    assert owner.ok(f"revision/{source['api_id']}/")["data"] == source["data"]  # the source is untouched

    again = owner.post(f"revision/{source['api_id']}/derive/", {"figure": figure["api_id"], "metadata": []})
    assert again.status_code == 201 and again.json()["revision_index"] == 1 and again.json()["metadata"] == {}


def test_derive_and_append_data_are_checked_like_a_publish(live_server, owner):
    _, _, figure = owner.tree()
    source = owner.revision(figure["api_id"], data_item(b"x", "text", "note"))
    stranger = new_user(live_server)
    _, _, theirs = stranger.tree()
    # a revision the stranger may not read, derived into their own figure: 403, nothing made
    refused = stranger.post(f"revision/{source['api_id']}/derive/", {"figure": theirs["api_id"]})
    assert refused.status_code == 403 and "detail" in refused.json()
    assert len(owner.ok(f"figure/{figure['api_id']}/")["revisions"]) == 1
    # into a figure the caller may not write: 403
    into = owner.post(f"revision/{source['api_id']}/derive/", {"figure": theirs["api_id"]})
    assert refusal(into, 403) == denied("create", "figure")
    assert len(stranger.ok(f"figure/{theirs['api_id']}/")["revisions"]) == 0
    appended = stranger.post(f"revision/{source['api_id']}/append_data/", {"data": [data_item(b"y")]})
    assert refusal(appended, 403) == denied("create", "revision")
    missing = owner.post(f"revision/{source['api_id']}/derive/", {})
    assert missing.status_code == 400 and "figure" in missing.json()
    empty = owner.post(f"revision/{source['api_id']}/append_data/", {"data": []})
    assert empty.status_code == 400 and "data" in empty.json()
    assert len(owner.ok(f"revision/{source['api_id']}/")["data"]) == 1
