"""What a data object is, read from what its uploader said: its format, the format it is served as, its
file extension and its download name.

These belong to the catalog, below every face that serves or exports payloads (the web pages, story
exports, slide pictures). None of them decides how a browser treats the bytes: ``payload_responses``
does, from the format read here.
"""

from __future__ import annotations

import re

from figtrail.server.catalog.models import Data, DataType


def data_format(data: Data) -> str:
    """The payload's format: ``metadata.format`` if given, else what its type or file name implies."""
    declared = str((data.metadata or {}).get("format") or "").lower().strip()
    if declared and declared != "text":
        return declared
    if data.type == DataType.DATAFRAME:
        return "csv"
    if data.type in (DataType.CODE, DataType.TEXT):
        return "text"
    suffix = (data.name or "").rsplit(".", 1)
    return suffix[1].lower() if len(suffix) == 2 else ""


def served_format(data: Data) -> str:
    """The format ``payload_responses`` serves a payload as: code and recorded text are always plain text
    (whatever format they declare), anything else what it says it is."""
    if data.type in (DataType.CODE, DataType.TEXT):
        return "text"
    return data_format(data)


def extension(data: Data) -> str:
    fmt = data_format(data)
    if data.type == DataType.CODE:
        language = str((data.metadata or {}).get("language") or "").lower()
        return {"python": "py", "r": "R"}.get(language, "txt")
    if fmt == "text":
        return "txt"
    return re.sub(r"[^a-z0-9]", "", fmt)[:8] or "bin"


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "data"


def filename(data: Data, stem: str) -> str:
    """A download name: the file's own name for files, else ``<stem>-<data name>.<ext>``."""
    if data.type == DataType.FILE and data.name:
        return safe_name(data.name)
    name = f"{stem}-{data.name}" if data.name else stem
    return f"{safe_name(name)}.{extension(data)}"
