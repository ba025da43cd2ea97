"""The one answer of every route that returns a user's bytes, or bytes made from them.

A payload is the attacker's twice over: its bytes, and what its uploader says it is (the declared
format, the file name). So neither decides how a browser treats the answer; this module does, for the
API's story pictures and exports, the web UI's data views and downloads, thumbnails, slide pictures,
pixel differences and organization logos alike:

- every answer carries a sandboxing Content-Security-Policy (a document opened from it runs in an opaque
  origin, with no access to the app's cookies or pages) and ``X-Content-Type-Options: nosniff``;
- shown inline are only the pictures of an allow-list (PNG, JPEG, GIF, WebP; SVG, which may carry
  script, only under that sandbox), plain text, and an interactive figure's HTML where the caller asks
  for its script to run (``scripts=True``: still sandboxed, ``allow-scripts`` without
  ``allow-same-origin``);
- anything else is an attachment, typed from a fixed table of download types or else
  ``application/octet-stream``: never a type guessed from a name.

``tests/server/security/test_payload_routes.py`` fails on any route that builds a raw response without
this function, and checks every route marked :func:`payload_route` against hostile payloads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

PICTURE_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
# The one allow-list of pictures served inline, as they are: what every browser shows in an <img>.
PICTURE_FORMATS = frozenset(PICTURE_TYPES)
# Raster images the server decodes (Pillow, within the pixel budget of ``images``) into thumbnails, slide
# pictures and pixel differences. BMP and TIFF are among them but not among the pictures: browsers do
# not show TIFF at all, so both are only ever downloaded as they are, and seen on a page as a thumbnail.
RASTER_FORMATS = PICTURE_FORMATS | {"bmp", "tiff"}
SVG_TYPE = "image/svg+xml"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
OCTET_STREAM = "application/octet-stream"
# Types a download may carry: never rendered in the app's origin (attachment, sandboxed, nosniff), and
# they let a saved file open in the right program.
DOWNLOAD_TYPES = {
    **PICTURE_TYPES,
    "svg": SVG_TYPE,
    "html": HTML_TYPE,
    "text": TEXT_TYPE,
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
    "eps": "application/postscript",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# What a response may do when opened directly: nothing (the default), or run its own script in an opaque
# origin (plotly's interactive HTML), never with access to the app's cookies or pages.
SANDBOX = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
# No script-src: an interactive figure loads its plotting library from this server (/web/scripts/, see
# web.figure_scripts; a sandboxed frame's opaque origin does not stop that), and any other script it names.
SANDBOX_SCRIPTS = "sandbox allow-scripts; frame-ancestors 'self'"


def inline_type(fmt: str, scripts: bool = False) -> str | None:
    """The content type a payload of format ``fmt`` is shown inline with, or None: it downloads."""
    if fmt in PICTURE_TYPES:
        return PICTURE_TYPES[fmt]
    if fmt == "svg":
        return SVG_TYPE
    if fmt == "text":
        return TEXT_TYPE
    if fmt == "html" and scripts:
        return HTML_TYPE
    return None


def payload_response(
    body: bytes,
    fmt: str,
    *,
    inline: bool,
    filename: str | None = None,
    scripts: bool = False,
    etag: str | None = None,
    cache: str = "private, max-age=3600",
) -> HttpResponse:
    """Answer ``body``, a payload of format ``fmt`` (``png``, ``svg``, ``text`` for plain text, ``html``,
    ``csv``…; lower case, as the caller read it), shown inline if asked and allowed, else downloaded as
    ``filename``. ``scripts`` lets an inline HTML figure run its script, sandboxed."""
    fmt = (fmt or "").lower().strip()
    kind = inline_type(fmt, scripts) if inline else None
    if kind is None:
        inline = False
        kind = DOWNLOAD_TYPES.get(fmt, OCTET_STREAM)
    response = HttpResponse(body, content_type=kind)
    response["Content-Security-Policy"] = SANDBOX_SCRIPTS if inline and fmt == "html" else SANDBOX
    return _headed(response, inline, filename or f"data.{fmt or 'bin'}", cache, etag)


def download_file_response(handle: IO[bytes], fmt: str, filename: str) -> FileResponse:
    """A download streamed from an open file (closed when sent), with the same headers as
    :func:`payload_response`: for archives written to a temporary file, never held in memory."""
    response = FileResponse(handle, content_type=DOWNLOAD_TYPES.get(fmt, OCTET_STREAM))
    response["Content-Security-Policy"] = SANDBOX
    return _headed(response, False, filename, "private", None)


def _headed(response, inline: bool, filename: str, cache: str, etag: str | None):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Cache-Control"] = cache
    if etag is not None:
        response["ETag"] = f'"{etag}"'
    return response


def payload_route(view: Callable) -> Callable:
    """Mark a view (a function, or a viewset action) that answers with :func:`payload_response`, so the
    payload route tests find it in the URL conf and attack it."""
    view.serves_payload = True
    return view
