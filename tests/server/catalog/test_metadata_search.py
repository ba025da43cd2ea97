"""``GET revision/search/?metadata=<JSON>``: revisions found by metadata containment (PostgreSQL's
``jsonb @>``, written from ``json_each`` on SQLite: the same answers on both runs), in what the caller may
see, narrowed by workspace, analysis or figure, newest first, paged; 400 naming ``metadata``."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from tests.server.accounts.test_api_keys import key_api
from tests.server.helpers import Api, denied, new_user, no_such, refusal
from tests.server.test_schema import fetch_schema

MISSING = "00000000-0000-4000-8000-000000000000"

# name -> metadata; published in this order (so newest first is the reverse)
PUBLISHED = {
    "a": {"model": "resnet34", "patients": ["P-17", "P-3"], "git": {"branch": "main", "dirty": False}},
    "b": {"model": "resnet50", "patients": ["P-3"], "epochs": 10, "lr": 0.1, "note": None},
    "c": {"model": "resnet34", "patients": "P-17", "epochs": 10.0, "git": {"branch": "dev"}},
    "d": {"epochs": "10", "flag": True, "runs": [{"seed": 1, "ok": True}, {"seed": 2}], "grid": [[1, 2], 3]},
    "e": {"flag": 1, "unicode": "café ☕", "key.with.dots": "yes", 'quote"key': "q", "1": "one"},
    "g": {"as_text": '["x"]', "object_text": '{"a": 1}', "empty": "", "zero": 0, "no": False},
    "f": {},
}


@pytest.fixture(scope="module")
def world(owner) -> dict:
    """The owner's own workspace (no seeded fixture's) with two analyses; revisions a...f, and one more
    in a second workspace of theirs."""
    workspace = owner.workspace()
    first, second = owner.analysis(workspace["api_id"]), owner.analysis(workspace["api_id"])
    figures = {
        "one": owner.figure(first["api_id"], "Figure one"),
        "two": owner.figure(second["api_id"], "Figure two"),
    }
    revisions = {}
    for name, metadata in PUBLISHED.items():
        figure = figures["one"] if name in "abc" else figures["two"]
        revisions[name] = owner.revision(figure["api_id"], metadata=metadata)
    other = owner.workspace()
    other_figure = owner.figure(owner.analysis(other["api_id"])["api_id"])
    revisions["elsewhere"] = owner.revision(other_figure["api_id"], metadata={"model": "resnet34"})
    return {
        "workspace": workspace,
        "other": other,
        "analyses": (first, second),
        "figures": figures,
        "revisions": revisions,
    }


def search(api: Api, query, **params) -> dict:
    return api.ok(_path(query, **params))


def _path(query, **params) -> str:
    text = query if isinstance(query, str) else json.dumps(query)
    extra = "".join(f"&{key}={value}" for key, value in params.items())
    return f"revision/search/?metadata={quote(text)}{extra}"


def found(api: Api, world: dict, query, **params) -> list[str]:
    """The names of the revisions found, in the order given (ours only: names by id)."""
    names = {revision["api_id"]: name for name, revision in world["revisions"].items()}
    answer = search(api, query, **params)
    assert answer["count"] == len(answer["results"])
    return [names.get(item["api_id"], item["api_id"]) for item in answer["results"]]


CASES = [
    ({"model": "resnet34"}, ["elsewhere", "c", "a"]),
    ({"patients": ["P-17"]}, ["a"]),  # c's patients is a string, not a list holding it
    ({"patients": "P-17"}, ["c"]),
    ({"patients": ["P-3"]}, ["b", "a"]),
    ({"patients": ["P-3", "P-17"]}, ["a"]),  # order does not matter
    ({"patients": ["P-17", "P-17"]}, ["a"]),  # nor repetition
    ({"patients": []}, ["b", "a"]),  # any list
    ({"git": {"branch": "main"}}, ["a"]),
    ({"git": {}}, ["c", "a"]),  # any object
    ({"git": {"dirty": False}}, ["a"]),
    ({"model": "resnet34", "git": {"branch": "dev"}}, ["c"]),  # every key
    ({"epochs": 10}, ["c", "b"]),  # 10 and 10.0 are one number; "10" is a string
    ({"epochs": 10.0}, ["c", "b"]),
    ({"epochs": "10"}, ["d"]),
    ({"lr": 0.1}, ["b"]),
    ({"note": None}, ["b"]),  # null is a value: a missing key is not null
    ({"flag": True}, ["d"]),  # true is not 1
    ({"flag": 1}, ["e"]),
    ({"runs": [{"seed": 2}]}, ["d"]),  # an object in a list: contained in one of its elements
    ({"runs": [{"seed": 1, "ok": True}, {"seed": 2}]}, ["d"]),
    ({"runs": [{"seed": 2, "ok": True}]}, []),  # one element must hold all of it
    ({"grid": [[1]]}, ["d"]),
    ({"grid": [1]}, []),  # a scalar matches a top-level element only
    ({"grid": [3]}, ["d"]),
    ({"unicode": "café ☕"}, ["e"]),
    ({"key.with.dots": "yes"}, ["e"]),  # keys are keys, not paths
    ({'quote"key': "q"}, ["e"]),
    ({"1": "one"}, ["e"]),
    ({"model": "RESNET34"}, []),  # exact: case matters
    ({"model": ["resnet34"]}, []),  # a string is not a list holding it
    ({"nothing": "here"}, []),
    ({"as_text": ["x"]}, []),  # a string that reads as JSON is a string
    ({"as_text": '["x"]'}, ["g"]),
    ({"object_text": {"a": 1}}, []),
    ({"object_text": '{"a": 1}'}, ["g"]),
    ({"empty": ""}, ["g"]),
    ({"zero": 0}, ["g"]),  # 0 is not false
    ({"zero": False}, []),
    ({"no": False}, ["g"]),
    ({"no": 0}, []),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[json.dumps(q) for q, _ in CASES])
def test_containment_finds_exactly_these_revisions(owner, world, query, expected):
    assert found(owner, world, query) == expected


def test_each_result_is_a_revision_summary(owner, world):
    answer = search(owner, {"git": {"branch": "main"}})
    a = world["revisions"]["a"]
    first, _ = world["analyses"]
    assert answer["metadata"] == {"git": {"branch": "main"}}
    assert (answer["count"], answer["limit"], answer["offset"], answer["next"], answer["previous"]) == (
        1,
        50,
        0,
        None,
        None,
    )
    (item,) = answer["results"]
    assert item == {
        "api_id": a["api_id"],
        "short_id": a["short_id"],
        "figure": world["figures"]["one"]["api_id"],
        "figure_name": "Figure one",
        "analysis": first["api_id"],
        "analysis_name": first["name"],
        "workspace": world["workspace"]["api_id"],
        "revision_index": a["revision_index"],  # as the API counts: the figure's first is 0
        "size_bytes": a["size_bytes"],
        "is_processing": False,
        "is_clean_room": False,
        "metadata": PUBLISHED["a"],
        "created_by": owner.username,
        "created_on": a["created_on"],
        "updated_by": None,
        "updated_on": a["updated_on"],
    }
    assert item["revision_index"] == 0


def test_narrowed_by_workspace_analysis_or_figure(owner, world):
    query = {"model": "resnet34"}
    assert found(owner, world, query, workspace=world["workspace"]["api_id"]) == ["c", "a"]
    assert found(owner, world, query, workspace=world["other"]["api_id"]) == ["elsewhere"]
    first, second = world["analyses"]
    assert found(owner, world, query, analysis=first["api_id"]) == ["c", "a"]
    assert found(owner, world, query, analysis=second["api_id"]) == []
    assert found(owner, world, {"flag": True}, figure=world["figures"]["two"]["api_id"]) == ["d"]
    assert found(owner, world, query, figure=world["figures"]["one"]["api_id"]) == ["c", "a"]
    for name, kind in (("workspace", "workspace"), ("analysis", "analysis"), ("figure", "figure")):
        assert refusal(owner.get(_path(query, **{name: MISSING})), 404) == no_such(kind, MISSING)


def test_pages_newest_first(owner, world):
    query = {"model": "resnet34"}
    page = search(owner, query, limit=2)
    assert page["count"] == 3
    assert [i["api_id"] for i in page["results"]] == [
        world["revisions"]["elsewhere"]["api_id"],
        world["revisions"]["c"]["api_id"],
    ]
    assert page["previous"] is None
    following = owner.session.get(page["next"], timeout=60)
    assert following.status_code == 200, following.text
    rest = following.json()
    assert (rest["offset"], rest["limit"], rest["count"], rest["next"]) == (2, 2, 3, None)
    assert [i["api_id"] for i in rest["results"]] == [world["revisions"]["a"]["api_id"]]
    back = owner.session.get(rest["previous"], timeout=60).json()
    assert back["results"] == page["results"]
    assert search(owner, query, offset=3)["results"] == []
    for bad in ("limit=0", "limit=201", "limit=x", "offset=-1"):
        name = bad.split("=")[0]
        refusal(owner.get(_path(query) + "&" + bad), 400, name)


def test_a_stranger_finds_nothing_of_anothers(owner, stranger, world):
    assert search(stranger, {"model": "resnet34"})["count"] == 0
    assert search(stranger, {"patients": ["P-17"]})["results"] == []
    path = _path({"model": "resnet34"}, workspace=world["workspace"]["api_id"])
    assert refusal(stranger.get(path), 403) == denied("view", "workspace")
    path = _path({"model": "resnet34"}, figure=world["figures"]["one"]["api_id"])
    assert refusal(stranger.get(path), 403) == denied("view", "figure")
    path = _path({"model": "resnet34"}, analysis=world["analyses"][0]["api_id"])
    assert refusal(stranger.get(path), 403) == denied("view", "analysis")


def test_a_user_share_is_searched(live_server, owner, world):
    friend = new_user(live_server)
    figure = world["figures"]["one"]["api_id"]
    body = {"username": friend.username, "sharing_enabled": True}
    assert owner.post(f"figure/{figure}/share/user/", body).status_code == 200
    assert found(friend, world, {"model": "resnet34"}) == ["c", "a"]
    assert found(friend, world, {"model": "resnet34"}, figure=figure) == ["c", "a"]
    path = _path({"model": "resnet34"}, workspace=world["workspace"]["api_id"])
    assert refusal(friend.get(path), 403) == denied("view", "workspace")


def test_a_workspace_scoped_key_sees_only_its_workspace(owner, world):
    key = owner.created("api_key/", {"name": "search", "workspace": world["other"]["api_id"]})
    with_key = key_api(owner, key["token"])
    assert found(with_key, world, {"model": "resnet34"}) == ["elsewhere"]
    path = _path({"model": "resnet34"}, workspace=world["workspace"]["api_id"])
    assert refusal(with_key.get(path), 403) == denied("view", "workspace")
    path = _path({"model": "resnet34"}, figure=world["figures"]["one"]["api_id"])
    assert refusal(with_key.get(path), 403) == denied("view", "figure")


def test_signed_out_is_401(live_server):
    import requests

    response = requests.get(f"{live_server.url}/api/v1.4/{_path({'model': 'x'})}", timeout=60)
    assert response.status_code == 401, response.text


def nested(levels: int) -> dict:
    query: dict = {"leaf": 1}
    for level in range(levels - 1):
        query = {f"k{level}": query}
    return query


BAD = [
    None,  # missing
    "",
    "not json",
    "[1, 2]",
    '"resnet34"',
    "{}",
    "NaN",
    '{"x": NaN}',
    '{"x": Infinity}',
    json.dumps({"x": 2**63}),
    json.dumps(nested(9)),  # objects in objects, 9 deep
    json.dumps({f"k{n}": n for n in range(65)}),
    json.dumps({"x": "y" * 2000}),
    "[" * 1000,  # unterminated
]


@pytest.mark.parametrize("text", BAD)
def test_bad_queries_are_400_naming_metadata(owner, text):
    path = "revision/search/" if text is None else f"revision/search/?metadata={quote(text)}"
    reasons = refusal(owner.get(path), 400, "metadata")
    assert isinstance(reasons, list) and reasons and all(isinstance(r, str) for r in reasons)


def test_eight_levels_and_64_values_are_fine(owner, world):
    assert search(owner, nested(8))["count"] == 0
    mixed = {"a": [{"b": [{"c": [{"d": ["deep"]}]}]}]}  # objects and lists, 8 levels
    assert search(owner, mixed)["count"] == 0
    assert search(owner, {"a": [[[[[[["x", 1]]]]]]]})["count"] == 0  # lists in lists
    wide = {**{f"k{n}": [n, {"x": None}] for n in range(15)}, "y": [1], "z": 1}  # 64 values, itself too
    assert search(owner, wide)["count"] == 0


def test_the_schema_documents_it(live_server):
    schema = fetch_schema(live_server)
    (path,) = [p for p in schema["paths"] if re.search(r"/revision/search/?$", p)]
    operation = schema["paths"][path]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"metadata", "workspace", "analysis", "figure", "limit", "offset"} <= names
    assert "MetadataSearchPage" in json.dumps(operation["responses"])


def reference_contains(stored, query) -> bool:
    """PostgreSQL's jsonb ``@>``, in Python (the rules of catalog/metadata_search.py), to check both
    databases against."""
    if isinstance(query, dict):
        return isinstance(stored, dict) and all(
            key in stored and reference_contains(stored[key], value) for key, value in query.items()
        )
    if isinstance(query, list):
        if not isinstance(stored, list):
            return False
        for wanted in query:
            if isinstance(wanted, dict | list):
                if not any(reference_contains(element, wanted) for element in stored):
                    return False
            elif not any(_same_scalar(element, wanted) for element in stored):
                return False
        return True
    return _same_scalar(stored, query)


def _same_scalar(stored, wanted) -> bool:
    if isinstance(stored, dict | list):
        return False
    if isinstance(wanted, bool) or isinstance(stored, bool) or wanted is None or stored is None:
        return type(stored) is type(wanted) and stored == wanted
    if isinstance(wanted, str) or isinstance(stored, str):
        return type(stored) is type(wanted) and stored == wanted
    return stored == wanted  # numbers: 1 == 1.0


def random_value(rng, depth: int):
    kinds = ["str", "int", "float", "bool", "null"] + (["list", "dict"] * 2 if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return rng.choice(["a", "b", "P-17", "1", "", "[1]"])
    if kind == "int":
        return rng.choice([0, 1, 2, -1, 10])
    if kind == "float":
        return rng.choice([1.0, 0.5, 2.5])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "null":
        return None
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice("xyz"): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def part_of(rng, value):
    """A query likely (not certainly) contained in ``value``: some of its keys and elements, or noise."""
    if rng.random() < 0.15:
        return random_value(rng, 2)
    if isinstance(value, dict):
        keys = [key for key in value if rng.random() < 0.6]
        return {key: part_of(rng, value[key]) for key in keys}
    if isinstance(value, list):
        return [part_of(rng, element) for element in value if rng.random() < 0.6]
    return value


def test_both_databases_answer_as_jsonb_contains_does(owner):
    import random

    rng = random.Random(17)
    workspace = owner.workspace()
    figure = owner.figure(owner.analysis(workspace["api_id"])["api_id"])
    stored = {}
    for _ in range(25):
        metadata = {key: random_value(rng, 1) for key in rng.sample("abcd", rng.randint(1, 4))}
        stored[owner.revision(figure["api_id"], metadata=metadata)["api_id"]] = metadata
    asked = 0
    while asked < 60:
        query = part_of(rng, rng.choice(list(stored.values())))
        if not isinstance(query, dict) or not query:
            continue
        asked += 1
        answer = search(owner, query, workspace=workspace["api_id"], limit=200)
        expected = {api_id for api_id, metadata in stored.items() if reference_contains(metadata, query)}
        assert {item["api_id"] for item in answer["results"]} == expected, query
