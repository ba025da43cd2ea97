"""``comment/<id>/ai_reply/`` (an AI comment filled by the "ai.reply" task) and ``figure|revision/<id>/
ai_describe/`` (``ai_title`` and ``ai_description`` written by the "ai.describe" task)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import start_server, stop_server
from tests.server.helpers import Api, denied, finished_task, new_user, no_such, refusal
from tests.server.insight.figures import published_tree


@pytest.fixture(scope="module")
def tree(owner: Api) -> dict:
    return published_tree(owner)


def comment(api: Api, target_type: str, target_id: str, content: str, parent: str | None = None) -> dict:
    body = {"target_type": target_type, "target_id": target_id, "content": content, "parent": parent}
    return api.created("comment/", body)


def wait_for_content(api: Api, comment_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = api.ok(f"comment/{comment_id}/")
        if found["content"]:
            return found
        time.sleep(0.2)
    raise AssertionError(f"comment {comment_id} stayed empty")


def test_ai_reply_joins_the_thread_and_is_filled_in_the_background(owner, tree):
    revision_id = tree["first"]["api_id"]
    question = comment(owner, "figure_revision", revision_id, "Why does the control group grow so fast?")
    follow_up = comment(
        owner, "figure_revision", revision_id, "Also: which file is it from?", question["api_id"]
    )
    response = owner.post(f"comment/{follow_up['api_id']}/ai_reply/")
    assert response.status_code == 201, response.text
    reply = response.json()
    assert reply["is_ai"] is True and reply["content"] == ""
    assert reply["parent"] == follow_up["api_id"] and reply["target_id"] == revision_id
    assert reply["author"] == owner.username
    assert finished_task(owner, reply["task"]["api_id"])["status"] == "succeeded"

    filled = wait_for_content(owner, reply["api_id"])
    assert filled["is_ai"] is True and filled["content_html"]
    thread = owner.ok(f"comment/?target_type=figure_revision&target_id={revision_id}")
    assert [item["api_id"] for item in thread] == [question["api_id"], follow_up["api_id"], reply["api_id"]]
    assert [item["is_ai"] for item in thread] == [False, False, True]


def test_ai_reply_on_a_figure_comment(owner, tree):
    started = comment(owner, "figure", tree["figure"]["api_id"], "What changed in the last revision?")
    reply = owner.post(f"comment/{started['api_id']}/ai_reply/").json()
    filled = wait_for_content(owner, reply["api_id"])
    assert filled["parent"] == started["api_id"] and filled["content"].strip()


def test_ai_reply_needs_view_access_and_an_existing_comment(owner, stranger, tree):
    mine = comment(owner, "figure", tree["figure"]["api_id"], "Private thoughts")
    assert refusal(stranger.post(f"comment/{mine['api_id']}/ai_reply/"), 403) == denied("view", "figure")
    nobody = "00000000-0000-0000-0000-000000000000"
    assert refusal(owner.post(f"comment/{nobody}/ai_reply/"), 404) == no_such("comment", nobody)


def test_ai_describe_a_revision_fills_its_title_and_description(owner, tree):
    revision_id = tree["second"]["api_id"]
    before = owner.ok(f"revision/{revision_id}/")
    assert before["ai_title"] is None and before["ai_description"] is None
    response = owner.post(f"revision/{revision_id}/ai_describe/")
    assert response.status_code == 202, response.text
    task = finished_task(owner, response.json()["task"]["api_id"])
    assert task["status"] == "succeeded", task
    after = owner.ok(f"revision/{revision_id}/")
    assert after["ai_title"] and after["ai_description"]
    assert "\n" not in after["ai_title"]
    assert task["result"]["ai_title"] == after["ai_title"] and task["result"]["is_llm"] is False


def test_ai_describe_a_figure_reads_its_latest_revision(owner, tree):
    figure_id = tree["figure"]["api_id"]
    response = owner.post(f"figure/{figure_id}/ai_describe/")
    assert response.status_code == 202, response.text
    assert finished_task(owner, response.json()["task"]["api_id"])["status"] == "succeeded"
    figure = owner.ok(f"figure/{figure_id}/")
    assert figure["ai_title"] and figure["ai_description"]


def test_ai_fields_cannot_be_written_by_clients(owner, tree):
    figure_id = tree["figure"]["api_id"]
    response = owner.patch(f"figure/{figure_id}/", {"ai_title": "forged", "name": "renamed"})
    assert response.status_code == 200, response.text
    assert response.json()["ai_title"] != "forged" and response.json()["name"] == "renamed"


def test_ai_describe_needs_edit_access_and_a_revision(owner, stranger, tree):
    revision_id = tree["first"]["api_id"]
    assert refusal(stranger.post(f"revision/{revision_id}/ai_describe/"), 403) == denied("create", "revision")
    assert refusal(stranger.post(f"figure/{tree['figure']['api_id']}/ai_describe/"), 403) == denied(
        "create", "figure"
    )
    empty = owner.figure(tree["analysis"]["api_id"])
    response = owner.post(f"figure/{empty['api_id']}/ai_describe/")
    assert response.status_code == 400 and "figure" in response.json()
    nobody = "00000000-0000-0000-0000-000000000000"
    assert refusal(owner.post(f"revision/{nobody}/ai_describe/"), 404) == no_such("revision", nobody)


@pytest.fixture(scope="module")
def auto_server(tmp_path_factory) -> Iterator:
    server = start_server(tmp_path_factory.mktemp("ai-auto"), {"FIGTRAIL_AI_AUTO_DESCRIBE": "1"})
    yield server
    stop_server(server)


def test_new_revisions_are_described_on_publish_when_asked(auto_server):
    user = new_user(auto_server)
    revision_id = published_tree(user)["first"]["api_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not user.ok(f"revision/{revision_id}/")["ai_title"]:
        time.sleep(0.2)
    revision = user.ok(f"revision/{revision_id}/")
    assert revision["ai_title"] and revision["ai_description"]
    assert user.ok("ai/usage/")["by_purpose"]["describe"]["requests"] == 2  # both revisions of the tree
