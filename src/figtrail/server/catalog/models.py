"""The catalog: Workspace > Analysis > Figure > Revision, Workspace > Asset > AssetRevision, and Data.

The hierarchy is told here once, by :class:`Node` (each model names its kind and the foreign key to the
level above it); access, the size tree, navigation, comments and the activity log walk it through
``parent``, ``levels()`` and ``lineage()`` rather than telling it again.

Sizes (``size_bytes``) are stored on every level and adjusted in the same transaction as the change that
causes them, so that reading a workspace never has to sum its whole tree.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from figtrail.server.accounts.models import Organization

USER = settings.AUTH_USER_MODEL


def api_index(revision_index: int) -> int:
    """A revision's number as the API gives it, ``revision_index``: GoFigr's clients count from 0 (the R
    client labels a revision ``revision_index + 1``), while figtrail stores and shows 1, 2, 3... (the
    web UI's "revision 1" is the first). Every API answer converts through here."""
    return revision_index - 1


class WorkspaceType(models.TextChoices):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class WorkspaceRole(models.TextChoices):
    OWNER = "owner"
    ADMIN = "admin"
    CREATOR = "creator"
    VIEWER = "viewer"


class Node:
    """A place in the hierarchy; mixed into every model that lives in a workspace (stories too)::

        Workspace > Analysis > Figure > Revision > Data
        Workspace > Asset > AssetRevision > Data
        Workspace > Story

    Each model says what it is, once, in these class attributes; everything else is derived from them.
    """

    kind: ClassVar[str]  # its name in the API, in shares and in the activity log: "asset_revision"
    noun: ClassVar[str]  # what a message calls it: "asset revision"
    # the foreign key to the level above; a data object's is whichever of its two is set; none: the top
    parent_fields: ClassVar[tuple[str, ...]] = ()
    shareable: ClassVar[bool] = False  # may be shared outside its workspace; a share covers what is under it

    def _parent_field(self) -> models.ForeignKey | None:
        for name in self.parent_fields:
            field = self._meta.get_field(name)
            if getattr(self, field.attname) is not None:
                return field
        return None

    @property
    def parent(self) -> Node | None:
        """The level above (loaded, unless it was fetched with the object); ``None`` for a workspace."""
        field = self._parent_field()
        return getattr(self, field.name) if field else None

    def levels(self) -> Iterator[tuple[type[Node], Any]]:
        """``(model, pk)`` of the object and of each level above it, nearest first, ending with its
        workspace. Lazy and light: each key is read off the level below it, a level is loaded only when
        the key above it is asked for, and the workspace is never loaded."""
        node: Node = self
        yield type(self), self.pk
        while (field := node._parent_field()) is not None:
            model = field.related_model
            yield model, getattr(node, field.attname)
            if not model.parent_fields:
                return
            node = getattr(node, field.name)

    def lineage(self) -> list[Node]:
        """The object and every level above it, loaded, nearest first: ``lineage()[-1]`` is its workspace."""
        chain: list[Node] = [self]
        while (parent := chain[-1].parent) is not None:
            chain.append(parent)
        return chain

    @classmethod
    def parent_models(cls) -> tuple[type[Node], ...]:
        return tuple(cls._meta.get_field(name).related_model for name in cls.parent_fields)

    @classmethod
    def path_up(cls, ancestor: type[Node]) -> str | None:
        """The lookup from this model to an ancestor model, for ``select_related`` and filters:
        ``"figure__analysis"`` from a revision to its analysis, ``""`` to itself, ``None`` if it is not
        above; a data object goes through whichever of its parents reaches it."""
        if ancestor is cls:
            return ""
        for name, parent in zip(cls.parent_fields, cls.parent_models(), strict=True):
            rest = parent.path_up(ancestor)
            if rest is not None:
                return f"{name}__{rest}" if rest else name
        return None

    @classmethod
    def workspace_path(cls) -> str:
        """The lookup from this model to its workspace: ``"figure__analysis__workspace"`` for a revision.
        Only for models with one parent field (a data object's depends on which of its two is set)."""
        if len(cls.parent_fields) != 1:
            raise TypeError(f"{cls.__name__} has no single path to a workspace")
        return cls.path_up(Workspace)

    @property
    def label(self) -> str:
        """What the object is called among its siblings (the breadcrumbs): its name."""
        return self.name

    @property
    def full_label(self) -> str:
        """What it is called out of context (an e-mail, a list): its name; a revision adds its figure's."""
        return self.label


class Numbered(Node):
    """A numbered version of the level above (a figure's revision, an asset's), named by its number."""

    revision_index: int

    @property
    def label(self) -> str:
        return f"Revision {self.revision_index}"

    @property
    def full_label(self) -> str:
        return f"{self.parent.label}, revision {self.revision_index}"


class Tracked(Node, models.Model):
    """Fields every catalog object has: a UUID id, who made or changed it and when."""

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateTimeField(default=timezone.now, db_index=True)
    updated_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_on = models.DateTimeField(null=True)
    size_bytes = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class Container(Tracked):
    """An object with children: it records when a descendant last changed."""

    name = models.CharField(max_length=500)
    description = models.TextField(null=True, blank=True)
    child_updated_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    child_updated_on = models.DateTimeField(null=True)

    class Meta:
        abstract = True


class Workspace(Container):
    kind = "workspace"
    noun = "workspace"

    workspace_type = models.CharField(
        max_length=16, choices=WorkspaceType.choices, default=WorkspaceType.SECONDARY
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="workspaces"
    )
    storage_vendor = models.CharField(max_length=100, default="figtrail")
    storage_params = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["created_by"],
                condition=models.Q(workspace_type="primary"),
                name="one_primary_workspace_per_user",
            )
        ]


