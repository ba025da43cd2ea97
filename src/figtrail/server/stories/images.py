"""The picture of a slide: the revision's clean raster image, as PNG or JPEG bytes Office files accept.

Office formats embed PNG and JPEG reliably; other rasters (WebP, say) are converted to PNG. A revision
that has only SVG or interactive HTML has no picture for an export (it puts a note in its place); the
slide image endpoint serves the SVG itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from figtrail.server import blobs
from figtrail.server.catalog.data_formats import data_format
from figtrail.server.catalog.models import Data, DataType, Revision
from figtrail.server.images import open_image
from figtrail.server.payload_responses import RASTER_FORMATS

EMBEDDABLE = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg"}


@dataclass(frozen=True)
class Picture:
    data: bytes
    media_type: str
    width: int
    height: int


def best_image(revision: Revision | None) -> Data | None:
    """The image a slide shows: a raster (clean before watermarked, PNG first), else an SVG.

    Reads ``revision.data.all()``, so a prefetched list of slides costs no query per slide."""
    if revision is None:
        return None
    images = [d for d in revision.data.all() if d.type == DataType.IMAGE]
    rasters = [d for d in images if data_format(d) in RASTER_FORMATS]
    rasters.sort(key=lambda d: (bool((d.metadata or {}).get("is_watermarked")), data_format(d) != "png"))
    if rasters:
        return rasters[0]
    return next((d for d in images if data_format(d) == "svg"), None)


def image_format(revision: Revision | None) -> str | None:
    image = best_image(revision)
    return data_format(image) if image is not None else None


def picture_of(revision: Revision | None) -> Picture | None:
    """The revision's picture, ready to embed; None when it has no raster image we can read."""
    image = best_image(revision)
    if image is None or data_format(image) not in RASTER_FORMATS:
        return None
    try:
        return _embeddable(blobs.read(image), data_format(image))
    except (OSError, Image.DecompressionBombError, ValueError):
        return None  # a missing blob, or not an image PIL can read: the export says so instead


def _embeddable(payload: bytes, fmt: str) -> Picture:
    """Over FIGTRAIL_MAX_IMAGE_PIXELS, ``ImageTooLarge`` (a DecompressionBombError): never decoded, and
    never embedded either (the export's reader would decode it)."""
    with open_image(payload) as image:
        width, height = image.size
        if fmt in EMBEDDABLE and image.format in ("PNG", "JPEG"):
            return Picture(payload, EMBEDDABLE[fmt], width, height)
        out = io.BytesIO()
        image.convert("RGBA").save(out, format="PNG")
    return Picture(out.getvalue(), "image/png", width, height)


def missing_picture_note(revision: Revision | None) -> str:
    """What an export says where a slide has no picture."""
    if revision is None:
        return "The figure of this slide was deleted; its words are kept."
    formats = {data_format(d) for d in revision.data.all() if d.type == DataType.IMAGE}
    if formats & {"svg", "html"}:
        kinds = " and ".join(sorted(f.upper() for f in formats & {"svg", "html"}))
        return f"This figure is stored as {kinds} only; open the link to see it."
    return "This revision has no image; open the link to see what it holds."
