"""A portable bundle of a whole server or one workspace: JSON rows plus the blobs they reference.

A bundle is a folder::

    manifest.json          {"format": "figtrail-bundle", "version": 1, "scope": ..., "files": [...], ...}
    rows/NN-app.model.json one file per model, Django's JSON serialization, in load order
    blobs/<blake3 hex>     every payload a data row references, named by its blake3 digest

Users are written by natural key (their username) and every reference to a user is by username, so a
bundle can be loaded into a server that already has users: an existing user of the same name is reused
and never changed. ``--all`` bundles carry password hashes (accounts keep working) and API key hashes; a
workspace bundle carries only the names and emails of the users it mentions, and users it creates get no
usable password (an administrator sets one). Rows with integer ids (memberships, links, shares) get new
ids on import; every UUID id, short id and revision index is kept.
Not exported: invitations, metadata proxies, background tasks (a story forgets its last one), caches
(thumbnails, diffs, the code search's index, which the target's searches fill again), and
organizations' own buckets (their credentials are sealed with this server's SECRET_KEY): the bundle
carries the bytes, and a loaded bundle keeps them in the target's own store.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "figtrail-bundle"
VERSION = 1

USER_FIELDS_ALL = (
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "profile",
    "avatar",
)
USER_FIELDS_WORKSPACE = ("username", "first_name", "last_name", "email", "is_active", "date_joined")


class BundleError(Exception):
    """A problem with a bundle or with loading it; the message says what and where."""


def _models():
    from django.contrib.auth import get_user_model

    from figtrail.server.access.models import LinkShare, UserShare
    from figtrail.server.accounts.models import ApiKey, Organization, OrganizationMembership
    from figtrail.server.activity.models import LogEntry
    from figtrail.server.catalog.models import (
        Analysis,
        Asset,
        AssetLink,
        AssetRevision,
        Data,
        Figure,
        Revision,
        ShortIdPrefix,
        Workspace,
        WorkspaceMembership,
    )
    from figtrail.server.social.models import Comment, Reaction
    from figtrail.server.stories.models import Story, StorySlide

    return {
        "user": get_user_model(),
        "organization": Organization,
        "organization_membership": OrganizationMembership,
        "workspace": Workspace,
        "workspace_membership": WorkspaceMembership,
        "api_key": ApiKey,
        "short_id_prefix": ShortIdPrefix,
        "analysis": Analysis,
        "figure": Figure,
        "revision": Revision,
        "asset": Asset,
        "asset_revision": AssetRevision,
        "data": Data,
        "asset_link": AssetLink,
        "comment": Comment,
        "reaction": Reaction,
        "story": Story,
        "story_slide": StorySlide,
        "link_share": LinkShare,
        "user_share": UserShare,
        "log_entry": LogEntry,
    }


def _querysets(workspace=None) -> list[tuple[str, Iterable]]:
    """(name, rows) in load order: whatever a row references comes before it."""
    m = _models()
    if workspace is None:
        ws = m["workspace"].objects.all()
        orgs = m["organization"].objects.all()
        extra = [
            ("api_key", m["api_key"].objects.all()),
            ("short_id_prefix", m["short_id_prefix"].objects.all()),
        ]
    else:
        ws = m["workspace"].objects.filter(pk=workspace.pk)
        orgs = m["organization"].objects.filter(pk=workspace.organization_id)
        extra = []
    analyses = m["analysis"].objects.filter(workspace__in=ws)
    figures = m["figure"].objects.filter(analysis__in=analyses)
    revisions = m["revision"].objects.filter(figure__in=figures)
    assets = m["asset"].objects.filter(workspace__in=ws)
    asset_revisions = m["asset_revision"].objects.filter(asset__in=assets)
    data = m["data"].objects.filter(revision__in=revisions) | m["data"].objects.filter(
        asset_revision__in=asset_revisions
    )
    comments = (
        m["comment"].objects.filter(figure__in=figures)
        | m["comment"].objects.filter(revision__in=revisions)
        | m["comment"].objects.filter(asset__in=assets)
        | m["comment"].objects.filter(asset_revision__in=asset_revisions)
    )
    stories = m["story"].objects.filter(workspace__in=ws)
    slides = _story_slides(m["story_slide"].objects.filter(story__in=stories), revisions, workspace)
    target_ids = set()
    for queryset in (analyses, figures, revisions, assets, asset_revisions, stories):
        target_ids.update(queryset.values_list("pk", flat=True))

    def shares(model):
        if workspace is None:
            return model.objects.all()
        return model.objects.filter(target_id__in=target_ids)

    logs = m["log_entry"].objects.all()
    if workspace is not None:
        logs = logs.filter(workspace_id=workspace.pk)
    ordered_comments = sorted(comments.distinct(), key=lambda c: (c.parent_id is not None, c.created_on))
    # replies after the comments they answer, at any depth
    done: set = set()
    comment_rows = []
    pending = ordered_comments
    while pending:
        rest = []
        for comment in pending:
            if comment.parent_id is None or comment.parent_id in done:
                comment_rows.append(comment)
                done.add(comment.pk)
            else:
                rest.append(comment)
        if len(rest) == len(pending):  # a parent outside the export: keep the reply without it
            comment_rows.extend(rest)
            break
        pending = rest
    return [
        ("organization", _without_buckets(orgs)),
        ("organization_membership", m["organization_membership"].objects.filter(organization__in=orgs)),
        ("workspace", ws),
        ("workspace_membership", m["workspace_membership"].objects.filter(workspace__in=ws)),
        *extra,
        ("analysis", analyses),
        ("figure", figures),
        ("revision", revisions.order_by("figure_id", "revision_index")),
        ("asset", assets),
        ("asset_revision", asset_revisions.order_by("asset_id", "revision_index")),
        ("data", _bytes_in_bundle(data.distinct())),
        (
            "asset_link",
            m["asset_link"].objects.filter(figure_revision__in=revisions, asset_revision__in=asset_revisions),
        ),
        ("comment", comment_rows),
        ("reaction", m["reaction"].objects.filter(comment__in=[c.pk for c in comment_rows])),
        ("story", _without_tasks(stories)),
        ("story_slide", slides),
        ("link_share", shares(m["link_share"])),
        ("user_share", shares(m["user_share"])),
        ("log_entry", logs.order_by("timestamp")),
    ]


def _without_buckets(organizations) -> list:
    """An organization's bucket is not exported: in the loaded copy, it uses the server's own store."""
    rows = list(organizations)
    for organization in rows:
        organization.blob_store_id = None
        organization.storage_vendor, organization.storage_params = "figtrail", None
    return rows


def _bytes_in_bundle(data) -> list:
    """Data rows as loaded from the bundle, where their bytes are: ``store`` None (the target's own
    store); ``_source_store`` remembers where to read them from for the export."""
    rows = list(data)
    for row in rows:
        row._source_store, row.store_id = row.store_id, None
    return rows


def _without_tasks(stories) -> list:
    """Tasks are not exported: a story forgets which task last wrote it."""
    rows = list(stories)
    for story in rows:
        story.task_id = None
    return rows


def _story_slides(slides, revisions, workspace) -> list:
    """A workspace bundle's slides may show revisions of other workspaces, which it does not carry: such
    a slide keeps its words and loses its picture, as if that revision had been deleted."""
    rows = list(slides.order_by("story_id", "position"))
    if workspace is not None:
        inside = set(revisions.values_list("pk", flat=True))
        for slide in rows:
            if slide.revision_id not in inside:
                slide.revision_id = None
    return rows


def _encoder():
    from django.core.serializers.json import DjangoJSONEncoder

    class FullPrecision(DjangoJSONEncoder):
        """Django's encoder cuts timestamps to milliseconds; a bundle keeps every microsecond."""

        def default(self, o):
            if isinstance(o, datetime):
                text = o.isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text
            return super().default(o)

    return FullPrecision


