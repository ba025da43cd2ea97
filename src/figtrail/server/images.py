"""Opening uploaded images within a pixel budget, so that a decompression bomb is never decoded.

A PNG of a few kilobytes can declare a 30000 x 30000 canvas (900 Mpx, 3.6 GB as RGBA). ``Image.open`` is
lazy: it reads only the header, so the declared width and height are known before any pixel is decoded.
:func:`open_image` refuses an image whose declared canvas exceeds ``FIGTRAIL_MAX_IMAGE_PIXELS`` (JPEGs
are first reduced with ``Image.draft`` when a smaller picture is enough), and :func:`check_canvas` does the
same for a canvas made from several images (the pixel difference). Every place that decodes a user's
image (thumbnails, pixel differences, story pictures) opens it here; the AI path checks the declared
size with :func:`declared_size` before sending the bytes to a provider.

:class:`ImageTooLarge` is a ``PIL.Image.DecompressionBombError``, so code that already falls back on
Pillow's own bomb error (no thumbnail, no picture in an export) falls back on this one too.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from PIL import Image


class ImageTooLarge(Image.DecompressionBombError):
    """An image (or a canvas made of images) over the pixel budget; the message says what, and how large."""

    code = "image_too_large"

    def __init__(self, width: int | None, height: int | None, budget: int, what: str = "The image"):
        self.width, self.height, self.budget = width, height, budget
        if width is None or height is None:
            size = "larger than"
        else:
            size = f"{width} x {height} pixels ({width * height:,}), more than"
        super().__init__(
            f"{what} is {size} this server decodes: {budget:,} pixels (FIGTRAIL_MAX_IMAGE_PIXELS)."
        )


def max_pixels() -> int:
    return int(getattr(settings, "FIGTRAIL_MAX_IMAGE_PIXELS", 50_000_000))


def check_canvas(width: int, height: int, what: str = "The image") -> None:
    """Raise :class:`ImageTooLarge` when a ``width`` x ``height`` canvas is over the budget."""
    budget = max_pixels()
    if width <= 0 or height <= 0 or width * height > budget:
        raise ImageTooLarge(width, height, budget, what)


def _open(payload: bytes, what: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(payload))  # reads the header only
    except Image.DecompressionBombError as exc:  # Pillow's own check, at twice the budget
        raise ImageTooLarge(None, None, max_pixels(), what) from exc


def declared_size(payload: bytes) -> tuple[int, int]:
    """The width and height an image's header declares, without decoding it (OSError if not an image)."""
    with _open(payload, "The image") as image:
        return image.size


@contextmanager
def open_image(
    payload: bytes, *, reduce_to: tuple[int, int] | None = None, what: str = "The image"
) -> Iterator[Image.Image]:
    """The image, opened but not decoded, once its declared size is known to be within the budget.

    ``reduce_to``: the caller needs no more than this size (a thumbnail), so a JPEG may be decoded at a
    reduced scale (``Image.draft``), which can bring a large photo within the budget."""
    image = _open(payload, what)
    try:
        if reduce_to is not None and image.format == "JPEG":
            image.draft("RGB", reduce_to)
        check_canvas(*image.size, what=what)
        yield image
    finally:
        image.close()
