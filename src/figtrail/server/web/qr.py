"""The QR code of a revision's link, as inline SVG: segno, the one QR library (the watermark and the
story slides use it too)."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str) -> SafeString:
    """An SVG sized by CSS (``.qr``), its accessible name in its title; segno escapes the title."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        border=2, dark="#111", light=None, svgclass="qr", omitsize=True, title=f"QR code for {url}"
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1))
