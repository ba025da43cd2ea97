"""Request size limit: bodies above FIGTRAIL_MAX_BODY_BYTES are refused with 413.

A declared ``Content-Length`` is checked before anything is read. A chunked body has no length up
front; Django stops reading it at DATA_UPLOAD_MAX_MEMORY_SIZE (set to the same limit), which we turn
into the same 413.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
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
            return too_large(limit, length)
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            try:
                request.body  # noqa: B018  (read now, so an oversized stream is refused here)
            except RequestDataTooBig:
                return too_large(limit)
        return self.get_response(request)
