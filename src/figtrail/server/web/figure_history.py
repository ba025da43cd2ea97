"""A figure's history as its page shows it: what changed from one revision to the next, the metadata
that varies across the revisions (the parameters a user swept), and the strip of every revision.

``what_changed`` compares each revision on a page with the one before it (by number) through the
hashes of its data objects, with one query for all of them: "code changed", "data changed"
(tables, files, linked data file versions), "environment changed" (package lists, system info, the
interpreter) and "image identical". ``parameters`` finds the metadata keys whose values differ
between revisions, the user's own first; ``filmstrip`` is every revision, oldest first, for the
scrubber (the page lists thirty at a time).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from figtrail.server.catalog.models import AssetLink, Data, DataType, Figure, Revision
from figtrail.server.web.diffs import flatten
from figtrail.server.web.revision_parts import ENVIRONMENT_KEYS, PACKAGE_TEXT_NAMES, git_info, is_provenance

ENVIRONMENT_TEXTS = PACKAGE_TEXT_NAMES | {"system info", "sessioninfo"}
HISTORY_FORMAT = "jupyter-history/json"  # every cell run so far: it changes with every run, not the code
SHOWN_PER_ROW = 4  # varying values shown in a timeline row; the parameter table has them all


@dataclass
class Change:
    """One revision against the one before it; ``first`` when there is none."""

    first: bool = False
    code: bool = False
    data: bool = False
    environment: bool = False
    image_identical: bool = False
    git: dict[str, Any] | None = None
    values: list[tuple[str, str]] = field(default_factory=list)  # the varying keys, user's first


@dataclass
class _Fingerprint:
    code: frozenset[str] = frozenset()
    data: frozenset[str] = frozenset()
    environment: frozenset[str] = frozenset()
    image: str | None = None


def parameters(metadata_rows: list[dict | None]) -> list[str]:
    """The flattened metadata keys whose value is not the same in every revision (missing counts as a
    value): the user's own keys first, then the provenance ones (a git commit, a notebook), each sorted."""
    seen: dict[str, set[str]] = defaultdict(set)
    flats = [flatten(row or {}) for row in metadata_rows]
    keys = {key for flat in flats for key in flat}
    for flat in flats:
        for key in keys:
            seen[key].add(flat.get(key, "\0missing"))
    varying = [key for key in keys if len(seen[key]) > 1 and not _bulky(key)]
    return sorted(varying, key=lambda key: (_is_provenance(key), key))


def what_changed(revisions: list[Revision], figure: Figure, keys: list[str]) -> dict[Any, Change]:
    """A :class:`Change` for each revision, against the revision numbered just before it."""
    if not revisions:
        return {}
    indexes = [rev.revision_index for rev in revisions]
    previous = (
        Revision.objects.filter(figure=figure, revision_index__lt=min(indexes))
        .order_by("-revision_index")
        .only("pk", "revision_index", "metadata")
        .first()
    )
    everyone = [*revisions, *([previous] if previous is not None else [])]
    prints = _fingerprints([rev.pk for rev in everyone])
    ordered = sorted(everyone, key=lambda rev: rev.revision_index)
    before = {later.pk: earlier for earlier, later in zip(ordered, ordered[1:], strict=False)}
    shown = [key for key in keys if not key.startswith("git.")][:SHOWN_PER_ROW]  # git has its badge
    changes = {}
    for rev in revisions:
        flat = flatten(rev.metadata or {})
        change = Change(git=_git(rev.metadata), values=[(key, flat.get(key, "")) for key in shown])
        earlier = before.get(rev.pk)
        if earlier is None:
            change.first = True
        else:
            now, then = prints[rev.pk], prints[earlier.pk]
            change.code = now.code != then.code
            change.data = now.data != then.data
            change.environment = now.environment != then.environment or _environment(rev) != _environment(
                earlier
            )
            change.image_identical = now.image is not None and now.image == then.image
        changes[rev.pk] = change
    return changes


def filmstrip(figure: Figure, size: int = 320) -> list[dict[str, Any]]:
    """Every revision, oldest first: its id, number, when, and where its thumbnail and page are."""
    rows = figure.revisions.order_by("revision_index").values_list("pk", "revision_index", "created_on")
    thumbnail, page = (
        _url_pattern("web:thumbnail", size),
        _url_pattern("web:revision"),
    )  # not 2 reverse() a row
    return [
        {
            "id": str(pk),
            "number": number,
            "when": created.isoformat() if created else None,
            "thumbnail": thumbnail.replace(_PLACEHOLDER, str(pk)),
            "page": page.replace(_PLACEHOLDER, str(pk)),
        }
        for pk, number, created in rows
    ]


_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


def _url_pattern(name: str, *rest: Any) -> str:
    return reverse(name, args=[_PLACEHOLDER, *rest])


def _fingerprints(revision_ids: list[Any]) -> dict[Any, _Fingerprint]:
    """Each revision's data hashes, sorted into what the badges compare (one query, plus one for links)."""
    parts: dict[Any, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    images: dict[Any, list[tuple[bool, int, str]]] = defaultdict(list)
    rows = Data.objects.filter(revision_id__in=revision_ids).values_list(
        "revision_id", "type", "name", "hash", "metadata", "position"
    )
    for revision_id, kind, name, digest, metadata, position in rows:
        metadata = metadata or {}
        fmt = str(metadata.get("format") or "").lower()
        label = (name or "").strip().lower()
        if kind == DataType.IMAGE:
            if fmt in ("png", ""):
                images[revision_id].append((bool(metadata.get("is_watermarked")), position, digest))
        elif kind == DataType.CODE and fmt != HISTORY_FORMAT:
            parts[revision_id]["code"].add(digest)
        elif kind == DataType.TEXT and label in ENVIRONMENT_TEXTS:
            parts[revision_id]["environment"].add(digest)
        elif kind == DataType.DATAFRAME or (kind == DataType.FILE and fmt != "pickle"):
            parts[revision_id]["data"].add(digest)
    links = AssetLink.objects.filter(figure_revision_id__in=revision_ids).values_list(
        "figure_revision_id", "asset_revision_id"
    )
    for revision_id, asset_revision_id in links:
        parts[revision_id]["data"].add(f"asset:{asset_revision_id}")
    return {
        rid: _Fingerprint(
            code=frozenset(parts[rid]["code"]),
            data=frozenset(parts[rid]["data"]),
            environment=frozenset(parts[rid]["environment"]),
            image=min(images[rid])[2] if images[rid] else None,  # the unwatermarked PNG, first
        )
        for rid in revision_ids
    }


def _environment(revision: Revision) -> tuple[str, ...]:
    metadata = revision.metadata or {}
    return tuple(str(metadata.get(key, "")) for key in ENVIRONMENT_KEYS)


def _git(metadata: dict | None) -> dict[str, Any] | None:
    git = git_info(metadata)
    if git is None or not git.get("hash"):
        return None
    return {"short": str(git["hash"])[:8], "hash": str(git["hash"]), "dirty": bool(git.get("dirty"))}


def _is_provenance(key: str) -> bool:
    return is_provenance(key.split(".", 1)[0])


def _bulky(key: str) -> bool:
    """Keys that change with every run and say nothing a user swept: the cell id, the run count."""
    return key in ("cell_id", "execution_count") or key.startswith(("series", "axes"))
