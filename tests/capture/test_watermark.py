"""The watermark: the revision's link on the configured server, as text and as a QR code, under the image."""

from __future__ import annotations

import io

import segno
from PIL import Image

from figtrail.capture.watermark import Watermark

LINK = "http://figs.internal:8470/r/aB3dEf9H0"


def blank_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_strip_goes_under_the_untouched_image():
    stamped = Image.open(io.BytesIO(Watermark().stamp_png(blank_png(640, 480), LINK))).convert("RGB")
    assert stamped.width == 640 and stamped.height > 480
    assert stamped.crop((0, 0, 640, 480)).getcolors() == [(640 * 480, (200, 220, 255))]


def test_the_qr_code_encodes_the_link_to_this_server():
    height = 480
    stamped = Image.open(io.BytesIO(Watermark().stamp_png(blank_png(640, height), LINK))).convert("L")
    matrix = segno.make(LINK, error="m", micro=False).matrix
    module, margin = 3, 8  # the layout for images up to 800 px wide
    origin_x, origin_y = margin + module, height + margin + module  # after the quiet border of 1 module
    for row, bits in enumerate(matrix):
        for col, dark in enumerate(bits):
            x = origin_x + col * module + module // 2
            y = origin_y + row * module + module // 2
            assert (stamped.getpixel((x, y)) < 128) == bool(dark), (row, col)


def test_large_images_get_a_larger_strip():
    small = Image.open(io.BytesIO(Watermark().stamp_png(blank_png(400, 300), LINK)))
    large = Image.open(io.BytesIO(Watermark().stamp_png(blank_png(2400, 1800), LINK)))
    assert large.height - 1800 > 2 * (small.height - 300)


def test_without_a_qr_code_the_strip_is_just_the_link():
    with_qr = Image.open(io.BytesIO(Watermark().stamp_png(blank_png(640, 480), LINK)))
    text_only = Image.open(io.BytesIO(Watermark(qr_code=False).stamp_png(blank_png(640, 480), LINK)))
    assert 480 < text_only.height < with_qr.height


def test_interactive_figures_get_the_link_as_a_footer():
    page = b"<html><body><div id='plot'></div></body></html>"
    stamped = Watermark().stamp_html(page, LINK)
    assert stamped.startswith(b"<html><body><div id='plot'></div>")
    assert f"<a href='{LINK}'".encode() in stamped and stamped.endswith(b"</body></html>")
