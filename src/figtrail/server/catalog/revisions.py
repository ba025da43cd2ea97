"""``revision/``: one immutable snapshot of a figure, created in a single call with all its data.

The client chooses the id (``client_id``) so that a retried publish can never create a duplicate: a
second create with the same id answers 409 and stores nothing.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.access.sharing import ShareableMixin
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.api.errors import Conflict
from figtrail.server.catalog import auto_assign, clean_room, environment, tree
from figtrail.server.catalog.common import (
    TRACKED_FIELDS,
    CatalogViewSet,
    MetadataField,
    TrackedSerializer,
    is_silent,
)
from figtrail.server.catalog.data import (
    DataInputSerializer,
    DataSerializer,
    attach_data,
    build_data,
    replace_data,
    store_for,
)
from figtrail.server.catalog.links import (
    AssetLinkInputSerializer,
    AssetLinkSerializer,
    add_links,
    replace_links,
    resolve_links,
)
from figtrail.server.catalog.metadata_search import MetadataSearchMixin
from figtrail.server.catalog.models import Analysis, Data, Figure, Revision, ShortIdPrefix, api_index
from figtrail.server.catalog.short_ids import PREFIX_LENGTH, random_text
from figtrail.server.catalog.similar import SimilarMixin
from figtrail.server.catalog.thumbnails import ThumbnailMixin
from figtrail.server.write_queue import queued_write

SHORT_ID_PATTERN = r"^[0-9A-Za-z_-]{1,64}$"


class RevisionInputSerializer(serializers.Serializer):
    figure = serializers.UUIDField(required=False)
    metadata = MetadataField(required=False, allow_null=True)
    data = DataInputSerializer(many=True, required=False)
    assets = AssetLinkInputSerializer(many=True, required=False)
    client_id = serializers.UUIDField(required=False, allow_null=True)
    short_id = serializers.RegexField(SHORT_ID_PATTERN, required=False, allow_null=True, allow_blank=True)
    is_clean_room = serializers.BooleanField(required=False, allow_null=True)


class AutoAssignInputSerializer(RevisionInputSerializer):
    """``revision/auto-assign/``: a revision's body with the analysis to assign it in, and no figure."""

    analysis = serializers.UUIDField()


class ApiIndexField(serializers.IntegerField):
    """``revision_index`` as the API gives it, counted from 0 (``models.api_index``); read-only."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: int) -> int:
        return api_index(value)


class RevisionSerializer(TrackedSerializer):
    # the figure it belongs to, named: the R client's Shiny widget reads ``figure_metadata$name``
    figure_metadata = serializers.SerializerMethodField()
    revision_index = ApiIndexField()
    data = DataSerializer(many=True, read_only=True)
    assets = AssetLinkSerializer(source="asset_links", many=True, read_only=True)

    class Meta:
        model = Revision
        fields = [
            *TRACKED_FIELDS,
            "short_id",
            "figure",
            "figure_metadata",
            "revision_index",
            "is_processing",
            "is_clean_room",
            "metadata",
            "ai_title",
            "ai_description",
            "phash",
            "image_text",
            "assets",
            "data",
        ]
        read_only_fields = ["ai_title", "ai_description", "is_processing", "phash", "image_text"]

    def get_figure_metadata(self, revision: Revision) -> dict:
        figure = revision.figure  # loaded by the access check (or the create), never a query per row
        return {"api_id": str(figure.pk), "name": figure.name, "description": figure.description}


def _prefetched(instance, **related: list) -> None:
    """Fill ``instance``'s reverse relations with objects already in hand, as ``prefetch_related`` would
    (so ``instance.<name>.all()`` needs no query). Same structure Django's prefetch_one_level builds."""
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in related.items():
        queryset = getattr(instance, name).get_queryset()
        queryset._result_cache = list(objects)
        queryset._prefetch_done = True
        cache[name] = queryset


