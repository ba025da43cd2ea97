"""Serving a slide's picture through its story: the bytes of the revision's image, or a thumbnail.

The picture is user content: ``payload_responses`` answers it (sandboxed, nosniff, shown inline only if it
is an allow-listed picture, else downloaded), so opening it directly runs nothing.
"""

from __future__ import annotations

from django.http import HttpResponse
from PIL import Image
from rest_framework.exceptions import APIException, NotFound

from figtrail.server import blobs
from figtrail.server.catalog.data_formats import data_format, safe_name
from figtrail.server.catalog.thumbnails import render_thumbnail
from figtrail.server.images import ImageTooLarge
from figtrail.server.payload_responses import RASTER_FORMATS, payload_response
from figtrail.server.stories.images import best_image
from figtrail.server.stories.models import StorySlide

CACHE = "private, max-age=300"


class PictureTooLarge(APIException):
    status_code = 422
    default_code = "image_too_large"


def slide_image_response(slide: StorySlide, size: int | None) -> HttpResponse:
    image = best_image(slide.shown_revision)
    if image is None:
        raise NotFound("This slide has no image (its figure was deleted, or has no picture).")
    fmt = data_format(image)
    try:
        if size and fmt in RASTER_FORMATS:
            body, fmt = render_thumbnail(image, size), "png"
        else:
            body = blobs.read(image)
    except ImageTooLarge as exc:
        raise PictureTooLarge(str(exc)) from exc
    except (OSError, Image.DecompressionBombError) as exc:
        raise NotFound("This slide's image cannot be read.") from exc
    name = f"slide-{slide.position + 1}.{safe_name(fmt) if fmt else 'bin'}"
    return payload_response(body, fmt, inline=True, filename=name, cache=CACHE)
