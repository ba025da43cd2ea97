"""Request size limit: bodies above FIGTRAIL_MAX_BODY_BYTES are refused with 413 before being read."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.FIGTRAIL_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
        if limit and length > limit:
            return JsonResponse(
                {
                    "detail": f"Request body is {length} bytes; this server accepts at most {limit} bytes "
                    "(FIGTRAIL_MAX_BODY_BYTES).",
                    "code": "request_too_large",
                },
                status=413,
            )
        return self.get_response(request)
