"""``GET revision/<id>/similar/``: the revisions whose pictures are near duplicates of this one's, among
those the caller may read as a member of their workspaces, nearest first.

Pictures are compared by perceptual hash (``Revision.phash``, :mod:`.image_reading`). Hashes are not made
on the publish path (decoding every image would double a publish's cost); a revision gets one when it is
auto-assigned, when another auto-assigned revision is compared with it, when it is the subject of
``similar/``, or from the "revision.read_pictures" task, which ``similar/`` queues for each workspace
whose revisions are not all read yet. That task hashes them (and, with Tesseract, keeps the words in
their pictures in ``image_text``, which the workspace search reads), newest first, a few seconds of work
at a time, queueing itself again until none is left, so that it never holds up other tasks for long.
The answer says how many revisions it could not compare yet (``unread``).
"""

from __future__ import annotations

import time

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.catalog.image_reading import NEAR_DUPLICATE_BITS, NO_PICTURE, hash_distance, read_picture
from figtrail.server.catalog.models import Revision, Workspace, api_index
from figtrail.server.tasks import runner
from figtrail.server.tasks.models import FRAMEWORK_STATUS, Task, TaskStatus

KIND = "revision.read_pictures"
MAX_DISTANCE = 32  # the largest ``max_distance`` asked for: half the bits, already unrelated pictures
LIMIT = 50  # revisions listed at most
BATCH_SECONDS = 5.0  # one read_pictures task stops after this long, and queues the rest


def unread(scope: Q) -> Q:
    """The revisions of ``scope`` whose picture is not read yet."""
    return scope & Q(phash=None, is_processing=False)


def queue_reading(user, workspace_ids: set) -> None:
    """Queue "revision.read_pictures" for each workspace that has none queued or running."""
    busy = set(
        Task.objects.filter(kind=KIND, workspace_id__in=workspace_ids)
        .exclude(job__status__in=_finished())
        .values_list("workspace_id", flat=True)
    )
    for workspace in Workspace.objects.filter(pk__in=workspace_ids - busy):
        runner.submit(KIND, user, workspace, payload={"workspace": str(workspace.pk)})


def _finished() -> list:
    return [FRAMEWORK_STATUS[TaskStatus.SUCCEEDED], FRAMEWORK_STATUS[TaskStatus.FAILED]]


def read_pictures(task: Task, workspace_id: str) -> dict:
    """The task's work: read the unread revisions of a workspace, newest first, for ``BATCH_SECONDS``;
    queue the rest as a new task (behind whatever else waits)."""
    started, done = time.monotonic(), 0
    waiting = Revision.objects.filter(unread(Q(figure__analysis__workspace_id=workspace_id)))
    pending = waiting.order_by("-created_on")
    for revision in pending.iterator(chunk_size=20):
        read_picture(revision, with_text=True)
        done += 1
        if time.monotonic() - started > BATCH_SECONDS:
            break
    remaining = waiting.count()
    if remaining:
        runner.submit(KIND, task.created_by, task.workspace, payload={"workspace": workspace_id})
    return {"workspace": workspace_id, "read": done, "remaining": remaining}


def _max_distance(request) -> int:
    raw = request.query_params.get("max_distance")
    if raw is None:
        return NEAR_DUPLICATE_BITS
    if not raw.isdigit() or int(raw) > MAX_DISTANCE:
        raise ValidationError({"max_distance": [f"Must be a whole number of bits from 0 to {MAX_DISTANCE}."]})
    return int(raw)


SIMILAR_ANSWER = inline_serializer(
    "SimilarRevisions",
    {
        "revision": serializers.UUIDField(),
        "phash": serializers.CharField(allow_null=True),
        "max_distance": serializers.IntegerField(),
        "similar": inline_serializer(
            "SimilarRevision",
            {
                "api_id": serializers.UUIDField(),
                "short_id": serializers.CharField(allow_null=True),
                "revision_index": serializers.IntegerField(),
                "figure": serializers.UUIDField(),
                "figure_name": serializers.CharField(),
                "analysis": serializers.UUIDField(),
                "analysis_name": serializers.CharField(),
                "created_on": serializers.DateTimeField(),
                "distance": serializers.IntegerField(),
            },
            many=True,
        ),
        "unread": serializers.IntegerField(),
    },
)


