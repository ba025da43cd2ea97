"""Turning a live figure into revision data, in two steps.

``capture`` runs in the cell: it freezes the figure and writes what it already has (the displayed PNG,
the data frames, the frozen copy) to the outbox as a job in the "capture" stage. ``finish`` runs on the
background sender: it renders the remaining formats, stamps the watermark, runs the annotators and
marks the job "ready" to send. If the publishing process dies in between, ``figtrail outbox flush``
finishes the job from the frozen copy on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from figtrail.capture.annotators import Annotator, DataItem, instantiate, run_annotators
from figtrail.capture.backends import Backend, RenderError, Snapshot, get_backend
from figtrail.capture.context import CaptureContext
from figtrail.capture.watermark import DEFAULT_WATERMARK, Watermark
from figtrail.client.outbox import Job, Outbox, job_blobs


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
) -> tuple[dict[str, Any], Snapshot]:
    """Freeze ``figure`` and store what is ready; returns the job fields and the snapshot."""
    snapshot = backend.snapshot(figure, list(settings.image_formats), displayed or {})
    items = [image_item(fmt, content, outbox) for fmt, content in snapshot.rendered.items()]
    frames = {**snapshot.dataframes, **(dataframes or {})}
    items += [store(item, outbox) for item in table_items(frames)]
    items += [store(item, outbox) for item in file_items(files)]
    fields = {
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
    return fields, snapshot


def finish(job: Job, outbox: Outbox, pending: PendingCapture | None, renderer: Any = None) -> Job:
    """Render, watermark and annotate a captured job, then mark it ready (rewritten atomically).

    ``renderer`` (a ``RenderProcess``) does the rendering in a helper process, so that the notebook's
    own process keeps its CPU and its GIL for the user's next cells; without one, or if it fails, the
    rendering happens here.
    """
    before = job_blobs(job)
    notes = job.setdefault("notes", [])
    in_memory_only = pending is not None and pending.snapshot.copy is not None
    if renderer is None or in_memory_only or not renderer.render(job, outbox):
        render_job(job, outbox, pending)
    _annotate(job, outbox, pending, notes)
    job["stage"] = "ready"
    job.pop("render", None)
    job.pop("context", None)
    job.pop("facts", None)
    if "seq" in job:  # already queued: replace it, atomically, by its finished form
        outbox.write(job)
        outbox.collect_blobs(before - job_blobs(job))
    return job


def render_job(job: Job, outbox: Outbox, pending: PendingCapture | None = None) -> None:
    """The CPU-heavy part of finishing: the deferred formats, the watermark, the pickle."""
    render = job.get("render") or {}
    if not render.get("backend"):
        return
    backend = get_backend(render["backend"])
    notes = job.setdefault("notes", [])
    _render_deferred(job, backend, render, outbox, pending, notes)
    _stamp(job, render, outbox, notes)
    _attach_pickle(job, render, outbox)


def _render_deferred(
    job: Job, backend: Backend, render: dict, outbox: Outbox, pending, notes: list[str]
) -> None:
    if not render.get("deferred"):
        return
    frozen = pending.snapshot.copy if pending and pending.snapshot.copy is not None else None
    try:
        if frozen is None:
            frozen = backend.load(outbox.blob(render["snapshot"])) if render.get("snapshot") else None
        if frozen is None:
            raise RenderError(f"{backend.name}: no frozen copy of the figure to render from")
    except Exception as exc:
        notes.append(f"could not render {', '.join(render['deferred'])}: {exc}")
        return
    for fmt in render["deferred"]:
        try:
            job["data"].append(image_item(fmt, backend.render(frozen, fmt), outbox))
        except RenderError as exc:
            if str(exc) not in notes:
                notes.append(str(exc))
        except Exception as exc:
            notes.append(f"{backend.name} could not render {fmt}: {type(exc).__name__}: {exc}")


def _stamp(job: Job, render: dict, outbox: Outbox, notes: list[str]) -> None:
    if not render.get("watermark"):
        return
    mark = Watermark(qr_code=render.get("qr_code", True))
    for item in list(job["data"]):
        fmt = item["metadata"].get("format")
        if item["type"] != "image" or item["metadata"].get("is_watermarked") or fmt not in ("png", "html"):
            continue
        try:
            content = outbox.blob(item["blob"])
            stamped = (
                mark.stamp_png(content, job["link"])
                if fmt == "png"
                else mark.stamp_html(content, job["link"])
            )
        except Exception as exc:
            notes.append(f"watermark failed on {fmt}: {type(exc).__name__}: {exc}")
            continue
        job["data"].append(image_item(fmt, stamped, outbox, watermarked=True))


def _attach_pickle(job: Job, render: dict, outbox: Outbox) -> None:
    """Keep the frozen matplotlib figure, so it can be reopened and restyled later."""
    if render.get("save_pickle") and render.get("snapshot") and render.get("backend") == "matplotlib":
        name = f"{job.get('figure_name') or 'figure'}.pickle"
        meta = {"path": None, "format": "pickle", "backend": "matplotlib"}
        job["data"].append({"name": name, "type": "file", "metadata": meta, "blob": render["snapshot"]})


def _annotate(job: Job, outbox: Outbox, pending: PendingCapture | None, notes: list[str]) -> None:
    context = pending.context if pending else CaptureContext.from_json(job.get("context") or {})
    if pending:
        annotators = pending.settings.annotators
    else:
        annotators = [item for item in instantiate(None) if not item.live]
        notes.append("finished by another process: git and package versions were not recorded")
    annotation, failures = run_annotators(annotators, context)
    notes.extend(failures)
    job["metadata"] = revision_metadata(annotation.metadata, job.get("facts"), job.get("metadata"))
    job["data"].extend(store(item, outbox) for item in annotation.data)


def revision_metadata(annotated: dict, facts: dict | None, given: dict | None) -> dict[str, Any]:
    """The revision's metadata: the annotators', then what the figure shows (``title``,
    ``axis_labels``, ``series``, ``axes``), then the metadata passed to ``publish``, which wins: a user
    who sets a ``title`` means it."""
    return {**annotated, **(facts or {}), **(given or {})}


def image_item(fmt: str, content: bytes, outbox: Outbox, watermarked: bool = False) -> dict[str, Any]:
    return {
        "name": "figure",
        "type": "image",
        "metadata": {"format": fmt, "is_watermarked": watermarked},
        "blob": outbox.put_blob(content),
    }


def store(item: DataItem, outbox: Outbox) -> dict[str, Any]:
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
