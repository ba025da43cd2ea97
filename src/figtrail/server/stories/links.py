"""Where a slide's figure lives: the revision's public link (the one the watermark stamps) and its QR
code as a PNG, for exports that leave the server."""

from __future__ import annotations

import io

import segno
from django.http import HttpRequest

from figtrail.server.catalog.models import Revision
from figtrail.server.page_urls import absolute, revision_link


def public_link(request: HttpRequest, revision: Revision) -> str:
    """``<base>/r/<short id or id>``, on FIGTRAIL_PUBLIC_URL when set (``page_urls.absolute``: never on
    a host the request names, unless FIGTRAIL_ALLOWED_HOSTS pins them)."""
    return absolute(request, revision_link(revision))


def qr_png(link: str) -> bytes:
    """The link as a QR code PNG (the web page draws the same code as SVG, see ``web.qr``; Office
    files need a raster)."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    return out.getvalue()
