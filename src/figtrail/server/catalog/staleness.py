"""Stale figures: a figure whose latest revision was made from an older version of a tracked data file
than the newest one. When ``data.csv`` gets a new revision, every figure last drawn from an earlier one
is stale until it is published again from the new version.

:func:`stale_links` answers for many figures in one query: for each stale figure, the data files it
is behind on, each with the version its latest revision used and the newest one. The API shows it as
the figure's ``stale`` field (and ``?stale=true|false`` on ``figure/``), the web pages as a badge and,
on the figure page, the files and their newer versions; the asset page lists which revisions used
which of its versions (:func:`uses_of`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from figtrail.server.catalog.models import Asset, AssetLink, AssetRevision, Figure, Revision, api_index


@dataclass(frozen=True)
class Behind:
    """One data file a figure's latest revision used in an older version than the newest."""

    asset_id: Any
    asset_name: str
    used_id: Any  # the asset revision the figure's latest revision was made from
    used_number: int
    newest_id: Any
    newest_number: int

    def as_json(self) -> dict[str, Any]:
        return {
            "asset": str(self.asset_id),
            "name": self.asset_name,
            "used": {"api_id": str(self.used_id), "revision_index": api_index(self.used_number)},
            "newest": {"api_id": str(self.newest_id), "revision_index": api_index(self.newest_number)},
        }


def stale_links(figure_ids: Iterable[Any]) -> dict[Any, list[Behind]]:
    """``{figure id: [Behind, ...]}`` for the stale ones among ``figure_ids`` (ids, or a query of them), in
    one query: the links of each figure's latest revision (its index finds it) to a data file version
    older than that file's newest. Only the stale links come back, and a query of ids stays in the
    database: a list of 1,000 figures, mostly up to date, reads no row per figure."""
    ids = figure_ids if isinstance(figure_ids, QuerySet) else list(figure_ids)
    if not isinstance(ids, QuerySet) and not ids:
        return {}
    latest = _with_latest(ids).values("latest")
    newer = AssetRevision.objects.filter(asset=OuterRef("asset_revision__asset")).order_by("-revision_index")
    rows = (
        AssetLink.objects.filter(figure_revision__in=latest)
        .annotate(
            newest_id=Subquery(newer.values("pk")[:1]),
            newest_number=Subquery(newer.values("revision_index")[:1]),
        )
        .filter(newest_number__gt=F("asset_revision__revision_index"))
        .order_by()  # the links' own ordering would join the DISTINCT
        .values_list(
            "figure_revision__figure_id",
            "asset_revision__asset_id",
            "asset_revision__asset__name",
            "asset_revision_id",
            "asset_revision__revision_index",
            "newest_id",
            "newest_number",
        )
        .distinct()
    )
    found: dict[Any, list[Behind]] = defaultdict(list)
    for figure_id, *behind in rows:
        found[figure_id].append(Behind(*behind))
    return {figure_id: sorted(behind, key=lambda b: b.asset_name) for figure_id, behind in found.items()}


def _latest_revisions(figure_ids) -> dict[Any, Any]:
    """``{figure id: its latest revision's id}``, in one query (the figure and revision_index index)."""
    rows = _with_latest(list(figure_ids)).values_list("pk", "latest")
    return {figure_id: latest for figure_id, latest in rows if latest is not None}


def _with_latest(figure_ids) -> QuerySet[Figure]:
    """The figures, each with ``latest``: the id of its latest revision (None if it has none)."""
    newest = Revision.objects.filter(figure=OuterRef("pk")).order_by("-revision_index").values("pk")[:1]
    return Figure.objects.filter(pk__in=figure_ids).annotate(latest=Subquery(newest))


@dataclass(frozen=True)
class Use:
    """A figure revision made from one version of a data file."""

    revision: Revision
    version: AssetRevision
    latest_of_figure: bool


def uses_of(asset: Asset, limit: int = 500) -> list[Use]:
    """The figure revisions made from each version of ``asset`` (at most ``limit``), newest version
    first, then the figure's name and its revision number; each says whether it is its figure's latest
    (a latest revision made from an older version is what makes a figure stale)."""
    links = (
        AssetLink.objects.filter(asset_revision__asset=asset)
        .select_related("asset_revision", "figure_revision__figure")
        .order_by(
            "-asset_revision__revision_index",
            "figure_revision__figure__name",
            "figure_revision__revision_index",
        )
    )
    links = list(links[:limit])
    latest = _latest_revisions({link.figure_revision.figure_id for link in links})
    seen: set[tuple[Any, Any]] = set()
    uses = []
    for link in links:
        key = (link.figure_revision_id, link.asset_revision_id)
        if key in seen:  # one revision may use a version several ways (input, output)
            continue
        seen.add(key)
        latest_of_figure = latest.get(link.figure_revision.figure_id) == link.figure_revision_id
        uses.append(Use(link.figure_revision, link.asset_revision, latest_of_figure))
    return uses