def _user_ids(rows: list) -> set[int]:
    from django.contrib.auth import get_user_model

    users = get_user_model()
    found = set()
    for row in rows:
        for field in row._meta.concrete_fields:
            if field.is_relation and field.related_model is users:
                value = getattr(row, field.attname)
                if value is not None:
                    found.add(value)
    return found


def export(out: Path, workspace=None) -> dict[str, int]:
    """Write a bundle of everything (``workspace`` None) or of one workspace; returns row counts."""
    from django.contrib.auth import get_user_model
    from django.core import serializers

    from figtrail.server import blobs

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError(f"{out} already exists and is not an empty folder")
    users = get_user_model()
    sections = [(name, list(rows)) for name, rows in _querysets(workspace)]
    if workspace is None:
        user_rows = list(users.objects.order_by("pk"))
        user_fields = USER_FIELDS_ALL
    else:
        ids = set().union(*(_user_ids(rows) for _, rows in sections))
        user_rows = list(users.objects.filter(pk__in=ids).order_by("pk"))
        user_fields = USER_FIELDS_WORKSPACE
    (out / "rows").mkdir(parents=True, exist_ok=True)
    (out / "blobs").mkdir(exist_ok=True)
    files, counts = [], {}
    for number, (name, rows) in enumerate([("user", user_rows), *sections]):
        options = {
            "cls": _encoder(),
            "use_natural_foreign_keys": True,
            "use_natural_primary_keys": name == "user",
        }
        if name == "user":
            options["fields"] = user_fields
        file_name = f"rows/{number:02d}-{name}.json"
        with open(out / file_name, "w", encoding="utf-8") as handle:
            serializers.serialize("json", rows, stream=handle, indent=1, **options)
        files.append({"name": name, "file": file_name, "count": len(rows)})
        counts[name] = len(rows)
    stores = {row.hash: row._source_store for name, rows in sections if name == "data" for row in rows}
    hashes = sorted(stores)
    blob_bytes = 0
    for content_hash in hashes:
        payload = blobs.get(content_hash, stores[content_hash])
        if blobs.digest(payload) != content_hash:
            raise BundleError(
                f"the stored blob {content_hash} does not match its hash: the blob store is damaged"
            )
        (out / "blobs" / content_hash).write_bytes(payload)
        blob_bytes += len(payload)
    counts["blobs"] = len(hashes)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "scope": "all" if workspace is None else "workspace",
        "workspace": None if workspace is None else str(workspace.pk),
        "created": datetime.now(UTC).isoformat(),
        "files": files,
        "blobs": {"count": len(hashes), "bytes": blob_bytes},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return counts


