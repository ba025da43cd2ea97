"""Request size limit: bodies above FIGTRAIL_MAX_BODY_BYTES are refused with 413.

A declared ``Content-Length`` is checked before anything is read. A chunked body has no length up
front, and Django would read none of it (it reads only ``CONTENT_LENGTH`` bytes), so we read it here,
up to the limit, and hand Django the bytes with their length.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.http import HttpRequest, JsonResponse


def too_large(limit: int, length: int | None = None) -> JsonResponse:
    size = f"{length} bytes" if length is not None else "larger than allowed"
    return JsonResponse(
        {
            "detail": f"Request body is {size}; this server accepts at most {limit} bytes "
            "(FIGTRAIL_MAX_BODY_BYTES).",
            "code": "request_too_large",
        },
        status=413,
    )


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        limit = settings.FIGTRAIL_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
        if limit and length > limit:
            discard_body(request, length)
            return too_large(limit, length)
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            if not read_chunked_body(request, limit):
                discard_body(request)
                return too_large(limit)
        return self.get_response(request)


DISCARD_MAX_BYTES = 64 * 1024 * 1024


def discard_body(request: HttpRequest, length: int | None = None) -> None:
    """Read and drop (up to DISCARD_MAX_BYTES of) a refused body, so the client gets to read our 413.

    Clients like ``requests`` send the whole body before reading the answer. Closing the connection
    with the body unread makes TCP reset it, which can destroy the 413 before the client reads it.
    """
    stream = request.META["wsgi.input"]
    remaining = DISCARD_MAX_BYTES if length is None else min(length, DISCARD_MAX_BYTES)
    while remaining > 0:
        chunk = stream.read(min(remaining, 64 * 1024))
        if not chunk:
            return
        remaining -= len(chunk)


def read_chunked_body(request: HttpRequest, limit: int) -> bool:
    """Read a de-chunked body (gunicorn decodes it) and give Django its length; False if over ``limit``.

    Without this, Django sees ``CONTENT_LENGTH`` 0 and the view gets an empty body instead of the data.
    """
    stream = request.META["wsgi.input"]
    body = stream.read(limit + 1) if limit else stream.read()
    if limit and len(body) > limit:
        return False
    request.META["CONTENT_LENGTH"] = str(len(body))
    request._stream = io.BytesIO(body)
    return True
