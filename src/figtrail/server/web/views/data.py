"""Raw bytes: data downloads and inline views, and thumbnails made on the server and cached.

Every response here carries a sandboxing Content-Security-Policy, so a user's SVG or HTML opened
directly (or in an iframe) can never run script in the app's origin; interactive HTML gets
``allow-scripts`` without ``allow-same-origin``, so it runs in an opaque origin of its own.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from PIL import Image

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog.models import Data, Revision
from figtrail.server.catalog.thumbnails import render_thumbnail, source_image
from figtrail.server.web import payloads, viewer
from figtrail.server.web.revision_parts import parts_of

THUMBNAIL_SIZES = {160, 320, 640, 1280}
PLACEHOLDER = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 100">'
    '<rect width="160" height="100" fill="#f1f3f6"/>'
    '<text x="80" y="55" font-family="sans-serif" font-size="11" fill="#8a93a3" text-anchor="middle">'
    "no preview</text></svg>"
)


def _stem(data: Data) -> str:
    if data.revision_id:
        return f"{data.revision.figure.name}-r{data.revision.revision_index}"
    return f"{data.asset_revision.asset.name}-r{data.asset_revision.revision_index}"


def _data(request: HttpRequest, pk) -> Data:
    queryset = Data.objects.select_related("revision__figure", "asset_revision__asset")
    return viewer.fetch(request, queryset, pk)


def _raw(data: Data, inline: bool) -> HttpResponse:
    inline = inline and payloads.can_inline(data)
    response = HttpResponse(payloads.payload(data), content_type=payloads.content_type(data))
    response["Content-Security-Policy"] = payloads.response_policy(data, inline)
    response["Content-Disposition"] = content_disposition_header(
        not inline, payloads.filename(data, _stem(data))
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = f'"{data.hash}"'
    return response


@declare(LINK)
@require_GET
def download(request: HttpRequest, pk) -> HttpResponse:
    return _raw(_data(request, pk), inline=False)


@declare(LINK)
@require_GET
def view(request: HttpRequest, pk) -> HttpResponse:
    """Inline, for ``<img>`` and sandboxed ``<iframe>``; other types download."""
    return _raw(_data(request, pk), inline=True)


@declare(LINK)
@require_GET
def thumbnail(request: HttpRequest, pk, size: str) -> HttpResponse:
    """A PNG thumbnail of the revision's image; an SVG-only revision gets its SVG (for ``<img>``)."""
    revision = viewer.fetch(request, Revision, pk)
    size = int(size) if int(size) in THUMBNAIL_SIZES else 320
    image = source_image(revision)
    body, kind, etag = PLACEHOLDER.encode(), "image/svg+xml", "placeholder"
    if image is not None:
        try:
            body, kind, etag = render_thumbnail(image.hash, size), "image/png", f"{image.hash}-{size}"
        except (OSError, Image.DecompressionBombError):
            image = None  # not an image Pillow can read
    if image is None:
        svg = next((d for d in parts_of(revision).images if payloads.data_format(d) == "svg"), None)
        if svg is not None:
            body, kind, etag = payloads.payload(svg), "image/svg+xml", svg.hash
    if request.headers.get("If-None-Match") == f'"{etag}"':
        return HttpResponse(status=304)
    response = HttpResponse(body, content_type=kind)
    response["Content-Security-Policy"] = payloads.SANDBOX
    response["Cache-Control"] = "private, max-age=86400"
    response["ETag"] = f'"{etag}"'
    return response
