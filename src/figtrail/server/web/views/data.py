"""Raw bytes: data downloads and inline views, thumbnails made on the server and cached, and the plotting
libraries' scripts that interactive figures load.

Every response of user content here is made by ``payload_responses.payload_response``: a sandboxing
Content-Security-Policy, so a user's SVG or HTML opened directly (or in an iframe) can never run script
in the app's origin (interactive HTML gets ``allow-scripts`` without ``allow-same-origin``, so it runs in
an opaque origin of its own), nosniff, and only allow-listed pictures inline. The scripts
are third-party code from installed packages, served as ``text/javascript`` (never a document).
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_safe
from PIL import Image

from figtrail.server.access.declarations import LINK, PUBLIC, declare
from figtrail.server.catalog import data_formats, environment
from figtrail.server.catalog.models import Data, DataType, Revision
from figtrail.server.catalog.thumbnails import render_thumbnail, source_image
from figtrail.server.payload_responses import payload_response, payload_route
from figtrail.server.web import figure_scripts, payloads, viewer
from figtrail.server.web.revision_parts import parts_of

THUMBNAIL_SIZES = {160, 320, 640, 1280}
SCRIPT_MAX_AGE = 365 * 24 * 3600
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
    data = viewer.fetch(request, queryset, pk)
    if environment.is_environment(data) and viewer.hides_environment(request, data):
        raise viewer.missing(Data, pk)  # the environment, for a viewer who may not see it
    return data


def _raw(data: Data, inline: bool) -> HttpResponse:
    inline = inline and payloads.can_inline(data)
    body, etag = payloads.served(data, inline)
    return payload_response(
        body,
        data_formats.served_format(data),
        inline=inline,
        filename=data_formats.filename(data, _stem(data)),
        scripts=inline and data.type == DataType.IMAGE,
        etag=etag,
    )


@declare(LINK)
@payload_route
@require_GET
def download(request: HttpRequest, pk) -> HttpResponse:
    return _raw(_data(request, pk), inline=False)


@declare(LINK)
@payload_route
@require_GET
def view(request: HttpRequest, pk) -> HttpResponse:
    """Inline, for ``<img>`` and sandboxed ``<iframe>``; other types download."""
    return _raw(_data(request, pk), inline=True)


@declare(PUBLIC)
@require_safe
def figure_script(request: HttpRequest, name: str) -> HttpResponse:
    """A plotting library's script for interactive figures (``figure_scripts``): public code from an
    installed package, under a versioned name, so browsers may keep it for a year without asking again."""
    script = figure_scripts.by_name(name)
    if script is None:
        raise Http404(f"No figure script named {name}.")
    try:
        path = script.path()
    except figure_scripts.ScriptUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = FileResponse(path.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}, immutable"
    return response


@declare(LINK)
@payload_route
@require_GET
def thumbnail(request: HttpRequest, pk, size: str) -> HttpResponse:
    """A PNG thumbnail of the revision's image; an SVG-only revision gets its SVG (for ``<img>``)."""
    revision = viewer.fetch(request, Revision, pk)
    size = int(size) if int(size) in THUMBNAIL_SIZES else 320
    image = source_image(revision)
    body, fmt, etag = PLACEHOLDER.encode(), "svg", "placeholder"
    if image is not None:
        try:
            body, fmt, etag = render_thumbnail(image, size), "png", f"{image.hash}-{size}"
        except (OSError, Image.DecompressionBombError):
            image = None  # not an image Pillow can read
    if image is None:
        svg = next((d for d in parts_of(revision).images if data_formats.data_format(d) == "svg"), None)
        if svg is not None:
            body, fmt, etag = payloads.payload(svg), "svg", svg.hash
    if request.headers.get("If-None-Match") == f'"{etag}"':
        return HttpResponse(status=304)
    return payload_response(
        body, fmt, inline=True, filename=f"thumbnail-{size}.{fmt}", etag=etag, cache="private, max-age=86400"
    )
