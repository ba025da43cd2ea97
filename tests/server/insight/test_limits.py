"""Rate limit, monthly quota, ``ai/availability/`` and ``ai/usage/``: every AI call is counted per user,
the reports never consume anything, and a refused call answers 429 naming the limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import start_server, stop_server
from tests.server.helpers import Api, denied, new_user, no_such, refusal
from tests.server.insight.figures import published_tree


@pytest.fixture(scope="module")
def tree(owner: Api) -> dict:
    return published_tree(owner)


def test_usage_and_availability_move_with_each_call(live_server, tree):
    user = new_user(live_server)  # a fresh user: nothing used yet
    revision = published_tree(user)["first"]["api_id"]
    usage = user.ok("ai/usage/")
    assert usage["requests"] == 0 and usage["by_purpose"] == {}
    assert usage["quota"] == 1000 and usage["remaining"] == 1000 and usage["rate"] == "30/min"
    assert usage["provider"] == "offline" and usage["is_llm"] is False

    available = user.ok(f"ai/availability/?revision_id={revision}")
    assert available == {
        "available": True,
        "provider": "offline",
        "model": available["model"],
        "is_llm": False,
        "reasons": [],
        "codes": [],
    }
    assert user.ok("ai/usage/")["requests"] == 0  # asking is free

    assert user.post("ai/insight/", {"revision_id": revision}).status_code == 200
    assert user.post("ai/insight/", {"revision_id": revision, "stream": True}).status_code == 200
    assert user.post("ai/query/", {"question": "hello"}).status_code == 200
    usage = user.ok("ai/usage/")
    assert usage["requests"] == 3 and usage["remaining"] == 997 and usage["rate_remaining"] == 27
    assert usage["by_purpose"]["insight"]["requests"] == 2 and usage["by_purpose"]["query"]["requests"] == 1
    assert usage["by_purpose"]["insight"]["input_tokens"] > 0
    assert usage["input_tokens"] == sum(row["input_tokens"] for row in usage["by_purpose"].values())


def test_availability_checks_the_revision(owner, stranger, tree):
    assert refusal(stranger.get(f"ai/availability/?revision_id={tree['first']['api_id']}"), 403) == denied(
        "view", "revision"
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert refusal(owner.get(f"ai/availability/?revision_id={missing}"), 404) == no_such("revision", missing)
    bad = owner.get("ai/availability/?revision_id=nope")
    assert bad.status_code == 400 and "revision_id" in bad.json()
    assert owner.ok("ai/availability/")["available"] is True  # without a revision: limits only


@pytest.fixture(scope="module")
def quota_server(tmp_path_factory) -> Iterator:
    server = start_server(tmp_path_factory.mktemp("ai-quota"), {"FIGTRAIL_AI_MONTHLY_QUOTA": "2"})
    yield server
    stop_server(server)


def test_over_the_monthly_quota_answers_429(quota_server):
    user = new_user(quota_server)
    tree = published_tree(user)
    revision = tree["first"]["api_id"]
    assert user.post("ai/insight/", {"revision_id": revision}).status_code == 200
    assert user.post("ai/extract_code/", {"revision_id": revision}).status_code == 200
    assert user.ok("ai/usage/")["remaining"] == 0

    refused = user.post("ai/insight/", {"revision_id": revision})
    assert refused.status_code == 429
    assert refused.json()["code"] == "ai_quota_exceeded" and refused.json()["limit"] == "monthly_quota"
    assert int(refused.headers["Retry-After"]) > 0
    assert (
        refusal(user.post("ai/insight/", {"revision_id": revision, "stream": True}), 429, "code")
        == "ai_quota_exceeded"
    )
    assert refusal(user.post(f"revision/{revision}/ai_describe/"), 429, "code") == "ai_quota_exceeded"
    comment = user.created(
        "comment/", {"target_type": "figure_revision", "target_id": revision, "content": "Hi?"}
    )
    assert refusal(user.post(f"comment/{comment['api_id']}/ai_reply/"), 429, "code") == "ai_quota_exceeded"
    thread = user.ok(f"comment/?target_type=figure_revision&target_id={revision}")
    assert [item["is_ai"] for item in thread] == [False]  # a refused reply leaves no empty comment

    available = user.ok(f"ai/availability/?revision_id={revision}")
    assert available["available"] is False and available["codes"] == ["ai_quota_exceeded"]
    assert "quota" in available["reasons"][0]
    assert user.ok("ai/usage/")["requests"] == 2  # refusals are not counted

    other = new_user(quota_server)  # the quota is per user
    assert other.post("ai/query/", {"question": "still mine to ask?"}).status_code == 200


@pytest.fixture(scope="module")
def rate_server(tmp_path_factory) -> Iterator:
    server = start_server(tmp_path_factory.mktemp("ai-rate"), {"FIGTRAIL_AI_RATE": "2/hour"})
    yield server
    stop_server(server)


def test_over_the_rate_answers_429_with_retry_after(rate_server):
    user = new_user(rate_server)
    assert user.post("ai/query/", {"question": "one"}).status_code == 200
    assert user.post("ai/query/", {"question": "two"}).status_code == 200
    refused = user.post("ai/query/", {"question": "three"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "ai_rate_limited" and refused.json()["limit"] == "rate"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    usage = user.ok("ai/usage/")
    assert usage["rate"] == "2/hour" and usage["rate_remaining"] == 0
    assert user.ok("ai/availability/")["codes"] == ["ai_rate_limited"]