def read_manifest(bundle: Path) -> dict:
    path = bundle / "manifest.json"
    if not path.is_file():
        raise BundleError(f"{bundle} is not a figtrail bundle (no manifest.json)")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{path} is not a figtrail bundle manifest")
    if manifest.get("version") != VERSION:
        raise BundleError(
            f"bundle format version {manifest.get('version')} is not supported "
            f"(this figtrail reads version {VERSION})"
        )
    return manifest


def _verified_blobs(bundle: Path, records: dict[str, list]) -> dict[str, bytes]:
    """Every blob the data rows reference, read from the bundle and checked against its blake3 name."""
    from figtrail.server import blobs

    wanted = {record["fields"]["hash"] for record in records.get("data", [])}
    payloads = {}
    for content_hash in sorted(wanted):
        path = bundle / "blobs" / content_hash
        if not path.is_file():
            raise BundleError(f"the bundle lacks blob {content_hash} (referenced by a data row)")
        payload = path.read_bytes()
        actual = blobs.digest(payload)
        if actual != content_hash:
            raise BundleError(
                f"blob {content_hash} in the bundle is damaged: its blake3 is {actual}; nothing was imported"
            )
        payloads[content_hash] = payload
    return payloads


def _existing_uuid_ids(records: dict[str, list]) -> list[tuple[str, str]]:
    models = _models()
    clashes = []
    for name, rows in records.items():
        model = models[name]
        if model._meta.pk.get_internal_type() != "UUIDField":
            continue
        ids = [uuid.UUID(str(row["pk"])) for row in rows]
        for start in range(0, len(ids), 500):
            found = model.objects.filter(pk__in=ids[start : start + 500]).values_list("pk", flat=True)
            clashes.extend((name, str(pk)) for pk in found)
    return clashes


