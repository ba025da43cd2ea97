"""Any endpoint that speaks OpenAI's chat-completions protocol: OpenAI itself, Azure-style gateways, vLLM,
Ollama, llama.cpp's server, LiteLLM. One POST to ``{base_url}/chat/completions``; streaming is SSE.

HTTP goes through requests, figtrail's one HTTP client: the client already depends on it (it must
install light, in every notebook), and it streams a response line by line, which is all SSE needs.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import requests

from figtrail.ai.base import AIError, Completion, Delta, Prompt
from figtrail.ai.prompts import Rendered, approximate_tokens, render

DEFAULT_MODEL = "gpt-4o-mini"


class OpenAICompatibleProvider:
    name = "openai"
    is_llm = True

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str = "",
        model: str = "",
        max_tokens: int = 1024,
        timeout_seconds: float = 120,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/chat/completions"
        self.model = model or DEFAULT_MODEL
        self.max_tokens = max_tokens
        self._api_key = api_key
        self._timeout = timeout_seconds
        self._session = requests.Session()
        if api_key:
            self._session.headers["Authorization"] = f"Bearer {api_key}"

    def __repr__(self) -> str:  # never the key
        return f"OpenAICompatibleProvider(url={self.url!r}, model={self.model!r})"

    def complete(self, prompt: Prompt) -> Completion:
        rendered = render(prompt)
        body = self._body(rendered, stream=False)
        response = self._send(lambda: self._session.post(self.url, json=body, timeout=self._timeout))
        if response.status_code >= 400:
            raise self._error(response.status_code, response.text)
        payload = _json(response)
        text = _content(payload.get("choices", [{}])[0].get("message", {}).get("content"))
        usage = payload.get("usage") or {}
        return self._completion(rendered, text, usage)

    def stream(self, prompt: Prompt) -> Iterator[Delta | Completion]:
        rendered = render(prompt)
        body = self._body(rendered, stream=True)
        pieces: list[str] = []
        usage: dict[str, Any] = {}
        try:
            with self._session.post(self.url, json=body, stream=True, timeout=self._timeout) as response:
                if response.status_code >= 400:
                    raise self._error(response.status_code, response.content.decode(errors="replace"))
                for chunk in _events(response):
                    if chunk.get("error"):
                        raise self._error(502, json.dumps(chunk))
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices") or []:
                        text = _content((choice.get("delta") or {}).get("content"))
                        if text:
                            pieces.append(text)
                            yield Delta(text)
        except requests.RequestException as exc:
            raise self._transport_error(exc) from None
        yield self._completion(rendered, "".join(pieces), usage)

    def _body(self, rendered: Rendered, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages(rendered),
            "max_tokens": self.max_tokens,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    def _completion(self, rendered: Rendered, text: str, usage: dict[str, Any]) -> Completion:
        """Usage as the endpoint reported it; a word-count estimate from servers that report none."""
        return Completion(
            text=text,
            provider=self.name,
            model=self.model,
            input_tokens=int(
                usage.get("prompt_tokens") or approximate_tokens(rendered.system + rendered.text)
            ),
            output_tokens=int(usage.get("completion_tokens") or approximate_tokens(text)),
        )

    def _send(self, request: Callable[[], requests.Response]) -> requests.Response:
        try:
            return request()
        except requests.RequestException as exc:
            raise self._transport_error(exc) from None

    def _transport_error(self, exc: requests.RequestException) -> AIError:
        if isinstance(exc, requests.Timeout):
            return AIError(f"the AI endpoint {self.url} did not answer in time (FIGTRAIL_AI_TIMEOUT)", 504)
        return AIError(self._redact(f"could not reach the AI endpoint {self.url}: {exc}"), 502)

    def _error(self, status: int, body: str) -> AIError:
        detail = _error_message(body)
        message = f"the AI endpoint {self.url} answered {status}: {detail}"
        return AIError(self._redact(message), 429 if status == 429 else 502)

    def _redact(self, text: str) -> str:
        """Some endpoints echo the key they refused; it must not reach a user or a log."""
        return text.replace(self._api_key, "[redacted]") if self._api_key else text


def messages(rendered: Rendered) -> list[dict[str, Any]]:
    """A system message and one user message; images as base64 data URLs next to the text."""
    if not rendered.images:
        user: str | list[dict[str, Any]] = rendered.text
    else:
        user = [{"type": "text", "text": rendered.text}]
        user += [
            {"type": "image_url", "image_url": {"url": data_url(image.media_type, image.data)}}
            for image in rendered.images
        ]
    return [{"role": "system", "content": rendered.system}, {"role": "user", "content": user}]


def data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        raise AIError("the AI endpoint answered with something that is not JSON", 502) from None
    if not isinstance(payload, dict):
        raise AIError("the AI endpoint answered with unexpected JSON", 502)
    return payload


def _content(content: Any) -> str:
    """Content is a string, or (some servers) a list of parts with text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _events(response: requests.Response) -> Iterator[dict[str, Any]]:
    """The JSON of each ``data:`` line of a Server-Sent Events body, until ``[DONE]``."""
    for line in _lines(response):
        if not line.startswith("data:"):
            continue  # comments (": keep-alive"), event names, blank separators
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            raise AIError("the AI endpoint streamed a line that is not JSON", 502) from None
        if isinstance(chunk, dict):
            yield chunk


def _lines(response: requests.Response) -> Iterator[str]:
    """Each line of the body as soon as it has arrived (``iter_lines`` waits for 512 bytes, which would
    hold back the first words of an answer); UTF-8, as SSE is, whatever the headers say."""
    pending = b""
    while chunk := response.raw.read1(64 * 1024, decode_content=True):
        *complete, pending = (pending + chunk).split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r").decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


def _error_message(body: str) -> str:
    """The endpoint's own error message (OpenAI puts it in ``error.message``), shortened."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body.strip()[:300] or "no details"
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:300]
    if isinstance(error, str):
        return error[:300]
    return body.strip()[:300]
