"""The watermark: a strip under the image with the revision's link and a QR code of it.

The link is the configured server's ``/r/<short id or id>`` page, so a printed or pasted figure leads
back to its history on *this* server. The unwatermarked image is always stored as well.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is imported when an image is stamped, not with figtrail
    from PIL import Image, ImageDraw, ImageFont

    Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

BASE_WIDTH = 800  # the strip is designed for an 800 px wide image and scaled from there


@dataclass(frozen=True)
class Watermark:
    """How to stamp images. ``Watermark(enabled=False)`` (or ``watermark=False``) turns it off."""

    enabled: bool = True
    qr_code: bool = True
    margin: int = 8
    background: tuple[int, int, int] = (255, 255, 255)
    foreground: tuple[int, int, int] = (60, 60, 60)

    def stamp_png(self, png: bytes, link: str) -> bytes:
        """The image with the strip added underneath, as PNG."""
        from PIL import Image

        with Image.open(io.BytesIO(png)) as original:
            original.load()
            image = original.convert("RGBA") if original.mode not in ("RGB", "RGBA") else original.copy()
        strip = self._strip(image.width, link)
        out = Image.new("RGBA", (image.width, image.height + strip.height), self.background + (255,))
        out.paste(image, (0, 0))
        out.paste(strip, (0, image.height))
        buffer = io.BytesIO()
        out.convert("RGB").save(buffer, format="PNG", optimize=False, compress_level=3)
        return buffer.getvalue()

    def stamp_html(self, page: bytes, link: str) -> bytes:
        """An interactive (HTML) figure with the link as a footer."""
        safe = html.escape(link, quote=True)
        footer = (
            "<div style='font:12px sans-serif;color:#555;margin:6px 0'>figtrail revision: "
            f"<a href='{safe}' target='_blank'>{safe}</a></div>"
        ).encode()
        marker = page.rfind(b"</body>")
        if marker == -1:
            return page + footer
        return page[:marker] + footer + page[marker:]

    def _strip(self, width: int, link: str) -> Image.Image:
        from PIL import Image, ImageDraw

        scale = max(1.0, min(4.0, width / BASE_WIDTH))
        margin = round(self.margin * scale)
        qr = self._qr(link, scale) if self.qr_code else None
        font = _font(round(15 * scale))
        text_height = _text_height(font, link)
        height = max(qr.height if qr else 0, text_height) + 2 * margin
        strip = Image.new("RGBA", (width, height), self.background + (255,))
        x = margin
        if qr is not None:
            strip.paste(qr, (x, margin))
            x += qr.width + margin
        draw = ImageDraw.Draw(strip)
        draw.text(
            (x, (height - text_height) // 2),
            _fit(draw, link, font, width - x - margin),
            fill=self.foreground,
            font=font,
        )
        return strip

    def _qr(self, link: str, scale: float) -> Image.Image:
        import segno
        from PIL import Image

        code = segno.make(link, error="m", micro=False)
        buffer = io.BytesIO()
        code.save(
            buffer,
            kind="png",
            scale=max(2, round(3 * scale)),
            border=1,
            dark=self.foreground,
            light=self.background,
        )
        buffer.seek(0)
        return Image.open(buffer).convert("RGBA")


def _font(size: int) -> Font:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _text_height(font: Font, text: str) -> int:
    left, top, right, bottom = font.getbbox(text or "x")
    return round(bottom - top) + 4


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> str:
    """Shorten the text from the left (keeping the id at the end) until it fits."""
    if draw.textlength(text, font=font) <= width:
        return text
    while len(text) > 8 and draw.textlength("…" + text, font=font) > width:
        text = text[1:]
    return "…" + text


DEFAULT_WATERMARK = Watermark()
