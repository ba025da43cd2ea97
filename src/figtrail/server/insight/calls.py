"""Running one prompt for one user: admit it against the limits, ask the provider, record the usage, and
turn a provider failure into an HTTP answer. Used by the API views (JSON and Server-Sent Events) and by
the task handlers, so every AI call is counted the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from rest_framework.exceptions import APIException

from figtrail.ai import AIError, Completion, Delta, Prompt, Provider
from figtrail.server.insight import limits, service
from figtrail.server.insight.models import AIUsage
from figtrail.server.social import rendering


class ProviderFailed(APIException):
    """The provider's failure as an HTTP answer: its status (502, 503 or 504) and a code to branch on."""

    status_code = 502
    default_code = "ai_provider_error"

    def __init__(self, error: AIError) -> None:
        super().__init__({"detail": str(error), "code": "ai_provider_error"})
        self.status_code = error.status if 400 <= error.status < 600 else 502


def current_provider() -> Provider:
    """The configured provider; a configuration error answers 503 instead of a server error."""
    try:
        return service.provider()
    except AIError as error:
        raise ProviderFailed(error) from error
    except ValueError as error:
        raise ProviderFailed(AIError(f"The AI provider is not configured correctly: {error}", 503)) from error


def body(completion: Completion, provider: Provider) -> dict[str, Any]:
    """What the API answers for a completion: the text (Markdown, and ``html``: rendered and sanitised as
    comments are, safe to show as is), and who wrote it (``is_llm`` False: offline)."""
    return {**completion.as_dict(), "html": rendering.render(completion.text), "is_llm": provider.is_llm}


def complete(user, prompt: Prompt, workspace=None) -> tuple[Completion, Provider]:
    """Ask for the whole answer at once, counted against ``user``'s limits."""
    provider = current_provider()
    usage = limits.admit(user, prompt.purpose, provider, workspace)
    return complete_admitted(usage, provider, prompt), provider


def complete_admitted(usage: AIUsage, provider: Provider, prompt: Prompt) -> Completion:
    """Ask for an answer whose call was already admitted (tasks are admitted by the request that made
    them, so that the 429 reaches the caller)."""
    try:
        completion = provider.complete(prompt)
    except AIError as error:
        limits.settle(usage, None)
        raise ProviderFailed(error) from error
    limits.settle(usage, completion)
    return completion


def open_stream(user, prompt: Prompt, workspace=None) -> Iterator[bytes]:
    """Server-Sent Events of the answer: ``data: {"delta": ...}`` events, then ``event: done`` with the
    completion's JSON (or ``event: error``). The limits are checked and the provider's first piece is
    awaited before returning, so a refusal or an early failure is still a plain HTTP error."""
    provider = current_provider()
    usage = limits.admit(user, prompt.purpose, provider, workspace)
    pieces = provider.stream(prompt)
    try:
        first = next(pieces)
    except AIError as error:
        limits.settle(usage, None)
        raise ProviderFailed(error) from error
    except StopIteration:
        limits.settle(usage, None)
        raise ProviderFailed(AIError("The AI provider sent no answer.", 502)) from None
    return _events(first, pieces, usage, provider)


def _events(first, pieces: Iterator, usage: AIUsage, provider: Provider) -> Iterator[bytes]:
    yield b": stream opened\n\n"  # reaches the client at once: proxies and browsers see the stream start
    try:
        for piece in _chain(first, pieces):
            if isinstance(piece, Delta):
                if piece.text:
                    yield event({"delta": piece.text})
            elif isinstance(piece, Completion):
                limits.settle(usage, piece)
                yield event(body(piece, provider), "done")
                return
    except AIError as error:
        limits.settle(usage, None)
        status = error.status if 400 <= error.status < 600 else 502
        yield event({"detail": str(error), "code": "ai_provider_error", "status": status}, "error")
        return
    limits.settle(usage, None)
    yield event({"detail": "The AI provider ended without an answer.", "code": "ai_provider_error"}, "error")


def _chain(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest


def event(data: dict[str, Any], name: str | None = None) -> bytes:
    """One Server-Sent Event; JSON never holds a raw newline, so one ``data:`` line suffices."""
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()
