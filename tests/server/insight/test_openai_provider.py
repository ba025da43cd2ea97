"""The server really calls a configured OpenAI-compatible provider: a figtrail server started with
FIGTRAIL_AI_PROVIDER=openai talks to a local HTTP server that speaks the chat-completions protocol (the
one stand-in here: a paid AI API cannot run in tests), including streaming passed through as it comes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.conftest import start_server, stop_server
from tests.server.helpers import finished_task, new_user
from tests.server.insight.figures import published_tree, sse_events

API_KEY = "sk-test-not-a-real-key"


class FakeChat(ThreadingHTTPServer):
    """Answers ``POST /v1/chat/completions``; remembers each request; holds a stream after its first
    piece until ``release`` is set, so a test can prove the first piece reached it before the end."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.release = threading.Event()
        self.released_in_time: list[bool] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    server: FakeChat

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        text = json.dumps(body["messages"])
        if "please fail" in text:
            return self._json(500, {"error": {"message": "the model is overloaded"}})
        if body.get("stream"):
            return self._stream()
        answer = "Tumour growth" if "short title" in text else "A model's reading of the figure."
        if "markdown please" in text:
            answer = "**Growth** doubles.\n\n<script>alert(1)</script><img src=x onerror=alert(2)>"
        self._json(
            200,
            {
                "choices": [{"message": {"role": "assistant", "content": answer}}],
                "usage": {"prompt_tokens": 120, "completion_tokens": 7},
            },
        )

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self._chunk({"choices": [{"delta": {"content": "First piece."}}]})
        self.server.released_in_time.append(self.server.release.wait(timeout=15))
        self._chunk({"choices": [{"delta": {"content": " Second piece."}}]})
        self._chunk({"choices": [], "usage": {"prompt_tokens": 200, "completion_tokens": 4}})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _chunk(self, payload: dict) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


@pytest.fixture(scope="module")
def fake_chat() -> Iterator[FakeChat]:
    server = FakeChat()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def openai_server(tmp_path_factory, fake_chat) -> Iterator:
    env = {
        "FIGTRAIL_AI_PROVIDER": "openai",
        "FIGTRAIL_AI_BASE_URL": fake_chat.base_url,
        "FIGTRAIL_AI_API_KEY": API_KEY,
        "FIGTRAIL_AI_MODEL": "fake-model-1",
    }
    server = start_server(tmp_path_factory.mktemp("ai-openai"), env)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def user(openai_server):
    return new_user(openai_server)


@pytest.fixture(scope="module")
def tree(user) -> dict:
    return published_tree(user)


def test_insight_is_written_by_the_configured_model(user, tree, fake_chat):
    response = user.post("ai/insight/", {"revision_id": tree["first"]["api_id"], "question": "Trend?"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "text": "A model's reading of the figure.",
        "provider": "openai",
        "model": "fake-model-1",
        "is_llm": True,
        "usage": {"input_tokens": 120, "output_tokens": 7},
        "html": "<p>A model's reading of the figure.</p>\n",
    }
    sent = fake_chat.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["model"] == "fake-model-1"
    assert sent["auth"] == f"Bearer {API_KEY}" and sent["stream"] is False
    user_parts = sent["messages"][-1]["content"]
    images = [part for part in user_parts if part["type"] == "image_url"]
    assert [image["image_url"]["url"][:22] for image in images] == ["data:image/png;base64,"]
    text = next(part["text"] for part in user_parts if part["type"] == "text")
    assert "Trend?" in text and "Tumour size (mm)" in text and "growth" in text


def test_a_models_markdown_comes_rendered_and_sanitised(user, tree):
    """``html`` is the answer's Markdown as HTML, cleaned as comments are: a model's answer may carry
    markup (a prompt injection in the figure's data, say) that must never run in a reader's page."""
    response = user.post(
        "ai/insight/", {"revision_id": tree["first"]["api_id"], "question": "markdown please"}
    )
    html = response.json()["html"]
    assert "<strong>Growth</strong> doubles." in html
    assert "<script" not in html and "<img" not in html  # no element made from the model's markup:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # it shows as the text it is


def test_streaming_passes_each_piece_on_as_it_comes(openai_server, user, tree, fake_chat):
    fake_chat.release.clear()
    response = requests.post(
        user.base + "ai/insight/",
        json={"revision_id": tree["second"]["api_id"], "stream": True},
        headers=user.session.headers,
        stream=True,
        timeout=60,
    )
    assert response.status_code == 200 and response.headers["X-Accel-Buffering"] == "no"
    seen = ""
    lines = response.iter_lines(decode_unicode=True)
    for line in lines:  # the first piece arrives while the provider is still holding the rest back
        seen += line + "\n"
        if "First piece." in line:
            break
    fake_chat.release.set()
    rest = "\n".join(lines)
    events = sse_events(seen + "\n" + rest)
    assert [data["delta"] for name, data in events if name == "message"] == ["First piece.", " Second piece."]
    done = events[-1]
    assert done[0] == "done" and done[1]["text"] == "First piece. Second piece."
    assert done[1]["is_llm"] is True and done[1]["usage"] == {"input_tokens": 200, "output_tokens": 4}
    assert fake_chat.released_in_time[-1] is True
    assert fake_chat.requests[-1]["stream"] is True


def test_provider_failures_answer_with_the_providers_status(user, tree):
    before = user.ok("ai/usage/")["requests"]
    response = user.post("ai/insight/", {"revision_id": tree["first"]["api_id"], "question": "please fail"})
    assert response.status_code == 502
    body = response.json()
    assert body["code"] == "ai_provider_error" and "overloaded" in body["detail"]
    assert API_KEY not in response.text
    assert user.ok("ai/usage/")["requests"] == before  # a failed call does not use up the quota
    streamed = user.post(
        "ai/insight/", {"revision_id": tree["first"]["api_id"], "question": "please fail", "stream": True}
    )
    assert streamed.status_code == 502 and streamed.json()["code"] == "ai_provider_error"


def test_describe_and_availability_use_the_model(user, tree):
    available = user.ok(f"ai/availability/?revision_id={tree['first']['api_id']}")
    assert available["provider"] == "openai" and available["is_llm"] is True
    assert available["model"] == "fake-model-1" and available["available"] is True
    response = user.post(f"revision/{tree['first']['api_id']}/ai_describe/")
    assert response.status_code == 202
    assert finished_task(user, response.json()["task"]["api_id"])["status"] == "succeeded"
    revision = user.ok(f"revision/{tree['first']['api_id']}/")
    assert revision["ai_title"] == "Tumour growth"
    assert revision["ai_description"] == "A model's reading of the figure."