def store_revision(
    figure: Figure,
    user,
    rows: list,
    links: list | tuple = (),
    *,
    revision_id: uuid.UUID | None = None,
    metadata: dict | None = None,
    short_id: str | None = None,
    is_clean_room: bool = False,
    is_processing: bool = False,
) -> tuple[Revision, list]:
    """Write a new revision of ``figure`` with its data rows (from ``build_data``) and asset links, numbered
    after the last one, sizes carried up the tree, activity logged; returns it and the saved links.

    The one way revisions are created: the API's create and the server's own importers both call it.
    """
    with queued_write(), transaction.atomic():
        # Serialise revision numbering. SQLite has no FOR UPDATE; its BEGIN IMMEDIATE already does it.
        if connection.features.has_select_for_update:
            Figure.objects.select_for_update().filter(pk=figure.pk).first()
        last_index = Revision.objects.filter(figure=figure).aggregate(last=Max("revision_index"))["last"]
        revision = Revision.objects.create(
            api_id=revision_id or uuid.uuid4(),
            figure=figure,
            short_id=short_id,
            revision_index=(last_index or 0) + 1,
            metadata=metadata,
            is_clean_room=is_clean_room,
            is_processing=is_processing,
            size_bytes=sum(row.size_bytes for row in rows),
            created_by=user,
        )
        attach_data(revision, rows)
        saved_links = add_links(revision, links)
        tree.add_child(revision, user, revision.created_on)
        activity.record(user, Action.CREATE, revision)
    return revision, saved_links


class DeriveSerializer(serializers.Serializer):
    figure = serializers.UUIDField()
    metadata = MetadataField(required=False, allow_null=True)


class AppendDataSerializer(serializers.Serializer):
    data = DataInputSerializer(many=True, allow_empty=False)


SERVER_SHORT_ID_LENGTH = 12  # server-made short ids: random, so no link leads to its neighbours


def derived_rows(source: Revision) -> list[Data]:
    """Copies of the source's data rows but its images and clean-room manifest and source: the same
    bytes (blobs are stored by content, so a copy is a row), new ids."""
    kept = [
        row
        for row in source.data.order_by("position")
        # the browser studio sends its own images and clean-room manifest and source
        if row.type != "image" and not clean_room.is_record_part(row)
    ]
    return [
        Data(
            position=position,
            name=row.name,
            type=row.type,
            hash=row.hash,
            store_id=row.store_id,  # the same bytes, where they are
            size_bytes=row.size_bytes,
            is_clean_room=row.is_clean_room,
            metadata=row.metadata,
        )
        for position, row in enumerate(kept)
    ]


def server_short_id() -> str:
    while True:
        short_id = random_text(SERVER_SHORT_ID_LENGTH)
        if not Revision.objects.filter(short_id=short_id).exists():
            return short_id