class WorkspaceMembership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="workspace_memberships")
    membership_type = models.CharField(max_length=16, choices=WorkspaceRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_role_per_workspace")]


class Analysis(Container):
    kind = "analysis"
    noun = "analysis"
    parent_fields = ("workspace",)
    shareable = True

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="analyses")

    class Meta:
        ordering = ["created_on"]


class Figure(Container):
    kind = "figure"
    noun = "figure"
    parent_fields = ("analysis",)
    shareable = True

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="figures")
    # written by the AI provider on request (``figure/<id>/ai_describe/``), never by the client
    ai_title = models.CharField(max_length=500, null=True, blank=True)
    ai_description = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["created_on"]


class Revision(Numbered, Tracked):
    """One immutable snapshot of a figure. ``api_id`` may be chosen by the client (``client_id``)."""

    kind = "revision"
    noun = "revision"
    parent_fields = ("figure",)
    shareable = True

    figure = models.ForeignKey(Figure, on_delete=models.CASCADE, related_name="revisions")
    short_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    revision_index = models.PositiveIntegerField(default=1)  # 1, 2, 3...: the API says api_index() of it
    metadata = models.JSONField(null=True, blank=True)
    is_clean_room = models.BooleanField(null=True, default=False)
    # written by the AI provider (``revision/<id>/ai_describe/``, or on publish with
    # FIGTRAIL_AI_AUTO_DESCRIBE=1), never by the client
    ai_title = models.CharField(max_length=500, null=True, blank=True)
    ai_description = models.TextField(null=True, blank=True)
    # True from ``revision/auto-assign/`` until the server has put the revision in its figure
    # (``catalog/auto_assign.py``); never set by the client
    is_processing = models.BooleanField(default=False)
    # what the server read off the primary image (``catalog/image_reading.py``): its 64-bit perceptual
    # hash as 16 hex digits, and the words OCR found in it; None while not read
    phash = models.CharField(max_length=16, null=True, blank=True, db_index=True)
    image_text = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["created_on", "revision_index"]
        indexes = [models.Index(fields=["figure", "revision_index"])]


class Asset(Container):
    kind = "asset"
    noun = "asset"
    parent_fields = ("workspace",)  # its analysis, if it has one, only scopes it
    shareable = True

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="assets")
    analysis = models.ForeignKey(
        Analysis, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )

    class Meta:
        ordering = ["created_on"]
        indexes = [models.Index(fields=["name"])]


class AssetRevision(Numbered, Tracked):
    kind = "asset_revision"
    noun = "asset revision"
    parent_fields = ("asset",)
    shareable = True

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="revisions")
    revision_index = models.PositiveIntegerField(default=1)
    metadata = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["created_on", "revision_index"]


