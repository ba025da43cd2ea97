"""Thumbnails: a small PNG of an object's latest image, made once per (image, size) and kept as a blob."""

from __future__ import annotations

import base64
import io
import logging

from django.core.cache import cache
from django.db.models import Model
from PIL import Image
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server import blobs
from figtrail.server.access.declarations import LINK
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Data
from figtrail.server.images import ImageTooLarge, open_image
from figtrail.server.payload_responses import RASTER_FORMATS

log = logging.getLogger(__name__)

MAX_THUMBNAIL_SIZE = 2048


def source_image(obj: Model) -> Data | None:
    """The image a thumbnail is made from: the latest revision's unwatermarked raster image."""
    path = Data.path_up(type(obj))  # "revision__figure" for a figure, "asset_revision" for an asset revision
    if path is None:
        return None
    parent = path.partition("__")[0]  # the data's revision or asset revision
    data = Data.objects.filter(type="image", **{path: obj}).order_by(f"-{parent}__created_on", "position")
    candidates = [d for d in data[:20] if str(d.metadata.get("format", "")).lower() in RASTER_FORMATS]
    candidates.sort(key=lambda d: bool(d.metadata.get("is_watermarked")))
    return candidates[0] if candidates else None


def render_thumbnail(source: Data, size: int) -> bytes:
    """The PNG thumbnail of an image data row, kept in the store of the image (an organization's data
    stays in its bucket); ``ImageTooLarge`` (a ``DecompressionBombError``) when the image's declared
    canvas is over ``FIGTRAIL_MAX_IMAGE_PIXELS``: it is never decoded."""
    store_id = source.store_id
    key = f"thumbnail:{source.hash}:{size}" + (f":{store_id}" if store_id is not None else "")
    cached_hash = cache.get(key)
    if cached_hash and blobs.exists(cached_hash, store_id):
        return blobs.get(cached_hash, store_id)
    with open_image(blobs.read(source), reduce_to=(size, size)) as image:
        image.thumbnail((size, size))
        out = io.BytesIO()
        image.convert("RGBA").save(out, format="PNG", optimize=True)
    payload = out.getvalue()
    cache.set(key, blobs.put(payload, store_id), timeout=None)
    return payload


def thumbnail_of(obj: Model, size: int) -> str | None:
    image = source_image(obj)
    if image is None:
        return None
    try:
        return base64.b64encode(render_thumbnail(image, size)).decode()
    except ImageTooLarge as exc:
        log.info("no thumbnail for data %s: %s", image.pk, exc)
        return None  # a decompression bomb, or just too large: no thumbnail, never a decoded canvas
    except (OSError, Image.DecompressionBombError):
        return None  # not an image PIL can read: no thumbnail rather than an error


class ThumbnailMixin:
    access = {"thumbnail": LINK}  # access.declarations: readable through a share link too

    @action(detail=True, methods=["get"], url_path=r"thumbnail/(?P<size>[^/]+)")
    def thumbnail(self, request, *args, size: str, **kwargs):
        obj = self.get_object(Level.VIEW)
        if not size.isdigit() or not 1 <= int(size) <= MAX_THUMBNAIL_SIZE:
            raise ValidationError(
                {"size": [f"Must be a whole number of pixels from 1 to {MAX_THUMBNAIL_SIZE}."]}
            )
        return Response({"thumbnail": thumbnail_of(obj, int(size))})
