"""Serving a slide's picture through its story: the bytes of the revision's image, or a thumbnail.

SVG is user content: it is sent with the same sandboxing Content Security Policy as the web UI's data
views, so opening it directly runs nothing.
"""

from __future__ import annotations

from django.http import HttpResponse
from PIL import Image
from rest_framework.exceptions import NotFound

from figtrail.server import blobs
from figtrail.server.catalog.thumbnails import RASTER_FORMATS, render_thumbnail
from figtrail.server.stories.images import best_image
from figtrail.server.stories.models import StorySlide
from figtrail.server.web.payloads import SANDBOX, content_type, data_format


def slide_image_response(slide: StorySlide, size: int | None) -> HttpResponse:
    image = best_image(slide.shown_revision)
    if image is None:
        raise NotFound("This slide has no image (its figure was deleted, or has no picture).")
    raster = data_format(image) in RASTER_FORMATS
    try:
        if size and raster:
            response = HttpResponse(render_thumbnail(image.hash, size), content_type="image/png")
        else:
            response = HttpResponse(blobs.get(image.hash), content_type=content_type(image))
    except (OSError, Image.DecompressionBombError) as exc:
        raise NotFound("This slide's image cannot be read.") from exc
    if not raster:
        response["Content-Security-Policy"] = SANDBOX
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response
