"""Amazon Bedrock through boto3's Converse APIs (one request shape for every model Bedrock hosts).

Credentials come from the usual AWS chain (environment, profile, instance or task role); figtrail stores
none. The client is made once per provider; tests inject their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    ReadTimeoutError,
)

from figtrail.ai.base import AIError, Completion, Delta, Prompt
from figtrail.ai.prompts import IMAGE_FORMATS, Rendered, render

DEFAULT_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"

# Error events a Converse stream can carry instead of text.
STREAM_ERRORS = (
    "internalServerException",
    "modelStreamErrorException",
    "validationException",
    "throttlingException",
    "serviceUnavailableException",
)


class BedrockProvider:
    name = "bedrock"
    is_llm = True

    def __init__(
        self,
        *,
        model: str = "",
        region: str = "",
        max_tokens: int = 1024,
        timeout_seconds: float = 120,
        client: Any = None,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self.max_tokens = max_tokens
        self._client = client or boto3.client(
            "bedrock-runtime",
            region_name=region or None,
            config=Config(read_timeout=timeout_seconds, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def __repr__(self) -> str:
        return f"BedrockProvider(model={self.model!r})"

    def complete(self, prompt: Prompt) -> Completion:
        with _translated_errors():
            response = self._client.converse(**self._request(render(prompt)))
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        text = "".join(block.get("text", "") for block in blocks)
        return self._completion(text, response.get("usage") or {})

    def stream(self, prompt: Prompt) -> Iterator[Delta | Completion]:
        pieces: list[str] = []
        usage: dict[str, Any] = {}
        with _translated_errors():
            response = self._client.converse_stream(**self._request(render(prompt)))
            for event in response["stream"]:
                _raise_stream_error(event)
                text = event.get("contentBlockDelta", {}).get("delta", {}).get("text", "")
                if text:
                    pieces.append(text)
                    yield Delta(text)
                usage = event.get("metadata", {}).get("usage") or usage
        yield self._completion("".join(pieces), usage)

    def _request(self, rendered: Rendered) -> dict[str, Any]:
        return {
            "modelId": self.model,
            "system": [{"text": rendered.system}],
            "messages": [{"role": "user", "content": content_blocks(rendered)}],
            "inferenceConfig": {"maxTokens": self.max_tokens},
        }

    def _completion(self, text: str, usage: dict[str, Any]) -> Completion:
        return Completion(
            text=text,
            provider=self.name,
            model=self.model,
            input_tokens=int(usage.get("inputTokens", 0)),
            output_tokens=int(usage.get("outputTokens", 0)),
        )


def content_blocks(rendered: Rendered) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"text": rendered.text}]
    blocks += [
        {"image": {"format": IMAGE_FORMATS[image.media_type], "source": {"bytes": image.data}}}
        for image in rendered.images
    ]
    return blocks


def _raise_stream_error(event: dict[str, Any]) -> None:
    for kind in STREAM_ERRORS:
        if kind in event:
            message = event[kind].get("message", "no details")
            raise AIError(f"Amazon Bedrock stopped the answer ({kind}): {message}", _status(kind))


def _status(code: str) -> int:
    code = code.lower()
    if "throttling" in code:
        return 429
    if "unavailable" in code or "notready" in code:
        return 503
    return 502


@contextmanager
def _translated_errors() -> Iterator[None]:
    """botocore's exceptions, turned into AIErrors a user can act on."""
    try:
        yield
    except NoCredentialsError:
        raise AIError(
            "no AWS credentials for Amazon Bedrock: give the server AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, an AWS_PROFILE, or an instance/task role",
            503,
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), error.get("Message", "no details")
        raise AIError(f"Amazon Bedrock refused the request ({code}): {message}", _status(code)) from None
    except ReadTimeoutError:
        raise AIError("Amazon Bedrock did not answer in time (FIGTRAIL_AI_TIMEOUT)", 504) from None
    except BotoCoreError as exc:
        raise AIError(f"could not reach Amazon Bedrock: {exc}", 502) from None
