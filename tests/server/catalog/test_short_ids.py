"""``short_id_prefix/reserve/``: a fresh, globally unique 8-character alphanumeric prefix per call."""

from __future__ import annotations

import re

import requests

from tests.server.helpers import NO_CREDENTIALS, refusal


def test_reserve_is_201_with_8_alphanumerics(owner):
    response = owner.post("short_id_prefix/reserve/", {})
    assert response.status_code == 201
    assert re.fullmatch(r"[0-9A-Za-z]{8}", response.json()["prefix"])


def test_prefixes_are_unique_across_calls_and_users(owner, stranger):
    prefixes = [
        api.created("short_id_prefix/reserve/", {})["prefix"] for api in (owner, stranger) for _ in range(15)
    ]
    assert len(set(prefixes)) == len(prefixes)


def test_reserve_needs_auth(live_server):
    assert (
        refusal(requests.post(live_server.api + "short_id_prefix/reserve/", json={}), 401) == NO_CREDENTIALS
    )


def test_short_ids_under_a_prefix_are_stored_and_returned(owner):
    prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]
    _, _, figure = owner.tree()
    made = [owner.revision(figure["api_id"], short_id=f"{prefix}{n}") for n in ("0", "1", "a", "10")]
    assert [r["short_id"] for r in made] == [f"{prefix}0", f"{prefix}1", f"{prefix}a", f"{prefix}10"]
    summaries = owner.ok(f"figure/{figure['api_id']}/")["revisions"]
    assert [r["short_id"] for r in summaries] == [r["short_id"] for r in made]
