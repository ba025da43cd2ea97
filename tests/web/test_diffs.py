"""``web.diffs.flatten``: nested metadata as dotted keys with JSON-rendered leaves, the one reading every
page that lists or compares metadata uses."""

from __future__ import annotations

import json

from figtrail.server.web.diffs import flatten


def test_nested_metadata_flattens_to_dotted_keys_in_order_with_json_leaves():
    metadata = {
        "lr": 0.1,
        "epochs": 5,
        "big": 2**70,
        "git": {"hash": "abc", "dirty": False, "remote": None, "deep": {"x": [1, {"y": 2}]}},
        "empty": {},
        "tags": ["a", "b"],
        "note": "plain text stays as it is",
        "unicode": "ü",
    }
    assert list(flatten(metadata).items()) == [
        ("lr", "0.1"),
        ("epochs", "5"),
        ("big", "1180591620717411303424"),
        ("git.hash", "abc"),
        ("git.dirty", "false"),
        ("git.remote", "null"),
        ("git.deep.x", json.dumps([1, {"y": 2}])),
        ("empty", "{}"),
        ("tags", '["a", "b"]'),
        ("note", "plain text stays as it is"),
        ("unicode", "ü"),
    ]
    assert flatten({"b": {"z": 1, "a": 2}}, "p") == {"p.b.z": "1", "p.b.a": "2"}
    assert flatten(3) == {} and flatten(3, "x") == {"x": "3"} and flatten({}) == {}
    assert flatten({"a": True, "n": 1.0, "d": {"k": {"j": "v"}}}) == {"a": "true", "n": "1.0", "d.k.j": "v"}
