"""``POST revision/auto-assign/``: the server, not the client, decides which figure a revision belongs to.

The official clients' ``auto_assign`` sends a revision with an ``analysis`` instead of a ``figure``. The
view (``RevisionViewSet.auto_assign``) writes it at once into a new holding figure named "Untitled N",
with ``is_processing: true``, and answers 201. Once the revision has a picture (in the same request from
the Python client; in the ``PATCH revision/<id>/`` that follows from the R client, which creates first
and sends its data after), the "revision.auto_assign" task (:func:`assign`) reads the picture
(:mod:`.image_reading`) and puts the revision where it belongs, without any AI provider:

1. a title: the revision's own metadata (``title``, as figtrail's client records the figure's facts, or
   ``figure_name``), else the title OCR reads off the image. A figure of the analysis already named so
   gets the revision (moved there, numbered after its last revision; the holding figure is removed);
   otherwise the holding figure takes the title;
2. without a title, the figure whose latest revision's picture is a near duplicate (perceptual hashes
   at most ``NEAR_DUPLICATE_BITS`` apart; the nearest wins) gets it;
3. otherwise it stays in "Untitled N".

Then ``is_processing`` turns false; the revision keeps the perceptual hash and the OCR text it was read
with (``phash``, ``image_text``). ``info/``'s ``ai_enabled`` says whether this work is being done
(:func:`available`).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django_tasks import TaskResultStatus

from figtrail.server import blobs
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action, LogEntry
from figtrail.server.catalog import tree
from figtrail.server.catalog.image_reading import (
    NEAR_DUPLICATE_BITS,
    NO_PICTURE,
    Reading,
    hash_distance,
    perceptual_hash,
    primary_image,
    read_picture,
    read_text,
)
from figtrail.server.catalog.models import Analysis, Data, Figure, Revision
from figtrail.server.tasks import runner
from figtrail.server.tasks.models import Task
from figtrail.server.write_queue import queued_write

log = logging.getLogger(__name__)

KIND = "revision.auto_assign"
UNTITLED = re.compile(r"Untitled (\d+)")
TITLE_KEYS = ("title", "figure_name")  # metadata keys that name the figure, in order
MAX_NAME = 500


def untitled_name(analysis: Analysis) -> str:
    """ "Untitled N": one more than the highest N of the analysis's figures so named."""
    names = Figure.objects.filter(analysis=analysis, name__startswith="Untitled ").values_list("name")
    numbers = [int(match.group(1)) for (name,) in names if (match := UNTITLED.fullmatch(name))]
    return f"Untitled {max(numbers, default=0) + 1}"


def holding_figure(analysis: Analysis, user) -> Figure:
    """The figure an auto-assigned revision waits in (inside the caller's transaction; the analysis is
    locked while its next "Untitled N" is chosen, so two at once get two numbers)."""
    _lock(Analysis, analysis.pk)
    figure = Figure.objects.create(analysis=analysis, name=untitled_name(analysis), created_by=user)
    tree.touch_ancestors(figure, user, figure.created_on)
    return figure


def queue_if_ready(revision: Revision, rows: list[Data], user) -> Task | None:
    """Queue the assignment of a processing revision once it has a picture (inside the caller's
    transaction: the task starts after it commits). None if there is nothing to do yet."""
    if not revision.is_processing or primary_image(rows) is None:
        return None
    workspace = revision.figure.analysis.workspace
    return runner.submit(KIND, user, workspace, payload={"revision": str(revision.pk)})


def available() -> bool:
    """Whether auto-assign work is being done here: always with inline tasks (each app server runs
    them); with ``figtrail worker`` processes, unless such work has waited longer than a running task
    may go untouched (``FIGTRAIL_TASK_ABANDONED_SECONDS``): then no worker is serving the queue."""
    if settings.FIGTRAIL_TASK_MODE == "inline":
        return True
    cutoff = timezone.now() - timedelta(seconds=settings.FIGTRAIL_TASK_ABANDONED_SECONDS)
    waiting = Task.objects.filter(kind=KIND, job__status=TaskResultStatus.READY, created_on__lt=cutoff)
    return not waiting.exists()


def metadata_title(metadata) -> str | None:
    if not isinstance(metadata, dict):
        return None
    for key in TITLE_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and (title := " ".join(value.split())):
            return title[:MAX_NAME]
    return None


