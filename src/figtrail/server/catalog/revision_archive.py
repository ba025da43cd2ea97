"""A revision as one zip: every data object under its download name, and ``revision.json`` with what
the API says about it (ids, figure, number, dates, metadata, each data object's name, type, format,
hash and file in the zip). The web page's "Download everything" serves it.

Names come from ``data_formats.filename``; two objects that would share a name get ``-2``, ``-3``... The
bytes are read from wherever each object is stored (``blobs.read``), and the archive is written to a
temporary file, not held in memory, so a large revision costs disk, not RAM.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import IO

from figtrail.server import blobs
from figtrail.server.catalog import environment
from figtrail.server.catalog.data_formats import data_format, filename, safe_name
from figtrail.server.catalog.models import Revision, api_index

FORMAT_VERSION = 1


def archive_name(revision: Revision) -> str:
    return f"{safe_name(revision.figure.name)}-revision-{revision.revision_index}.zip"


def write_archive(revision: Revision, link: str, *, hide_environment: bool = False) -> IO[bytes]:
    """The zip, in a temporary file positioned at its start (closed by whoever streams it);
    ``hide_environment``: without the environment's data objects, metadata keys and file paths
    (``catalog/environment.py``; ``policy.environment_hidden`` says for whom)."""
    rows = list(revision.data.order_by("position"))
    metadata = revision.metadata
    if hide_environment:
        rows, metadata = environment.shown_data(rows), environment.without_environment(metadata)
    folder = archive_name(revision)[: -len(".zip")]
    stem = safe_name(revision.figure.name)
    used: set[str] = set()
    listed = []
    out = tempfile.TemporaryFile()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for data in rows:
            name = _unique(filename(data, stem), used)
            with archive.open(f"{folder}/{name}", "w") as entry:
                entry.write(blobs.read(data))
            listed.append(
                {
                    "file": name,
                    "api_id": str(data.pk),
                    "name": data.name,
                    "type": data.type,
                    "format": data_format(data),
                    "hash": data.hash,
                    "size_bytes": data.size_bytes,
                    "metadata": data.metadata,
                }
            )
        about = {
            "format_version": FORMAT_VERSION,
            "api_id": str(revision.pk),
            "short_id": revision.short_id,
            "link": link,
            "figure": {"api_id": str(revision.figure_id), "name": revision.figure.name},
            "revision_index": api_index(revision.revision_index),  # as GET revision/<id>/ says
            "created_on": revision.created_on.isoformat() if revision.created_on else None,
            "created_by": revision.created_by.username if revision.created_by else None,
            "is_clean_room": revision.is_clean_room,
            "metadata": metadata,
            "data": listed,
        }
        archive.writestr(
            f"{folder}/revision.json", json.dumps(about, indent=2, ensure_ascii=False, default=str)
        )
    out.seek(0)
    return out


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used or candidate == "revision.json":
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem}-{number}.{ext}" if dot else f"{name}-{number}"
        number += 1
    used.add(candidate)
    return candidate
