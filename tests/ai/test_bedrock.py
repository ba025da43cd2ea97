"""The bedrock provider on a real boto3 client (dummy credentials, no network).

``converse`` goes through botocore's Stubber. The Stubber cannot produce an event stream, so
``converse_stream`` is answered at the HTTP layer with real event-stream bytes (tests/ai/eventstream.py)
that botocore's own parser decodes.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from figtrail.ai.base import AIError, Completion, Delta, FigureFacts, Image, Prompt, Purpose
from figtrail.ai.bedrock import DEFAULT_MODEL, BedrockProvider
from figtrail.ai.prompts import render
from tests.ai import eventstream

PNG = b"\x89PNG\r\n\x1a\nbytes"
FACTS = FigureFacts(
    revision_id="rev-1",
    figure_name="Temperature by city",
    title="Monthly temperature",
    axis_labels={"x": "Month", "y": "Temperature (°C)"},
    image=Image("image/png", PNG),
)
PROMPT = Prompt(purpose=Purpose.DESCRIBE, figures=(FACTS,))


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
    )


def expected_request(model: str = DEFAULT_MODEL, max_tokens: int = 1024) -> dict[str, Any]:
    rendered = render(PROMPT)
    return {
        "modelId": model,
        "system": [{"text": rendered.system}],
        "messages": [
            {
                "role": "user",
                "content": [{"text": rendered.text}, {"image": {"format": "png", "source": {"bytes": PNG}}}],
            }
        ],
        "inferenceConfig": {"maxTokens": max_tokens},
    }


def converse_response(text: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 812, "outputTokens": 41, "totalTokens": 853},
        "metrics": {"latencyMs": 900},
    }


def test_converse_sends_text_and_image_and_reads_usage(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_response(
            "converse", converse_response("A line chart of two cities."), expected_request("m-1", 300)
        )
        completion = BedrockProvider(model="m-1", max_tokens=300, client=client).complete(PROMPT)
        stub.assert_no_pending_responses()
    assert completion == Completion("A line chart of two cities.", "bedrock", "m-1", 812, 41)


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 429), ("AccessDeniedException", 502), ("ServiceUnavailableException", 503)],
)
def test_client_errors_become_ai_errors(client: Any, code: str, status: int) -> None:
    with Stubber(client) as stub:
        stub.add_client_error(
            "converse", service_error_code=code, service_message="nope", http_status_code=400
        )
        with pytest.raises(AIError) as caught:
            BedrockProvider(client=client).complete(PROMPT)
    assert caught.value.status == status
    assert str(caught.value) == f"Amazon Bedrock refused the request ({code}): nope"


def test_missing_credentials_say_where_to_put_them() -> None:
    class NoCredentials:
        def converse(self, **_: Any) -> None:
            raise NoCredentialsError()

    with pytest.raises(AIError, match="no AWS credentials") as caught:
        BedrockProvider(client=NoCredentials()).complete(PROMPT)
    assert caught.value.status == 503


def stream_bytes(*pieces: str) -> bytes:
    events = [eventstream.event("messageStart", {"role": "assistant"})]
    events += [
        eventstream.event("contentBlockDelta", {"delta": {"text": p}, "contentBlockIndex": 0}) for p in pieces
    ]
    events.append(eventstream.event("messageStop", {"stopReason": "end_turn"}))
    usage = {
        "usage": {"inputTokens": 700, "outputTokens": 12, "totalTokens": 712},
        "metrics": {"latencyMs": 5},
    }
    return b"".join(events) + eventstream.event("metadata", usage)


def test_converse_stream_yields_deltas_then_the_completion(client: Any) -> None:
    sent: list[Any] = []
    eventstream.answer_with(client, stream_bytes("A line ", "chart ", "of two cities."), sent)
    events = list(BedrockProvider(model="m-2", client=client).stream(PROMPT))
    assert events == [
        Delta("A line "),
        Delta("chart "),
        Delta("of two cities."),
        Completion("A line chart of two cities.", "bedrock", "m-2", 700, 12),
    ]
    (request,) = sent
    assert request.url.endswith("/model/m-2/converse-stream")
    body = json.loads(request.body)
    image = body["messages"][0]["content"][1]["image"]
    assert image == {"format": "png", "source": {"bytes": base64.b64encode(PNG).decode()}}
    assert body["inferenceConfig"] == {"maxTokens": 1024}


def test_an_error_event_in_the_stream_is_an_ai_error(client: Any) -> None:
    data = stream_bytes("Half an ") + eventstream.exception("throttlingException", "Too many tokens")
    eventstream.answer_with(client, data, [])
    stream = BedrockProvider(client=client).stream(PROMPT)
    assert next(stream) == Delta("Half an ")
    with pytest.raises(AIError) as caught:
        list(stream)
    assert caught.value.status == 429 and "Too many tokens" in str(caught.value)