def assign(revision_id: str) -> dict:
    """The task's work: read the revision's picture, choose its figure, put it there. Reading (OCR) is
    done outside any transaction; the move is one transaction that first checks that the revision is
    still processing and still has the picture that was read (a later PATCH queues its own task)."""
    revision = Revision.objects.select_related("figure__analysis").filter(pk=revision_id).first()
    if revision is None or not revision.is_processing:
        return {"revision": revision_id, "assigned": False, "reason": "not waiting to be assigned"}
    image = primary_image(list(revision.data.all()))
    if image is None:
        return {"revision": revision_id, "assigned": False, "reason": "no picture yet"}
    try:
        payload = blobs.read(image)
    except Exception:  # its store does not answer: assign it all the same, from what else it says
        log.warning("picture of revision %s not read for its assignment", revision_id, exc_info=True)
        phash, reading = None, Reading()
    else:
        phash, reading = perceptual_hash(payload), read_text(payload)
    holding = revision.figure
    title, how = metadata_title(revision.metadata), "metadata"
    if title is None and reading.title:
        title, how = reading.title[:MAX_NAME], "ocr"
    target = None  # by title: chosen in the transaction (_place), where no other assignment runs
    if title is None and phash:
        target, how = _near_duplicate(holding.analysis, phash, holding), "phash"
    if target is None and title is None:
        how = "untitled"
    with queued_write(), transaction.atomic():
        fresh = _locked(revision_id)
        primary = primary_image(list(fresh.data.all())) if fresh is not None else None
        if fresh is None or primary is None or primary.hash != image.hash:
            return {"revision": revision_id, "assigned": False, "reason": "changed while it was read"}
        _place(fresh, holding, target, title, phash, reading)
    return {
        "revision": revision_id,
        "assigned": True,
        "figure": str(fresh.figure_id),
        "name": fresh.figure.name,
        "by": how,
    }


def _lock(model, pk) -> bool:
    """Lock a row for the rest of the transaction (numbering, naming), where the database can; whether
    it exists. SQLite needs no lock: its writers are one at a time (``queued_write``)."""
    rows = model.objects.filter(pk=pk)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.only("pk").first() is not None


def _locked(revision_id: str) -> Revision | None:
    revisions = Revision.objects.select_related("figure__analysis__workspace", "created_by")
    if connection.features.has_select_for_update:
        revisions = revisions.select_for_update(of=("self",))
    return revisions.filter(pk=revision_id, is_processing=True).first()


def _place(
    revision: Revision, holding: Figure, target: Figure | None, title: str | None, phash, reading: Reading
) -> None:
    user, now = revision.created_by, timezone.now()
    _lock(Analysis, holding.analysis_id)  # one assignment at a time in an analysis: names stay unique
    if title is not None:  # again, under the lock: another revision may have taken the title meanwhile
        target = _named(holding.analysis, title, holding)
    if target is not None and not _lock(Figure, target.pk):
        target = None  # deleted meanwhile: the revision stays where it waits
    if target is not None:
        last = Revision.objects.filter(figure=target).aggregate(last=Max("revision_index"))["last"]
        tree.move_sizes(revision, holding, target)
        revision.figure, revision.revision_index = target, (last or 0) + 1
    else:
        figure = revision.figure
        if title is not None and figure.name != title:
            figure.name = title
            figure.save(update_fields=["name"])
        activity.record(user, Action.CREATE, figure)
    revision.is_processing = False
    revision.phash = phash if phash is not None else NO_PICTURE
    revision.image_text = reading.text
    revision.save(update_fields=["figure", "revision_index", "is_processing", "phash", "image_text"])
    tree.touch_ancestors(revision, user, now)
    # the revision's "create" entry was written under the holding figure's name
    LogEntry.objects.filter(target_type="revision", target_id=revision.pk).update(
        target_name=f"{revision.figure.name} #{revision.revision_index}"
    )
    if target is not None and not holding.revisions.exists():
        Figure.objects.filter(pk=holding.pk).delete()


def _named(analysis: Analysis, title: str, holding: Figure) -> Figure | None:
    """The analysis's first figure named ``title`` (case and spacing aside), but the holding figure."""
    wanted = title.casefold()
    figures = Figure.objects.filter(analysis=analysis).exclude(pk=holding.pk).only("api_id", "name")
    return next((f for f in figures if " ".join(f.name.split()).casefold() == wanted), None)


def _near_duplicate(analysis: Analysis, phash: str, holding: Figure) -> Figure | None:
    """The figure of the analysis whose latest (assigned) revision's picture is nearest to ``phash``,
    if it is a near duplicate. Latest revisions not read yet are hashed now, and keep their hash."""
    latest = Revision.objects.filter(figure=OuterRef("pk"), is_processing=False).order_by("-revision_index")
    figures = (
        Figure.objects.filter(analysis=analysis)
        .exclude(pk=holding.pk)
        .annotate(latest=Subquery(latest.values("pk")[:1]))
        .exclude(latest=None)
    )
    latest_ids = {row["latest"]: row["api_id"] for row in figures.values("api_id", "latest")}
    best: tuple[int, Figure] | None = None
    for candidate in Revision.objects.filter(pk__in=latest_ids).select_related("figure"):
        candidate_hash = candidate.phash if candidate.phash is not None else read_picture(candidate)[0]
        if not candidate_hash:
            continue
        distance = hash_distance(phash, candidate_hash)
        if distance <= NEAR_DUPLICATE_BITS and (best is None or distance < best[0]):
            best = (distance, candidate.figure)
    return best[1] if best else None
