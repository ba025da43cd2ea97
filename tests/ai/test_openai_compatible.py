"""The openai provider against a real local HTTP server speaking chat-completions (streaming included)."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator

import pytest

from figtrail.ai.base import AIError, Completion, Delta, FigureFacts, Image, Prompt, Purpose
from figtrail.ai.openai_compatible import OpenAICompatibleProvider
from figtrail.ai.prompts import INSTRUCTIONS
from tests.ai.chat_server import Script, chat_server

PNG = b"\x89PNG\r\n\x1a\nnot-really-but-bytes"
FACTS = FigureFacts(
    revision_id="rev-1",
    figure_name="Temperature by city",
    title="Monthly temperature",
    axis_labels={"x": "Month", "y": "Temperature (°C)"},
    series=("Berlin", "Lisbon"),
    code="import matplotlib.pyplot as plt\nplt.plot([1, 2])\n",
    image=Image("image/png", PNG),
)
PROMPT = Prompt(purpose=Purpose.INSIGHT, question="Which city is warmer?", figures=(FACTS,))


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def base_url(script: Script) -> Iterator[str]:
    with chat_server(script) as url:
        yield url


def provider(base_url: str, **options) -> OpenAICompatibleProvider:
    options = {"api_key": "sk-test-secret", "model": "local-model", "max_tokens": 200, **options}
    return OpenAICompatibleProvider(base_url, timeout_seconds=10, **options)


def test_complete_sends_model_key_text_and_image(base_url: str, script: Script) -> None:
    completion = provider(base_url).complete(PROMPT)
    assert completion == Completion(script.text, "openai", "local-model", input_tokens=321, output_tokens=9)
    (request,) = script.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test-secret"
    body = request["body"]
    assert (body["model"], body["max_tokens"], body["stream"]) == ("local-model", 200, False)
    system, user = body["messages"]
    assert system["role"] == "system" and INSTRUCTIONS[Purpose.INSIGHT] in system["content"]
    text, image = user["content"]
    assert "title: Monthly temperature" in text["text"] and "Which city is warmer?" in text["text"]
    assert "plt.plot([1, 2])" in text["text"]
    assert image == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
    }


def test_text_only_prompt_without_key_sends_plain_content_and_no_auth(base_url: str, script: Script) -> None:
    provider(base_url, api_key="", model="").complete(
        Prompt(purpose=Purpose.QUERY, question="What is a KDE?")
    )
    (request,) = script.requests
    assert "Authorization" not in request["headers"]
    assert request["body"]["model"] == "gpt-4o-mini"
    assert request["body"]["messages"][1]["content"].endswith("What is a KDE?")


def test_stream_yields_deltas_then_the_completion_with_usage(base_url: str, script: Script) -> None:
    events = list(provider(base_url).stream(PROMPT))
    *deltas, final = events
    assert all(isinstance(d, Delta) for d in deltas) and len(deltas) == len(script.text.split(" "))
    assert "".join(d.text for d in deltas) == script.text
    assert final == Completion(script.text, "openai", "local-model", input_tokens=321, output_tokens=9)
    body = script.requests[0]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"][1]["content"][1]["type"] == "image_url"


def test_stream_from_a_server_that_ignores_usage_estimates_it(base_url: str, script: Script) -> None:
    script.usage = False
    *_, final = provider(base_url).stream(PROMPT)
    assert final.text == script.text
    assert final.output_tokens == len(script.text.split()) and final.input_tokens > 0


@pytest.mark.parametrize(("upstream", "status"), [(401, 502), (429, 429), (500, 502)])
@pytest.mark.parametrize("streaming", [False, True])
def test_error_statuses_become_ai_errors_without_the_key(
    base_url: str, script: Script, upstream: int, status: int, streaming: bool
) -> None:
    script.status = upstream
    script.error_body = '{"error": {"message": "Incorrect API key provided: sk-test-secret", "type": "x"}}'
    chat = provider(base_url)
    with pytest.raises(AIError) as caught:
        list(chat.stream(PROMPT)) if streaming else chat.complete(PROMPT)
    assert caught.value.status == status
    message = str(caught.value)
    assert f"answered {upstream}: Incorrect API key provided: [redacted]" in message
    assert "sk-test-secret" not in message and "sk-test-secret" not in repr(chat)


def test_unreachable_endpoint_is_an_ai_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(AIError, match="could not reach the AI endpoint") as caught:
        provider(f"http://127.0.0.1:{port}/v1").complete(PROMPT)
    assert caught.value.status == 502


def test_non_json_answer_is_an_ai_error(base_url: str, script: Script) -> None:
    script.error_body = "<html>502 from a proxy, served as 200</html>"
    with pytest.raises(AIError, match="not JSON"):
        provider(base_url).complete(PROMPT)