def load(bundle: Path, skip_existing: bool = False) -> dict[str, dict[str, int]]:
    """Load a bundle in one transaction; returns {"imported": {...}, "skipped": {...}} per model."""
    from django.contrib.auth import get_user_model
    from django.core import serializers
    from django.db import IntegrityError, transaction

    from figtrail.server import blobs
    from figtrail.server.catalog import code_search
    from figtrail.server.catalog.models import Workspace, WorkspaceType
    from figtrail.server.catalog.workspaces import create_primary_workspace

    manifest = read_manifest(bundle)
    models = _models()
    records: dict[str, list] = {}
    for entry in manifest["files"]:
        if entry["name"] not in models:
            raise BundleError(f"the bundle holds rows of an unknown kind: {entry['name']}")
        path = bundle / entry["file"]
        if not path.is_file() or path.resolve().parent != (bundle / "rows").resolve():
            raise BundleError(f"the bundle lacks {entry['file']}")
        records[entry["name"]] = json.loads(path.read_text(encoding="utf-8"))
    payloads = _verified_blobs(bundle, records)  # before anything is written
    clashes = _existing_uuid_ids(records)
    if clashes and not skip_existing:
        shown = ", ".join(f"{name} {pk}" for name, pk in clashes[:5])
        more = f" and {len(clashes) - 5} more" if len(clashes) > 5 else ""
        raise BundleError(
            f"{len(clashes)} object(s) in the bundle already exist on this server ({shown}{more}); "
            "nothing was imported (use --skip-existing to keep the existing ones and import the rest)"
        )
    clash_ids = {(name, pk) for name, pk in clashes}
    users = get_user_model()
    keep_passwords = manifest.get("scope") == "all"
    imported = {name: 0 for name in records}
    skipped = {name: 0 for name in records}
    created_users = []
    try:
        with transaction.atomic():
            for entry in manifest["files"]:
                name = entry["name"]
                text = json.dumps(records[name])
                try:
                    for item in serializers.deserialize("json", text, handle_forward_references=False):
                        obj = item.object
                        if name == "user":
                            if users.objects.filter(username=obj.username).exists():
                                skipped[name] += 1  # the same person: reused as is, never changed
                                continue
                            obj.pk = None
                            if not keep_passwords or not obj.password:
                                obj.set_unusable_password()
                            created_users.append(obj)
                        elif obj._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
                            obj.pk = None  # integer ids are the target's to give
                        elif (name, str(obj.pk)) in clash_ids:
                            skipped[name] += 1
                            continue
                        try:
                            with transaction.atomic():
                                item.save()
                        except IntegrityError as exc:
                            if not skip_existing:
                                raise BundleError(
                                    f"{name} {obj.pk or ''} conflicts with existing data ({exc}); "
                                    "nothing was imported"
                                ) from exc
                            skipped[name] += 1
                            continue
                        imported[name] += 1
                        if name == "workspace":
                            code_search.mark_pending([obj.pk])  # its code is indexed on search
                except serializers.base.DeserializationError as exc:
                    raise BundleError(f"{entry['file']}: {exc}; nothing was imported") from exc
            for user in created_users:
                if not Workspace.objects.filter(
                    created_by=user, workspace_type=WorkspaceType.PRIMARY
                ).exists():
                    create_primary_workspace(user)
            try:
                for payload in payloads.values():
                    blobs.put(payload)
            except OSError as exc:
                raise BundleError(f"writing the blobs failed ({exc}); no rows were imported") from exc
    except IntegrityError as exc:
        raise BundleError(f"the bundle conflicts with existing data ({exc}); nothing was imported") from exc
    imported["blobs"] = len(payloads)
    return {"imported": imported, "skipped": skipped}
