"""Turning a live figure into revision data, in three steps, none of which waits for another figure.

``capture`` runs in the cell: it freezes the figure and writes what it already has (the displayed PNG,
the data frames, the frozen copy, the provenance of the moment) to the outbox as a job in the
"capture" stage. Then, on the background sender:

1. ``finish_primary`` makes the primary image (the displayed PNG, else the PNG, or the interactive HTML,
   rendered first: ``start_primary`` begins that render in ``publish()`` itself, beside the cell)
   and runs the annotators: the job is "ready" and the sender creates the revision with it at once.
2. ``finish_rest``, once the revision exists, renders the other formats and stamps the watermark: the
   job is an "update" the sender adds to the revision.

Every render, stamp and annotator has a time limit (``figtrail.capture.steps``). What fails or runs
out of time is left out, and the revision's notes name what is missing and why. If the publishing
process dies in between, ``figtrail outbox flush`` finishes the job from the frozen copy on disk.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from figtrail.capture.annotators import Annotator, DataItem, instantiate, run_annotators
from figtrail.capture.backends import Backend, Snapshot, get_backend
from figtrail.capture.cleanroom import CleanRoom
from figtrail.capture.context import CaptureContext
from figtrail.capture.steps import Steps
from figtrail.capture.watermark import DEFAULT_WATERMARK, Watermark
from figtrail.outbox import JobData, Outbox, RenderPlan, RevisionJob, job_blobs

STAMPED_FORMATS = ("png", "html")


@dataclass
class CaptureSettings:
    """How a publisher captures: formats, watermark, annotators; set once per publisher."""

    image_formats: tuple[str, ...] = ("png", "svg")
    watermark: Watermark = DEFAULT_WATERMARK
    save_pickle: bool = True
    annotators: list[Annotator] = field(default_factory=lambda: instantiate(None))


@dataclass
class PendingCapture:
    """What ``finish`` needs that only the publishing process has: the frozen copy and the annotators."""

    snapshot: Snapshot
    context: CaptureContext
    settings: CaptureSettings


def capture(
    figure: Any,
    backend: Backend,
    settings: CaptureSettings,
    outbox: Outbox,
    displayed: dict[str, bytes] | None = None,
    dataframes: dict[str, Any] | None = None,
    files: Any = None,
    clean_room: CleanRoom | None = None,
) -> tuple[RevisionJob, Snapshot]:
    """Freeze ``figure`` and store what is ready; returns the job's captured fields and the snapshot.
    A figure from a ``@reproducible`` run (``clean_room``) also carries that run's record."""
    snapshot = backend.snapshot(figure, list(settings.image_formats), displayed or {})
    items = [image_item(fmt, content, outbox) for fmt, content in snapshot.rendered.items()]
    frames = {**snapshot.dataframes, **(dataframes or {})}
    items += [store(item, outbox) for item in table_items(frames)]
    items += [store(item, outbox) for item in file_items(files)]
    if clean_room is not None:
        items += [{**store(item, outbox), "is_clean_room": True} for item in clean_room.items()]
    fields: RevisionJob = {
        "stage": "capture",
        "data": items,
        "notes": list(snapshot.notes),
        "facts": dict(snapshot.facts),
        "render": {
            "backend": backend.name,
            "deferred": snapshot.deferred,
            "snapshot": outbox.put_blob(snapshot.serialized) if snapshot.serialized else None,
            "watermark": settings.watermark.enabled,
            "qr_code": settings.watermark.qr_code,
            "save_pickle": settings.save_pickle,
        },
    }
    if clean_room is not None:
        fields["is_clean_room"] = True
    return fields, snapshot


