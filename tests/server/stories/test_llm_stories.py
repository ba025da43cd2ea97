"""Stories written by a language model: a server configured with the ``openai`` provider, talking to a
local HTTP server that speaks the chat-completions protocol (the paid API itself cannot run here).

A model that answers with something other than the story's JSON is asked once more; after two bad
answers (or when the endpoint fails) the offline provider writes the story and the story says so.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from tests.ai.chat_server import ChatHandler, ChatServer, Script
from tests.conftest import start_server, stop_server
from tests.server.helpers import finished_task, new_user
from tests.server.stories.test_stories import publish


class Scripted(ChatHandler):
    """Answers with the next of ``server.answers`` (the last one again once they run out)."""

    def do_POST(self) -> None:
        answers = self.server.answers
        self.server.script.text = answers.pop(0) if len(answers) > 1 else answers[0]
        super().do_POST()


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    server = ChatServer(("127.0.0.1", 0), Scripted)
    server.script, server.answers = Script(), ["unused"]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory, chat):
    base_url = f"http://127.0.0.1:{chat.server_address[1]}/v1"
    env = {
        "FIGTRAIL_AI_PROVIDER": "openai",
        "FIGTRAIL_AI_BASE_URL": base_url,
        "FIGTRAIL_AI_MODEL": "story-model",
    }
    server = start_server(tmp_path_factory.mktemp("figtrail-llm"), env)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def writer(llm_server):
    return new_user(llm_server)


@pytest.fixture(scope="module")
def revisions(writer) -> list[dict]:
    _, analysis, first = writer.tree()
    second = writer.figure(analysis["api_id"], "Second")
    return [publish(writer, first["api_id"], (9, 9, 9)), publish(writer, second["api_id"], (90, 90, 90))]


def story_json(revisions: list[dict]) -> str:
    slides = [
        {
            "revision_id": r["api_id"],
            "title": f"Model title {n}",
            "description": f"Model words {n}.",
            "transition": "",
        }
        for n, r in enumerate(revisions)
    ]
    return json.dumps({"title": "A model's story", "summary": "Written by the model.", "slides": slides})


def generate(writer, revisions: list[dict]) -> dict:
    analysis = writer.ok(f"figure/{revisions[0]['figure']}/")["analysis"]
    response = writer.post("story/", {"analysis": analysis, "revision_ids": [r["api_id"] for r in revisions]})
    assert response.status_code == 202, response.text
    assert finished_task(writer, response.json()["task"]["api_id"])["status"] == "succeeded"
    return writer.ok(f"story/{response.json()['api_id']}/")


def test_a_second_answer_is_asked_for_after_a_bad_one(chat, writer, revisions):
    chat.script.requests.clear()
    chat.answers[:] = [
        "Sure! Here is a lovely story about your figures.",
        f"```json\n{story_json(revisions)}\n```",
    ]
    story = generate(writer, revisions)
    assert len(chat.script.requests) == 2
    assert story["provider"] == "openai" and story["model"] == "story-model" and story["is_llm"] is True
    assert story["note"] == "" and story["title"] == "A model's story"
    assert [s["title"] for s in story["slides"]] == ["Model title 0", "Model title 1"]
    sent = json.dumps(chat.script.requests[0]["body"])
    assert all(r["api_id"] in sent for r in revisions)  # the model was told which revisions to write about


def test_two_bad_answers_fall_back_to_the_offline_writer(chat, writer, revisions):
    chat.script.requests.clear()
    unknown = story_json(revisions).replace(revisions[0]["api_id"], "00000000-0000-0000-0000-000000000000")
    chat.answers[:] = [unknown]
    story = generate(writer, revisions)
    assert len(chat.script.requests) == 2
    assert story["provider"] == "offline" and story["is_llm"] is False and story["status"] == "ready"
    assert "openai" in story["note"] and "unknown revision" in story["note"]
    assert all(s["description"] for s in story["slides"])
    assert not any(s["title"].startswith("Model title") for s in story["slides"])


def test_a_failing_endpoint_falls_back_too(chat, writer, revisions):
    chat.script.requests.clear()
    chat.script.status, chat.script.error_body = 500, '{"error": {"message": "overloaded"}}'
    try:
        story = generate(writer, revisions)
    finally:
        chat.script.status, chat.script.error_body = 200, ""
    assert len(chat.script.requests) == 1
    assert story["provider"] == "offline" and "failed" in story["note"]