class DataType(models.TextChoices):
    IMAGE = "image"
    CODE = "code"
    TEXT = "text"
    DATAFRAME = "dataframe"
    FILE = "file"


class Data(Node, models.Model):
    """A payload of a revision or an asset revision. The bytes live in the blob store under ``hash``: the
    server's own, or the organization's bucket named by ``store``."""

    kind = "data"
    noun = "data object"
    parent_fields = ("revision", "asset_revision")

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    revision = models.ForeignKey(Revision, null=True, on_delete=models.CASCADE, related_name="data")
    asset_revision = models.ForeignKey(
        AssetRevision, null=True, on_delete=models.CASCADE, related_name="data"
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=1000, null=True, blank=True)
    type = models.CharField(max_length=16, choices=DataType.choices)
    hash = models.CharField(max_length=64, db_index=True)
    # Where the bytes are: an organization's bucket, or None for the server's own store (blobs.read)
    store = models.ForeignKey(
        "accounts.BlobStore", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size_bytes = models.BigIntegerField()
    is_clean_room = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position"]


class CodeText(models.Model):
    """The text of one code blob, as the search reads it (``catalog/code_search.py``): one row per distinct
    blob hash, however many data objects store those bytes, so identical code is read and kept once. At
    most the first ``code_search.INDEXED_BYTES`` of the blob (``truncated`` says it was cut); written at
    publish time, or by the "revision.index_code" task for code stored before. No row: not indexed yet."""

    hash = models.CharField(max_length=64, primary_key=True)  # Data.hash (blake3 of the bytes)
    text = models.TextField(blank=True, default="")
    truncated = models.BooleanField(default=False)
    unreadable = models.BooleanField(default=False)  # the bytes were gone when indexed: nothing to search
    indexed_on = models.DateTimeField(default=timezone.now)

    class Meta:
        # the few unreadable ones, found at once by every search (code_search.coverage)
        indexes = [
            models.Index(fields=["hash"], condition=models.Q(unreadable=True), name="codetext_unreadable")
        ]


class CodeIndexPending(models.Model):
    """A workspace whose code may not all be in ``CodeText`` yet (``catalog/code_search.py``): code
    stored before the index existed, or attached without its text (a bundle's, a copy of code from a
    workspace not indexed yet). Set where that happens; the "revision.index_code" task removes it once
    nothing is left. A search reads this, not every code object, to know whether it saw all the code."""

    workspace = models.OneToOneField(Workspace, primary_key=True, on_delete=models.CASCADE, related_name="+")
    marked_on = models.DateTimeField(default=timezone.now)


class AssetUse(models.TextChoices):
    DIRECT = "direct"
    INDIRECT = "indirect"


class AssetLink(models.Model):
    """A figure revision was made from an asset revision."""

    figure_revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="asset_links")
    asset_revision = models.ForeignKey(AssetRevision, on_delete=models.CASCADE, related_name="figure_links")
    use_type = models.CharField(max_length=16, choices=AssetUse.choices, default=AssetUse.INDIRECT)

    class Meta:
        ordering = ["use_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["figure_revision", "asset_revision", "use_type"], name="one_link_per_use"
            )
        ]


class ShortIdPrefix(models.Model):
    """A prefix handed to one client; it numbers its revisions' short ids under it."""

    prefix = models.CharField(max_length=16, unique=True)
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)


class MetadataProxy(models.Model):
    """A mailbox the notebook's browser tab posts the notebook's URL and title to (no credentials)."""

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    token = models.CharField(max_length=64, unique=True)
    initiator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    expiry = models.DateTimeField()
    updated = models.DateTimeField(null=True)
    metadata = models.JSONField(null=True)


class InvitationStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"


class Invitation(models.Model):
    """An emailed, single-use invitation to a workspace or an organization."""

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    email = models.EmailField()
    initiator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default="pending")
    created = models.DateTimeField(default=timezone.now)
    expiry = models.DateTimeField()
    membership_type = models.CharField(max_length=32)
    workspace = models.ForeignKey(Workspace, null=True, on_delete=models.CASCADE, related_name="invitations")
    organization = models.ForeignKey(
        Organization, null=True, on_delete=models.CASCADE, related_name="invitations"
    )
