"""Reading data objects for the pages: what shows inline, the bytes served, text and tables.

A data object's format and download name are the catalog's (``catalog.data_formats``).

User content is never trusted: every raw answer is made by ``payload_responses`` (a sandboxing Content
Security Policy, nosniff, only allow-listed pictures inline), and SVG and HTML are only ever shown in
sandboxed iframes (or, for SVG thumbnails, in ``<img>``, where script never runs).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from figtrail.server import blobs
from figtrail.server.catalog.data_formats import data_format, served_format
from figtrail.server.catalog.models import Data, DataType
from figtrail.server.payload_responses import PICTURE_FORMATS, SANDBOX, SANDBOX_SCRIPTS
from figtrail.server.web import figure_scripts

__all__ = ["SANDBOX", "SANDBOX_SCRIPTS"]  # re-exported for the pages' other raw answers

FORMAT_LABELS = {"html": "Interactive (HTML)", "svg": "SVG", "png": "PNG", "pdf": "PDF", "eps": "EPS"}
# Shown on a page (in <img>, or a sandboxed <iframe>): the pictures payload_responses lets through inline
INLINE_FORMATS = PICTURE_FORMATS | {"svg", "html"}
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_TABLE_BYTES = 50 * 1024 * 1024


def can_inline(data: Data) -> bool:
    return served_format(data) == "text" or data_format(data) in INLINE_FORMATS


def payload(data: Data) -> bytes:
    return blobs.read(data)


def served(data: Data, inline: bool) -> tuple[bytes, str]:
    """The body of a raw response and its ETag: the stored bytes, except that an interactive (HTML)
    figure loads its plotting library from this server when shown inline, and embeds it when downloaded,
    so that neither needs the internet. The stored bytes stay as they are (a changed body gets its own
    ETag); data files (``file`` type) are never touched."""
    raw = payload(data)
    if data.type != DataType.IMAGE or data_format(data) != "html":
        return raw, data.hash
    body = figure_scripts.for_frame(raw) if inline else figure_scripts.for_download(raw)
    return body, data.hash if body == raw else blobs.digest(body)


def read_text(data: Data) -> tuple[str, bool]:
    """The payload as text (cut at 2 MiB) and whether it was cut."""
    encoding = str((data.metadata or {}).get("encoding") or "utf-8")
    raw = payload(data)
    cut = len(raw) > MAX_TEXT_BYTES
    try:
        return raw[:MAX_TEXT_BYTES].decode(encoding, errors="replace"), cut
    except LookupError:
        return raw[:MAX_TEXT_BYTES].decode("utf-8", errors="replace"), cut


@dataclass
class TablePage:
    columns: list[str]
    rows: list[list[str]]
    total_rows: int
    page: int
    pages: int
    per_page: int

    @property
    def first_row(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total_rows else 0

    @property
    def last_row(self) -> int:
        return min(self.page * self.per_page, self.total_rows)


def read_table(data: Data, page: int = 1, per_page: int = 50) -> TablePage | None:
    """One page of a CSV data frame, or None when it is not CSV (Parquet) or too large to preview."""
    if data_format(data) != "csv" or data.size_bytes > MAX_TABLE_BYTES:
        return None
    encoding = str((data.metadata or {}).get("encoding") or "utf-8")
    try:
        text = payload(data).decode(encoding, errors="replace")
    except LookupError:
        text = payload(data).decode("utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    columns, body = (rows[0], rows[1:]) if rows else ([], [])
    pages = max(1, -(-len(body) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return TablePage(columns, body[start : start + per_page], len(body), page, pages, per_page)
