"""What of a revision is the environment it was made in, and the revision without it.

A share link may hide the environment from whoever reads only through it (``LinkShare.hide_environment``;
``access.policy.environment_hidden`` decides who that is). This module says, in one place, what the
environment is, and every reader that serves a revision to such a reader (the API's revision, figure,
data and asset revision payloads, the web pages, the "Download everything" and Reproduce zips) takes it
out here:

* metadata keys (``METADATA_KEYS``) the clients' annotators write: the interpreter and its version, the
  host and platform, the notebook's and the script's paths and arguments, the working folder, git, the
  package versions (figtrail's client, the official ``gofigr`` Python client and the ``gofigR`` R client);
* data objects that are the environment (``DATA_NAMES``, text by name: ``pip freeze``, ``System Info``,
  R's ``sessionInfo`` and ``Installed packages``...), and a clean-room manifest, left out altogether (404
  at their own addresses);
* a data object's or an asset revision's ``path`` (where the file was on the publisher's disk);
* in the clean-room panel and the Reproduce zip, the manifest's ``language_version`` and its packages'
  versions (the names stay: the function imports them, and its source says so).

What stays: the user's own parameters, the figure's facts, the client's notes, the code, the images,
the tables and the files themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from figtrail.server.catalog.models import Data, DataType, Revision

METADATA_KEYS = frozenset(
    {
        # Python: figtrail's client and the official gofigr one (annotators)
        "python_version",
        "kernel",
        "notebook_kernel",
        "notebook_path",
        "url",  # gofigr: the Jupyter server's address (behind a proxy)
        "packages",
        "host",
        "hostname",
        "os",
        "platform",
        "argv",
        "script",
        "cwd",
        "git",
        # R: gofigR's build_metadata
        "input",
        "getwd",
        "R version",
        "R details",
        "Sys.info()",
        "rsvg",
    }
)
# Text data objects that are the environment, by name (lower case): package lists and system facts
DATA_NAMES = frozenset(
    {
        "pip freeze",
        "system info",
        "sessioninfo",
        "installed packages",
        "packages",
        "requirements",
        "conda list",
    }
)
DATA_METADATA_KEYS = frozenset({"path"})  # a data object's (or an asset revision's) place on disk
MANIFEST_KEYS = frozenset({"language_version"})  # a clean-room manifest's; its packages lose versions


def without_environment(metadata: Any) -> Any:
    """A revision's metadata without the environment's keys (anything but an object: as it is)."""
    if not isinstance(metadata, dict):
        return metadata
    return {key: value for key, value in metadata.items() if key not in METADATA_KEYS}


def without_paths(metadata: Any) -> Any:
    """A data object's or an asset revision's metadata without where the file was."""
    if not isinstance(metadata, dict):
        return metadata
    return {key: value for key, value in metadata.items() if key not in DATA_METADATA_KEYS}


def is_environment_data(
    kind: str | None, name: str | None, metadata: Any = None, clean_room: bool = False
) -> bool:
    """Whether a data object (its type, name, metadata and clean-room flag) is the environment, or holds
    it, rather than the figure's own: the package lists and system facts, and a clean-room manifest
    (its language version and packages' versions; the page's clean-room panel and the Reproduce zip
    give it without them, ``manifest_without_environment``)."""
    if kind != DataType.TEXT:
        return False
    role = str((metadata or {}).get("role") or "").lower() if isinstance(metadata, dict) else ""
    return (name or "").strip().lower() in DATA_NAMES or (bool(clean_room) and role == "manifest")


def is_environment(data: Data) -> bool:
    return is_environment_data(data.type, data.name, data.metadata, data.is_clean_room)


def shown_data(rows: Iterable[Data]) -> list[Data]:
    """The data objects a reader without the environment gets: the environment's left out, the others'
    paths removed (on the instances in hand, which are never saved)."""
    kept = []
    for row in rows:
        if is_environment(row):
            continue
        row.metadata = without_paths(row.metadata)
        kept.append(row)
    return kept


def hide_in(parent) -> None:
    """Take the environment out of a revision or an asset revision in hand, for a page or a zip: its
    metadata, and its ``data.all()`` (filled as ``prefetch_related`` would). The instance must not be
    saved afterwards; only read-only views call this."""
    strip = without_environment if isinstance(parent, Revision) else without_paths
    parent.metadata = strip(parent.metadata)
    rows = shown_data(sorted(parent.data.all(), key=lambda row: row.position))
    queryset = parent.data.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    parent.__dict__.setdefault("_prefetched_objects_cache", {})["data"] = queryset


def payload_without_environment(payload: dict) -> dict:
    """A revision's (or asset revision's) API payload without the environment: ``metadata``, and
    ``data`` (each object's path; the environment's objects left out)."""
    payload = dict(payload)
    if "metadata" in payload:
        revision = "figure" in payload
        payload["metadata"] = (without_environment if revision else without_paths)(payload["metadata"])
    if isinstance(payload.get("data"), list):
        payload["data"] = [
            {**item, "metadata": without_paths(item.get("metadata"))}
            for item in payload["data"]
            if not is_environment_data(
                item.get("type"), item.get("name"), item.get("metadata"), item.get("is_clean_room")
            )
        ]
    return payload


def manifest_without_environment(manifest: dict) -> dict:
    """A clean-room manifest without the language's version and its packages' versions."""
    kept = {key: value for key, value in manifest.items() if key not in MANIFEST_KEYS}
    if isinstance(kept.get("packages"), dict):
        kept["packages"] = dict.fromkeys(kept["packages"])
    return kept