class Finisher:
    """Finishes this process's captured jobs: ``primary`` (step 1) and ``rest`` (step 2). Step 1 has
    its own ``Steps``, and step 2 one per plotting library (``steps_for``), so the primary image of a
    new figure never waits behind the formats of an older one, and a matplotlib figure never waits
    for plotly's Chrome. ``pending`` holds what only the publishing process has (the annotators,
    in-memory copies); jobs without it (another process's, after a crash) are finished from the outbox
    alone. ``notify`` hears once about each renderer that is missing or ran out of time."""

    def __init__(
        self,
        outbox: Outbox,
        pending: dict[str, PendingCapture] | None = None,
        primary_steps: Steps | None = None,
        steps_for: Callable[[str], Steps] | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.pending = pending if pending is not None else {}
        self.primary_steps = primary_steps or Steps()
        self._make_steps = steps_for or (lambda backend: self.primary_steps)
        self.rest_steps: dict[str, Steps] = {}
        self.notify = notify or (lambda message: None)
        self._told: set[str] = set()

    def steps_for(self, backend: str) -> Steps:
        """The steps of step 2 for one plotting library, made on first use."""
        if backend not in self.rest_steps:
            self.rest_steps[backend] = self._make_steps(backend)
        return self.rest_steps[backend]

    def primary(self, job: RevisionJob) -> RevisionJob:
        """Step 1: the primary image and the annotations; the job becomes "ready" to create."""
        before = job_blobs(job)
        pending = self.pending.get(job["id"])
        notes = job.setdefault("notes", [])
        render = job.get("render") or {}
        annotating = _Annotating(job, self.outbox, pending)  # on its own thread, while the image renders
        if render.get("backend"):
            backend = get_backend(render["backend"])
            deferred = list(render.get("deferred") or [])
            primary = _primary_format(job, backend)
            if primary is not None:
                self._render(job, backend, render, [primary], pending, self.primary_steps, notes)
                render["deferred"] = [fmt for fmt in deferred if fmt != primary]
            _attach_pickle(job, render)
        annotating.merge_into(job, notes)
        job["followup"] = (
            bool(render.get("deferred"))
            or bool(job.get("later"))
            or (bool(render.get("watermark")) and bool(_stampable(job)))
        )
        if not job["followup"]:
            job.pop("render", None)
            self.pending.pop(job["id"], None)
        job["stage"] = "ready"
        job.pop("context", None)
        job.pop("facts", None)
        self._save(job, before)
        return job

    def start_primary(self, job: RevisionJob) -> None:
        """Begin rendering the primary image of a job being captured, from its frozen copy, at once:
        ``primary`` takes up that render (done, or under way) instead of starting it when the sender
        gets to the job. Nothing to begin for a figure that has its image already, or no frozen copy."""
        render = job.get("render") or {}
        if not render.get("backend") or not render.get("snapshot"):
            return
        primary = _primary_format(job, get_backend(render["backend"]))
        if primary is not None:
            self.primary_steps.start(_render_request(render, primary), self.outbox)

    def rest(self, job: RevisionJob) -> RevisionJob:
        """Step 2, once the revision exists: the other formats and the watermark; an "update"."""
        before = job_blobs(job)
        pending = self.pending.pop(job["id"], None)
        notes = job.setdefault("notes", [])
        render = job.get("render") or {}
        if render.get("backend") and render.get("deferred"):
            backend = get_backend(render["backend"])
            steps = self.steps_for(backend.name)
            self._render(job, backend, render, render["deferred"], pending, steps, notes)
        if render.get("watermark") and _stampable(job):
            self._stamp(job, render, self.steps_for(render.get("backend") or "images"), notes)
        job["data"].extend(job.pop("later", []))
        job.pop("render", None)
        job["followup"] = False
        job["stage"] = "update"
        self._save(job, before)
        return job

    def _render(
        self,
        job: RevisionJob,
        backend: Backend,
        render: RenderPlan,
        formats: list[str],
        pending: PendingCapture | None,
        steps: Steps,
        notes: list[str],
    ) -> None:
        copy = pending.snapshot.copy if pending is not None else None
        for fmt in formats:
            reply = steps.run(_render_request(render, fmt), self.outbox, copy)
            if "blob" in reply:
                job["data"].append(_image(fmt, reply["blob"]))
                continue
            if reply["error"] not in notes:
                notes.append(reply["error"])
            if reply.get("missing") or reply.get("timeout"):
                self._tell_once(reply["error"])

    def _stamp(self, job: RevisionJob, render: RenderPlan, steps: Steps, notes: list[str]) -> None:
        for item in _stampable(job):
            fmt = item["metadata"]["format"]
            request = {
                "op": "stamp",
                "format": fmt,
                "blob": item["blob"],
                "link": job["link"],
                "qr_code": render.get("qr_code", True),
            }
            reply = steps.run(request, self.outbox)
            if "blob" in reply:
                job["data"].append(_image(fmt, reply["blob"], watermarked=True))
            else:
                notes.append(reply["error"])

    def _tell_once(self, message: str) -> None:
        if message not in self._told:
            self._told.add(message)
            self.notify(message)

    def _save(self, job: RevisionJob, before: set[str]) -> None:
        if "seq" in job:  # already queued: replace it, atomically, by its finished form
            self.outbox.write(job, durable=False)  # lost in a power cut, this step is done again
            self.outbox.collect_blobs(before - job_blobs(job))


def _primary_format(job: RevisionJob, backend: Backend) -> str | None:
    """The format step 1 renders: none when the job already has a PNG or HTML (the displayed one)."""
    have = {item["metadata"].get("format") for item in job["data"] if item["type"] == "image"}
    deferred = list((job.get("render") or {}).get("deferred") or [])
    return backend.primary_format(deferred) if not have & {"png", "html"} else None


def _render_request(render: RenderPlan, fmt: str) -> dict[str, Any]:
    return {"op": "render", "backend": render["backend"], "snapshot": render.get("snapshot"), "format": fmt}


def _stampable(job: RevisionJob) -> list[JobData]:
    """The unwatermarked PNG and HTML images that have no watermarked twin yet."""
    images = [item for item in job.get("data", []) if item["type"] == "image"]
    stamped = {item["metadata"].get("format") for item in images if item["metadata"].get("is_watermarked")}
    return [
        item
        for item in images
        if item["metadata"].get("format") in STAMPED_FORMATS
        and not item["metadata"].get("is_watermarked")
        and item["metadata"].get("format") not in stamped
    ]


def _image(fmt: str, digest: str, watermarked: bool = False) -> JobData:
    return {
        "name": "figure",
        "type": "image",
        "metadata": {"format": fmt, "is_watermarked": watermarked},
        "blob": digest,
    }


def _attach_pickle(job: RevisionJob, render: RenderPlan) -> None:
    """Keep the frozen matplotlib figure, so it can be reopened and restyled later."""
    snapshot = render.get("snapshot")
    if not (render.get("save_pickle") and snapshot and render.get("backend") == "matplotlib"):
        return
    if any(item["metadata"].get("format") == "pickle" for item in job["data"] + job.get("later", [])):
        return
    name = f"{job.get('figure_name') or 'figure'}.pickle"
    meta = {"path": None, "format": "pickle", "backend": "matplotlib"}
    job.setdefault("later", []).append({"name": name, "type": "file", "metadata": meta, "blob": snapshot})


class _Annotating:
    """The annotators of one job, run on a thread of their own (each within its time limit) while the
    primary image renders; ``merge_into`` waits for them and adds what they found to the job."""

    def __init__(self, job: RevisionJob, outbox: Outbox, pending: PendingCapture | None) -> None:
        self.outbox, self.pending = outbox, pending
        self.context = (
            pending.context if pending else CaptureContext.from_json(job.get("context") or {}, outbox)
        )
        self.found: tuple[Any, list[str]] | None = None
        self._thread = threading.Thread(target=self._run, name="figtrail-annotate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self.pending:
            annotators = self.pending.settings.annotators
        else:
            annotators = [item for item in instantiate(None) if not item.live]
        self.found = run_annotators(annotators, self.context)

    def merge_into(self, job: RevisionJob, notes: list[str]) -> None:
        self._thread.join()  # each annotator has its own time limit, so this join is bounded too
        annotation, failures = self.found or (None, ["the annotators could not run"])
        if not self.pending:
            notes.append("finished by another process: the versions of installed packages were not recorded")
        notes.extend(failures)
        annotated = annotation.metadata if annotation is not None else {}
        job["metadata"] = revision_metadata(annotated, job.get("facts"), job.get("metadata"))
        if annotation is None:
            return
        job["data"].extend(store(item, self.outbox) for item in annotation.data if item.with_primary)
        job.setdefault("later", []).extend(
            store(item, self.outbox) for item in annotation.data if not item.with_primary
        )


def revision_metadata(
    annotated: dict[str, Any], facts: dict[str, Any] | None, given: dict[str, Any] | None
) -> dict[str, Any]:
    """The revision's metadata: the annotators', then what the figure shows (``title``,
    ``axis_labels``, ``series``, ``axes``), then the metadata passed to ``publish``, which wins: a user
    who sets a ``title`` means it."""
    return {**annotated, **(facts or {}), **(given or {})}


def image_item(fmt: str, content: bytes, outbox: Outbox, watermarked: bool = False) -> JobData:
    return _image(fmt, outbox.put_blob(content), watermarked)


def store(item: DataItem, outbox: Outbox) -> JobData:
    return {
        "name": item.name,
        "type": item.type,
        "metadata": item.metadata,
        "blob": outbox.put_blob(item.content),
    }


def table_items(frames: dict[str, Any]) -> list[DataItem]:
    items = []
    for name, frame in frames.items():
        csv = frame.to_csv(index=False)
        items.append(DataItem(name, "dataframe", csv.encode(), {"format": "csv", "encoding": "utf-8"}))
    return items


def file_items(files: Any) -> list[DataItem]:
    """``files`` as a list of paths or a ``{name: path}`` mapping; each stored whole."""
    if not files:
        return []
    pairs = files.items() if isinstance(files, dict) else ((os.path.basename(str(p)), p) for p in files)
    items = []
    for name, path in pairs:
        with open(path, "rb") as handle:
            items.append(DataItem(name, "file", handle.read(), {"path": os.fspath(path)}))
    return items
