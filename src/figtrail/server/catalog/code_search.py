"""The text index behind searching revisions by their code.

A revision's code (the cell, the whole script, the notebook history: data objects of type ``code``) lives
in blobs, which a database query cannot read. ``CodeText`` keeps the text of each distinct code blob, by
its hash: identical code stored by a thousand revisions is read and kept once. Only the first
``INDEXED_BYTES`` (200 KB) of a blob are indexed (``truncated`` says a blob was cut); a match further in
is not found.

New code is indexed at publish time, from the bytes the request carries (``data.build_data`` keeps the
text on the unsaved row, ``data.attach_data`` writes it in the revision's transaction: no blob is read
again). Code stored before the index existed is indexed by the "revision.index_code" task, which a search
queues for each workspace it covers that has unindexed code (as ``similar.py`` queues
"revision.read_pictures"): newest revisions first, a few seconds of work at a time, queueing itself again
until none is left. Until then the search says how many revisions' code it could not search yet.

Which workspaces may hold unindexed code is kept (``CodeIndexPending``), so that a search over a hundred
thousand revisions does not look at every code object to know it saw them all: a workspace is marked
where code can arrive without its text (code stored before the index existed, a bundle's, rows attached
without text whose bytes are not indexed) and unmarked by the task once none is left.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet

from figtrail.server import blobs
from figtrail.server.blob_stores import StoreUnreachable
from figtrail.server.catalog.models import CodeIndexPending, CodeText, Data, DataType, Revision, Workspace
from figtrail.server.tasks import runner
from figtrail.server.tasks.models import FRAMEWORK_STATUS, Task, TaskStatus
from figtrail.server.write_queue import queued_write

KIND = "revision.index_code"
INDEXED_BYTES = 200_000  # of each code blob; the rest of a longer file is not searched
BATCH_SECONDS = 5.0  # one index_code task stops after this long, and queues the rest
WRITE_EVERY = 50  # index rows written per transaction by the task
ROWS_PER_TASK = 1000  # code objects one task looks at, at most (identical ones are read once)

UNREADABLE_LISTED = 1000  # unreadable hashes passed as a list; more, as a subquery
TEXT_ATTRIBUTE = "_code_text"  # on an unsaved Data row: (text, truncated), from the publish's own bytes


def text_of(payload: bytes, encoding: str | None = None) -> tuple[str, bool]:
    """The indexed text of a code payload (its first ``INDEXED_BYTES``) and whether it was cut. NUL
    characters are dropped (PostgreSQL's text cannot hold them, and nobody searches for one)."""
    head = payload[:INDEXED_BYTES]
    try:
        text = head.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        text = head.decode("utf-8", errors="replace")
    return text.replace("\x00", ""), len(payload) > INDEXED_BYTES


def keep_text(row: Data, payload: bytes) -> None:
    """Remember a new code row's text until it is saved (``record``); other types are not indexed."""
    if row.type == DataType.CODE:
        setattr(row, TEXT_ATTRIBUTE, text_of(payload, (row.metadata or {}).get("encoding")))


def record(rows: Iterable[Data]) -> None:
    """Write the index rows of the code rows ``keep_text`` saw (one per hash; a hash indexed already
    stays as it is). One query, inside the caller's transaction; code rows without their text (copied,
    echoed) whose bytes are not indexed mark their revision's workspace (one more query, only then)."""
    entries, bare = {}, {}
    for row in rows:
        kept = getattr(row, TEXT_ATTRIBUTE, None)
        if kept is not None and row.hash not in entries:
            entries[row.hash] = CodeText(hash=row.hash, text=kept[0], truncated=kept[1])
        elif kept is None and row.type == DataType.CODE:
            bare[row.hash] = row
    if entries:
        CodeText.objects.bulk_create(entries.values(), ignore_conflicts=True)
    missing = set(bare) - set(entries)
    if missing:
        missing -= set(CodeText.objects.filter(hash__in=missing).values_list("hash", flat=True))
    if missing:
        mark_pending({bare[h].revision.figure.analysis.workspace_id for h in missing})


def mark_pending(workspace_ids: Iterable) -> None:
    """Say these workspaces may hold code not indexed yet (the next search over them queues it)."""
    CodeIndexPending.objects.bulk_create(
        [CodeIndexPending(workspace_id=pk) for pk in set(workspace_ids)], ignore_conflicts=True
    )


def code_data(workspaces) -> QuerySet[Data]:
    """The code objects of the revisions in ``workspaces`` (a queryset or ids)."""
    return Data.objects.filter(type=DataType.CODE, revision__figure__analysis__workspace__in=workspaces)


def unindexed(workspaces) -> QuerySet[Data]:
    """The code objects in ``workspaces`` whose bytes are not indexed yet."""
    return code_data(workspaces).filter(~Exists(CodeText.objects.filter(hash=OuterRef("hash"))))


def matching_hashes(query: str) -> QuerySet[CodeText]:
    """The hashes of the indexed code holding ``query``, in any case (a subquery)."""
    return CodeText.objects.filter(text__icontains=query, unreadable=False).values("hash")


def with_matching_code(revisions: QuerySet[Revision], query: str) -> QuerySet[Revision]:
    """The revisions of ``revisions`` with at least one code object holding ``query``: from the matching
    hashes to their code objects to their revisions (a correlated EXISTS would probe every revision)."""
    hits = Data.objects.filter(type=DataType.CODE, hash__in=matching_hashes(query)).values("revision_id")
    return revisions.filter(pk__in=hits)


def coverage(workspaces) -> tuple[dict, int]:
    """``({workspace id: revisions whose code is not indexed yet}, revisions whose code's bytes were
    gone when indexed)`` over ``workspaces``. Two small queries while no workspace is marked pending
    (``CodeIndexPending``) and no code is unreadable; the marked ones' code objects are counted."""
    marked = list(
        CodeIndexPending.objects.filter(workspace__in=workspaces).values_list("workspace_id", flat=True)
    )
    pending = {}
    if marked:
        rows = (
            unindexed(marked)
            .values("revision__figure__analysis__workspace_id")
            .annotate(revisions=Count("revision_id", distinct=True))
            .order_by()
        )
        pending = {row["revision__figure__analysis__workspace_id"]: row["revisions"] for row in rows}
    # few or none (an index finds them): asked first, so the count goes by the code objects' hash index
    unreadable = CodeText.objects.filter(unreadable=True).values_list("hash", flat=True)
    few = list(unreadable[: UNREADABLE_LISTED + 1])
    gone = 0
    if few:
        hashes = few if len(few) <= UNREADABLE_LISTED else unreadable
        gone = code_data(workspaces).filter(hash__in=hashes).values("revision_id").distinct().count()
    return pending, gone


def queue_indexing(user, workspace_ids: Iterable) -> None:
    """Queue "revision.index_code" for each of these workspaces that has none queued or running."""
    wanted = set(workspace_ids)
    busy = set(
        Task.objects.filter(kind=KIND, workspace_id__in=wanted)
        .exclude(
            job__status__in=[FRAMEWORK_STATUS[TaskStatus.SUCCEEDED], FRAMEWORK_STATUS[TaskStatus.FAILED]]
        )
        .values_list("workspace_id", flat=True)
    )
    for workspace in Workspace.objects.filter(pk__in=wanted - busy):
        runner.submit(KIND, user, workspace, payload={"workspace": str(workspace.pk)})


def index_code(task: Task, workspace_id: str) -> dict:
    """The task's work: index the code of a workspace's revisions that is not indexed yet, newest
    revisions first, for ``BATCH_SECONDS``; queue the rest as a new task (behind whatever else waits).

    A blob that is gone gets an ``unreadable`` row (the search says so; it is not read again); one in a
    bucket that does not answer now is left for the next search to queue again (no loop meanwhile)."""
    started, seen, done, unreachable = time.monotonic(), set(), 0, 0
    batch: list[CodeText] = []
    pending = unindexed([workspace_id]).order_by("-revision__created_on", "position")
    for row in list(pending.only("hash", "store_id", "metadata")[:ROWS_PER_TASK]):
        if row.hash in seen:
            continue
        seen.add(row.hash)
        try:
            payload = blobs.head(row.hash, row.store_id, INDEXED_BYTES + 1)
        except FileNotFoundError:
            batch.append(CodeText(hash=row.hash, unreadable=True))
        except StoreUnreachable:
            unreachable += 1
        else:
            text, truncated = text_of(payload, (row.metadata or {}).get("encoding"))
            batch.append(CodeText(hash=row.hash, text=text, truncated=truncated))
        if len(batch) >= WRITE_EVERY:
            done += _write(batch)
        if time.monotonic() - started > BATCH_SECONDS:
            break
    done += _write(batch)
    remaining = unindexed([workspace_id]).order_by().values("hash").distinct().count()
    if not remaining:
        # unmarked first, then asked again: code attached meanwhile marks it anew and is not missed
        CodeIndexPending.objects.filter(workspace_id=workspace_id).delete()
        remaining = unindexed([workspace_id]).order_by().values("hash").distinct().count()
        if remaining:
            mark_pending([workspace_id])
    if remaining and not unreachable:
        runner.submit(KIND, task.created_by, task.workspace, payload={"workspace": workspace_id})
    return {"workspace": workspace_id, "indexed": done, "remaining": remaining, "unreachable": unreachable}


def _write(batch: list[CodeText]) -> int:
    count = len(batch)
    if batch:
        with queued_write(), transaction.atomic():
            CodeText.objects.bulk_create(batch, ignore_conflicts=True)
        batch.clear()
    return count
