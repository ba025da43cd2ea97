"""The one Server-Sent Events response, for the AI API's streams and the revision page's questions."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import StreamingHttpResponse


def sse_response(events: Iterable[str | bytes]) -> StreamingHttpResponse:
    """Stream ``events`` (already ``data: ...\\n\\n`` framed) as they come: no caching, no proxy buffering."""
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on as it comes
    return response