class SimilarMixin:
    access = {"similar": Level.VIEW}  # access.declarations: reading the revision; candidates by policy

    @extend_schema(
        parameters=[OpenApiParameter("max_distance", OpenApiTypes.INT, description="bits of 64; 8")],
        responses=SIMILAR_ANSWER,
    )
    @action(detail=True, methods=["get"], url_path="similar")
    def similar(self, request, *args, **kwargs):
        """The revisions whose pictures are at most ``max_distance`` bits (default 8 of 64) from this
        one's, in the caller's workspaces and what is shared with them, nearest then newest first; how
        many of those are not read yet (``unread``: their reading is queued)."""
        revision = self.get_object(Level.VIEW)
        limit = _max_distance(request)
        phash, listed, still_unread = find_similar(revision, policy.actor_of(request), request.user, limit)
        return Response(
            {
                "revision": str(revision.pk),
                "phash": phash or None,
                "max_distance": limit,
                "similar": [_entry(other, distance) for other, distance in listed],
                "unread": still_unread,
            }
        )


def find_similar(revision: Revision, actor, user, limit: int = NEAR_DUPLICATE_BITS, link_tokens=()):
    """``(phash, [(revision, distance)], unread)``: the revisions at most ``limit`` bits from this one's
    picture among those ``actor`` may see beyond this one: the workspaces they are a member of, what is
    shared with them, and what the share links they opened reach (``link_tokens``; ``policy.shared_scope``),
    nearest then newest first (at most LIMIT), and how many there are not read yet (their reading is
    queued, on behalf of ``user``, or of the revision's publisher for a reader who is not signed in).
    The API's ``similar/`` and the web UI's similar page both ask here."""
    phash = revision.phash
    if phash is None:
        phash, _ = read_picture(revision)
    seen = policy.readable_scope(actor, Revision, link_tokens)
    # Counted before the read ones are listed: a revision the reading task finishes in between is then
    # listed and still counted unread (the caller asks again), never missing from a list that says
    # nothing is unread.
    waiting = Revision.objects.filter(unread(seen)).exclude(pk=revision.pk)
    waiting_in = set(waiting.values_list("figure__analysis__workspace_id", flat=True).distinct())
    still_unread = waiting.count() if waiting_in else 0  # before the reading starts
    found = []
    if phash:
        hashed = (
            Revision.objects.filter(seen, is_processing=False)
            .exclude(pk=revision.pk)
            .exclude(phash=None)
            .exclude(phash=NO_PICTURE)
            .values_list("pk", "phash", "created_on")
        )
        for pk, other, created_on in hashed:
            if (distance := hash_distance(phash, other)) <= limit:
                found.append((distance, -created_on.timestamp(), pk))
    found.sort()
    near = {distance_pk[2]: distance_pk[0] for distance_pk in found[:LIMIT]}
    rows = Revision.objects.filter(pk__in=near).select_related("figure__analysis")
    listed = sorted(rows, key=lambda r: (near[r.pk], -r.created_on.timestamp()))
    on_behalf = user if user is not None and user.is_authenticated else revision.created_by
    if waiting_in and on_behalf is not None:
        queue_reading(on_behalf, waiting_in)
    return phash, [(other, near[other.pk]) for other in listed], still_unread


def _entry(revision: Revision, distance: int) -> dict:
    figure = revision.figure
    return {
        "api_id": str(revision.pk),
        "short_id": revision.short_id,
        "revision_index": api_index(revision.revision_index),
        "figure": str(figure.pk),
        "figure_name": figure.name,
        "analysis": str(figure.analysis_id),
        "analysis_name": figure.analysis.name,
        "created_on": serializers.DateTimeField().to_representation(revision.created_on),
        "distance": distance,
    }