class RevisionViewSet(ShareableMixin, ThumbnailMixin, SimilarMixin, MetadataSearchMixin, CatalogViewSet):
    model = Revision
    serializer_class = RevisionSerializer
    share_target = "revision"
    # access.declarations: derive reads the source (its figure is checked for CREATE inside);
    # append_data changes the revision, as PUT does
    # auto_assign creates in the analysis named in the body, checked for CREATE inside, as create does
    access = {"derive": Level.VIEW, "append_data": Level.CREATE, "auto_assign": Level.CREATE}

    def list(self, request, *args, **kwargs):
        figure_id = request.query_params.get("figure")
        if not figure_id:
            raise ValidationError({"figure": ["Required: list revisions of one figure with ?figure=<id>."]})
        figure = policy.get_or_404(Figure, figure_id)
        policy.check(self.actor, figure, Level.VIEW)
        revisions = figure.revisions.select_related("created_by", "updated_by").prefetch_related(
            "data", "asset_links"
        )
        return Response(
            [
                self.shown(rev, payload)
                for rev, payload in zip(revisions, RevisionSerializer(revisions, many=True).data, strict=True)
            ]
        )

    def shown(self, obj: Revision, payload: dict) -> dict:
        if policy.environment_hidden(self.actor, obj):
            return environment.payload_without_environment(payload)
        return payload

    def create(self, request, *args, **kwargs):
        body = RevisionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        if "figure" not in fields:
            raise ValidationError({"figure": ["Required: the id of the figure this revision belongs to."]})
        figure = policy.get_or_404(Figure, fields["figure"], related=("analysis__workspace__organization",))
        policy.check(self.actor, figure, Level.CREATE)
        revision_id, rows, links = self._prepare(fields, store_for(figure))  # no query: loaded above
        revision = self._stored(lambda: self._store(figure, revision_id, fields, rows, links), revision_id)
        return self.created(revision)

    @extend_schema(request=AutoAssignInputSerializer, responses={201: RevisionSerializer})
    @action(
        detail=False, methods=["post"], url_path="auto-assign", serializer_class=AutoAssignInputSerializer
    )
    def auto_assign(self, request, *args, **kwargs):
        """The official clients' ``auto_assign``: the body of ``POST revision/`` with ``analysis`` in place
        of ``figure``. 201 with the revision, ``is_processing: true``, in a new "Untitled N" figure of
        the analysis; once it has a picture (now, or from a later PATCH) the server assigns it to its
        figure and ``is_processing`` turns false (``catalog/auto_assign.py``)."""
        body = AutoAssignInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        analysis = policy.get_or_404(Analysis, fields["analysis"], related=("workspace__organization",))
        policy.check(self.actor, analysis, Level.CREATE)
        revision_id, rows, links = self._prepare(fields, store_for(analysis))

        def store() -> Revision:
            with queued_write(), transaction.atomic():
                figure = auto_assign.holding_figure(analysis, request.user)
                revision = self._store(figure, revision_id, fields, rows, links, is_processing=True)
                auto_assign.queue_if_ready(revision, rows, request.user)
            return revision

        revision = self._stored(store, revision_id)
        return Response(RevisionSerializer(revision).data, status=status.HTTP_201_CREATED)

    def _prepare(self, fields: dict, store_id: int | None) -> tuple[uuid.UUID, list, list]:
        """A new revision's id, data rows and asset links, or the 409 or 400 that refuses it."""
        revision_id = fields.get("client_id") or uuid.uuid4()
        short_id = fields.get("short_id") or None
        # one query for both: is the id taken (a retry of a stored publish), is the short id taken
        wanted = Q(pk=revision_id) | Q(short_id=short_id) if short_id else Q(pk=revision_id)
        taken = set(Revision.objects.filter(wanted).values_list("pk", flat=True)[:2])
        if revision_id in taken:
            raise Conflict.because(
                "duplicate_client_id", f"A revision with client_id {revision_id} already exists."
            )
        self._check_short_id(short_id, self.request.user, taken=bool(taken))
        links = resolve_links(self.actor, fields.get("assets", []))
        return revision_id, build_data(fields.get("data", []), store_id=store_id), links

    @staticmethod
    def _stored(store, revision_id) -> Revision:
        """``store()``, with a 409 when a concurrent create took the id or short id first."""
        try:
            return store()
        except IntegrityError as exc:
            raise Conflict.because(
                "duplicate_client_id"
                if Revision.objects.filter(pk=revision_id).exists()
                else "short_id_taken",
                "A revision with this client_id or short_id already exists.",
            ) from exc

    def _store(self, figure, revision_id, fields, rows, links, *, is_processing: bool = False) -> Revision:
        revision, saved_links = store_revision(
            figure,
            self.request.user,
            rows,
            links,
            revision_id=revision_id,
            metadata=fields.get("metadata"),
            short_id=fields.get("short_id") or None,
            is_clean_room=bool(fields.get("is_clean_room")),
            is_processing=is_processing,
        )
        # The response is built from what was just written, as _reload would read it back (3 queries less).
        by_use = sorted(saved_links, key=lambda link: link.use_type)  # stable: keeps id order within a use
        _prefetched(revision, data=rows, asset_links=by_use)
        return revision

    @staticmethod
    def _check_short_id(short_id: str | None, user, *, taken: bool) -> None:
        """A short id is one of the caller's reserved prefixes and a suffix (``short_id_prefix/reserve/``):
        nobody can take, or learn by a 409 whether someone took, the ids of another publisher's links.
        ``taken``: a revision already has it (asked together with the client id)."""
        if not short_id:
            return
        reserved = ShortIdPrefix.objects.filter(prefix=short_id[:PREFIX_LENGTH], user=user)
        if len(short_id) <= PREFIX_LENGTH or not reserved.exists():
            raise ValidationError(
                {"short_id": ["Must be a prefix you reserved (short_id_prefix/reserve/) and a suffix."]}
            )
        if taken:
            raise Conflict.because(
                "short_id_taken", f"short_id {short_id!r} is already taken; reserve a new prefix."
            )

    @staticmethod
    def _reload(revision: Revision) -> Revision:
        return (
            Revision.objects.select_related("created_by", "updated_by", "figure")
            .prefetch_related("data", "asset_links")
            .get(pk=revision.pk)
        )

    @action(detail=True, methods=["post"], url_path="derive", serializer_class=DeriveSerializer)
    def derive(self, request, *args, **kwargs):
        """A new revision of ``figure`` (the source's or another) made from this one, as the official
        client's browser studio does: the server chooses its id and short id, and it inherits the
        source's data but its images and clean-room manifest and source (the studio sends those with
        ``append_data/``). 201 with the new revision."""
        source = self.get_object(Level.VIEW)
        body = DeriveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        figure = policy.get_or_404(Figure, body.validated_data["figure"], related=("analysis__workspace",))
        policy.check(self.actor, figure, Level.CREATE)
        metadata = body.validated_data.get("metadata")
        revision, _ = store_revision(
            figure,
            request.user,
            derived_rows(source),
            metadata=metadata if metadata is not None else source.metadata,
            short_id=server_short_id(),
            is_clean_room=source.is_clean_room,
        )
        return Response(RevisionSerializer(self._reload(revision)).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="append_data", serializer_class=AppendDataSerializer)
    def append_data(self, request, *args, **kwargs):
        """Add data objects to the revision, after the ones it has (PUT replaces them); 200."""
        revision = self.get_object(Level.CREATE)
        body = AppendDataSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = build_data(body.validated_data["data"], store_id=store_for(revision))
        last = revision.data.aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1  # (a last position of 0 is a position)
        for offset, row in enumerate(rows):
            row.position = start + offset
        added = sum(row.size_bytes for row in rows)
        with transaction.atomic():
            now = timezone.now()
            attach_data(revision, rows)
            tree.adjust_size(revision, added, include_self=True)
            revision.updated_by, revision.updated_on = request.user, now
            revision.save(update_fields=["updated_by", "updated_on"])
            tree.touch_ancestors(revision, request.user, now)
            activity.record(request.user, Action.UPDATE, revision, silent=is_silent(request))
        return Response(RevisionSerializer(self._reload(revision)).data)

    def destroy(self, request, *args, **kwargs):
        """As for any object; a revision deleted while it waited to be auto-assigned takes its waiting
        figure with it, unless something else was published there meanwhile."""
        revision = self.get_object()
        waiting_in = revision.figure if revision.is_processing else None
        response = super().destroy(request, *args, **kwargs)
        if waiting_in is not None and not waiting_in.revisions.exists():
            Figure.objects.filter(pk=waiting_in.pk).delete()  # never logged: it was never assigned
        return response

    def update(self, request, *args, partial: bool = False, **kwargs):
        revision = self.get_object()
        body = RevisionInputSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        if fields.get("figure") not in (None, revision.figure_id):
            raise ValidationError({"figure": ["A revision cannot be moved to another figure."]})
        links = resolve_links(self.actor, fields["assets"]) if "assets" in fields else None
        rows = None
        if "data" in fields:
            previous = {row.pk: row for row in revision.data.all()}
            rows = build_data(fields["data"], previous, store_for(revision))
        with transaction.atomic():
            now = timezone.now()
            if rows is not None:
                replace_data(revision, rows)
            if links is not None:
                replace_links(revision, links)
            for name in ("metadata", "is_clean_room"):
                if name in fields:
                    setattr(revision, name, fields[name] if name == "metadata" else bool(fields[name]))
            revision.updated_by, revision.updated_on = request.user, now
            # only what a PUT changes: the auto-assign task may move the revision meanwhile
            changed = ["metadata", "is_clean_room", "size_bytes", "updated_by", "updated_on"]
            revision.save(update_fields=changed)
            tree.touch_ancestors(revision, request.user, now)
            activity.record(request.user, Action.UPDATE, revision, silent=is_silent(request))
            if rows is not None:  # an auto-assigned revision's picture may come now (the R client)
                auto_assign.queue_if_ready(revision, rows, request.user)
        return Response(RevisionSerializer(self._reload(revision)).data)
