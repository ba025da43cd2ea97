"""``comment/<id>/reactions/``: one reaction per user and emoji, summaries on the comment, removal."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.server.helpers import denied, new_user, no_such, refusal


@pytest.fixture(scope="module")
def figure(owner) -> dict:
    return owner.tree()[2]


@pytest.fixture(scope="module")
def colleague(live_server, owner, figure):
    """A user the figure is shared with."""
    user = new_user(live_server)
    owner.post(f"figure/{figure['api_id']}/share/user/", {"username": user.username, "sharing_enabled": True})
    return user


@pytest.fixture
def comment(owner, figure) -> dict:
    return owner.created(
        "comment/", {"target_type": "figure", "target_id": figure["api_id"], "content": "Shall we publish?"}
    )


def test_a_repeated_reaction_returns_the_first(owner, comment):
    path = f"comment/{comment['api_id']}/reactions/"
    first = owner.post(path, {"emoji": "👍"})
    assert first.status_code == 201, first.text
    assert first.json()["emoji"] == "👍"
    assert first.json()["user"] == owner.username
    again = owner.post(path, {"emoji": "👍"})
    assert again.status_code == 200
    assert again.json()["api_id"] == first.json()["api_id"]
    assert [r["api_id"] for r in owner.ok(path)] == [first.json()["api_id"]]


def test_summary_counts_users_per_emoji(owner, colleague, comment):
    path = f"comment/{comment['api_id']}/reactions/"
    assert owner.post(path, {"emoji": "👍"}).status_code == 201
    assert colleague.post(path, {"emoji": "👍"}).status_code == 201
    assert colleague.post(path, {"emoji": "🎉"}).status_code == 201
    assert owner.post(path, {"emoji": "👍🏽"}).status_code == 201  # a skin tone is one emoji, and another one
    summary = owner.ok(f"comment/{comment['api_id']}/")["reactions"]
    assert summary == [
        {"emoji": "👍", "count": 2, "users": [owner.username, colleague.username], "mine": True},
        {"emoji": "🎉", "count": 1, "users": [colleague.username], "mine": False},
        {"emoji": "👍🏽", "count": 1, "users": [owner.username], "mine": True},
    ]
    listed = colleague.ok(f"comment/?target_type=figure&target_id={comment['target_id']}")
    mine = next(c for c in listed if c["api_id"] == comment["api_id"])["reactions"]
    assert [(r["emoji"], r["mine"]) for r in mine] == [("👍", True), ("🎉", True), ("👍🏽", False)]


@pytest.mark.parametrize("emoji", ["", "a", "ok", "👍👍", "👍 🎉", ":thumbsup:", "<b>"])
def test_only_a_single_emoji_is_accepted(owner, comment, emoji):
    response = owner.post(f"comment/{comment['api_id']}/reactions/", {"emoji": emoji})
    assert response.status_code == 400
    assert list(response.json()) == ["emoji"]


@pytest.mark.parametrize("emoji", ["👨‍👩‍👧", "🇫🇷", "❤️"])
def test_one_grapheme_emoji_sequences_are_accepted(owner, comment, emoji):
    assert owner.post(f"comment/{comment['api_id']}/reactions/", {"emoji": emoji}).status_code == 201


def test_delete_removes_only_your_own(owner, colleague, comment):
    path = f"comment/{comment['api_id']}/reactions/"
    owner.post(path, {"emoji": "👀"})
    colleague.post(path, {"emoji": "👀"})
    assert colleague.delete(path + quote("👀") + "/").status_code == 204
    assert [r["user"] for r in owner.ok(path)] == [owner.username]
    assert (
        refusal(colleague.delete(path + quote("👀")), 404) == "You have not reacted with 👀 to this comment."
    )
    assert owner.delete(path + quote("👀")).status_code == 204
    assert owner.ok(path) == []


def test_reactions_need_view_access_and_a_real_comment(owner, stranger, comment):
    path = f"comment/{comment['api_id']}/reactions/"
    assert refusal(stranger.get(path), 403) == denied("view", "figure")
    assert refusal(stranger.post(path, {"emoji": "👍"}), 403) == denied("view", "figure")
    nobody = "00000000-0000-4000-8000-000000000000"
    assert refusal(owner.post(f"comment/{nobody}/reactions/", {"emoji": "👍"}), 404) == no_such(
        "comment", nobody
    )


def test_reactions_go_with_their_comment(owner, comment):
    owner.post(f"comment/{comment['api_id']}/reactions/", {"emoji": "👍"})
    assert owner.delete(f"comment/{comment['api_id']}/").status_code == 204
    assert refusal(owner.get(f"comment/{comment['api_id']}/reactions/"), 404) == no_such(
        "comment", comment["api_id"]
    )
