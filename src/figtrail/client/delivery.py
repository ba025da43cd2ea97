"""Delivering one outbox job to the server: a revision, its later formats, or a data file's version.

A revision is created with one POST that carries the id the client chose (``client_id``), so
delivering it twice is harmless: the server answers 409 the second time, which we check and count as
delivered. Its slower formats (SVG, the watermarked images) follow as one PATCH of the same revision
(an "update" job) that names the data objects already stored by id instead of sending them again;
until then its metadata lists them under ``figtrail_pending``.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from figtrail.client.catalog import Catalog
from figtrail.client.errors import BadRequestError, ConflictError, NotFoundError
from figtrail.client.http import Connection
from figtrail.outbox import AssetJob, Job, JobData, Outbox, RevisionJob, is_asset_job, is_revision_job


def deliver(job: Job, connection: Connection, catalog: Catalog, outbox: Outbox) -> str:
    """Send a ready job; returns "sent" or "duplicate". Server errors propagate, typed."""
    if is_asset_job(job):
        return deliver_asset(job, connection, catalog, outbox)
    if not is_revision_job(job):  # an unreadable job has no stage: it is never sent
        raise ValueError(f"not a job this client sends: {job.get('kind')!r}")
    if job.get("stage") == "update":
        return deliver_update(job, connection, outbox)
    try:
        return deliver_revision(job, connection, catalog, outbox)
    except (NotFoundError, BadRequestError) as exc:
        if "figure" not in exc.detail.lower() and exc.status != 404:
            raise
        catalog.forget()  # the cached figure was deleted meanwhile: find or create it again, once
        return deliver_revision(job, connection, catalog, outbox)


def deliver_revision(job: RevisionJob, connection: Connection, catalog: Catalog, outbox: Outbox) -> str:
    body = revision_body(job, catalog.figure_id(job["target"]), outbox)
    outcome = "sent"
    try:
        created = connection.post("revision/", data=json.dumps(body).encode())
    except ConflictError as conflict:
        # figtrail says which conflict it is; other servers only say 409, so look the revision up
        if conflict.code == "duplicate_client_id" or (
            conflict.code is None and _exists(connection, job["id"])
        ):
            created, outcome = (
                (connection.get(f"revision/{job['id']}/") if job.get("followup") else None),
                "duplicate",
            )
        else:
            job["short_id"] = None  # the 409 was about the short id (taken): the full id still works
            body.pop("short_id", None)
            created = connection.post("revision/", data=json.dumps(body).encode())
    _remember_data_ids(job, created)
    return outcome


def deliver_update(job: RevisionJob, connection: Connection, outbox: Outbox) -> str:
    """Add the formats rendered after the revision was created; what it already has is named by id."""
    metadata, _ = revision_metadata(job, outbox)
    data = [
        _shallow(item) if item.get("api_id") else data_entry(item, outbox) for item in job.get("data", [])
    ]
    body = {"metadata": metadata, "data": data}
    connection.request(
        "PATCH", f"revision/{job['id']}/", data=json.dumps(body).encode(), params={"silent": "true"}
    )
    return "sent"


def _shallow(item: JobData) -> dict[str, Any]:
    return {
        "api_id": item["api_id"],
        "name": item["name"],
        "type": item["type"],
        "is_clean_room": bool(item.get("is_clean_room")),  # kept ids keep only what is sent again
        "metadata": item.get("metadata") or {},
    }


def _remember_data_ids(job: RevisionJob, created: Any) -> None:
    """Note the server's id of each data object sent, so the update can name them instead of resending."""
    stored = (created or {}).get("data") if isinstance(created, dict) else None
    if not stored or len(stored) < len(job.get("data", [])):
        return
    for item, row in zip(job["data"], stored, strict=False):
        if row.get("api_id") and row.get("type") == item["type"]:
            item["api_id"] = row["api_id"]


def revision_metadata(job: RevisionJob, outbox: Outbox) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The revision's metadata (with ``figtrail_notes`` and ``figtrail_pending``) and its asset links."""
    metadata = dict(job.get("metadata") or {})
    links, notes = [], list(job.get("notes") or [])
    for ref in job.get("assets", []):
        asset_revision = (
            outbox.asset_revision_for(ref["local"]) if "local" in ref else ref.get("asset_revision")
        )
        if asset_revision is None:
            notes.append(
                f"data file {ref.get('name', ref.get('local'))!r} was not recorded; its link is missing"
            )
            continue
        links.append({"use_type": "indirect", "figure_revision": job["id"], "asset_revision": asset_revision})
    if notes:
        metadata["figtrail_notes"] = notes
    if job.get("followup"):
        render = job.get("render") or {}
        metadata["figtrail_pending"] = (
            list(render.get("deferred") or [])
            + (["watermark"] if render.get("watermark") else [])
            + [item["name"] for item in job.get("later", [])]
        )
    return metadata, links


def revision_body(job: RevisionJob, figure_id: str, outbox: Outbox) -> dict[str, Any]:
    metadata, links = revision_metadata(job, outbox)
    body: dict[str, Any] = {
        "api_id": job["id"],
        "client_id": job["id"],
        "figure": figure_id,
        "metadata": metadata,
        "assets": links,
        "data": [data_entry(item, outbox) for item in job.get("data", [])],
    }
    if job.get("short_id"):
        body["short_id"] = job["short_id"]
    if job.get("is_clean_room"):
        body["is_clean_room"] = True
    return body


def data_entry(item: JobData, outbox: Outbox) -> dict[str, Any]:
    return {
        "name": item["name"],
        "type": item["type"],
        "is_clean_room": bool(item.get("is_clean_room")),
        "metadata": item.get("metadata") or {},
        "data": base64.b64encode(outbox.blob(item["blob"])).decode(),
    }


def _exists(connection: Connection, revision_id: str) -> bool:
    try:
        connection.get(f"revision/{revision_id}/")
    except NotFoundError:
        return False
    return True


def deliver_asset(job: AssetJob, connection: Connection, catalog: Catalog, outbox: Outbox) -> str:
    """Record a data file's version, reusing the server's revision when the content is already known."""
    workspace = catalog.workspace_id(job["target"].get("workspace"))
    existing = _known_version(job["digest"], workspace, connection)
    if existing:
        outbox.remember_asset(job["id"], existing)
        return "duplicate"
    asset = (
        _find_asset(job["name"], workspace, connection)
        or connection.post("asset/", {"name": job["name"], "workspace": workspace})["api_id"]
    )
    item: JobData = {
        "name": job["name"],
        "type": "file",
        "metadata": {"path": job["path"]},
        "blob": job["blob"],
    }
    body = {"asset": asset, "metadata": {"path": job["path"]}, "data": [data_entry(item, outbox)]}
    created = connection.post("asset_revision/", data=json.dumps(body).encode())
    outbox.remember_asset(job["id"], created["api_id"])
    return "sent"


def _known_version(digest: str, workspace: str, connection: Connection) -> str | None:
    hits = connection.post("asset_revision/find_by_hash/", {"digest": digest, "hash_type": "blake3"})
    for hit in hits or []:
        asset = connection.get(f"asset/{hit['asset']}/")
        if asset.get("workspace") == workspace:
            found: str = hit["api_id"]
            return found
    return None


def _find_asset(name: str, workspace: str, connection: Connection) -> str | None:
    for asset in connection.post("asset/find_by_name/", {"name": os.path.basename(name)}) or []:
        if asset.get("workspace") == workspace:
            found: str = asset["api_id"]
            return found
    return None
