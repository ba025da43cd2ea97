"""A revision: its image, code, metadata, data tables, linked assets, QR code and downloads.

``/r/<short id or id>`` is the link the official client stamps on figures and prints in notebooks.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog import clean_room, revision_archive
from figtrail.server.catalog.data_formats import data_format
from figtrail.server.catalog.models import AssetLink, Revision
from figtrail.server.catalog.similar import find_similar
from figtrail.server.ids import parse_uuid
from figtrail.server.page_urls import absolute, revision_link
from figtrail.server.payload_responses import download_file_response, payload_route
from figtrail.server.web import payloads, viewer
from figtrail.server.web.highlight import highlight_code
from figtrail.server.web.navigation import breadcrumbs
from figtrail.server.web.qr import qr_svg
from figtrail.server.web.revision_parts import (
    FIGURE_KEYS,
    RUN_KEYS,
    environment,
    git_info,
    parameters,
    parts_of,
    recorded,
    view_label,
)
from figtrail.server.web.views.comments import comments_panel
from figtrail.server.web.views.insight import ai_panel
from figtrail.server.web.views.sharing import share_panel

TABLE_ROWS = 50


@declare(LINK)
@require_safe
def short_link(request: HttpRequest, ident: str) -> HttpResponse:
    """Find the revision by short id, then by id, and open its page if the visitor may see it.

    Short ids are a publisher's prefix and a counter: one printed on a figure leads to its neighbours.
    A revision the visitor may not see answers exactly as a short id nobody has (404), signed in or not,
    so that counting up from a known link reveals neither which revisions exist nor their ids."""
    revisions = Revision.objects.select_related("figure__analysis__workspace")
    revision = revisions.filter(short_id=ident).first()
    if revision is None and parse_uuid(ident):
        revision = revisions.filter(pk=ident).first()
    if revision is None or not viewer.can(request, revision):
        hint = "" if request.user.is_authenticated else " that you can see signed out; sign in if it is yours"
        raise Http404(f"No revision {ident}{hint}.")
    return redirect("web:revision", pk=revision.pk)


@declare(LINK)
@require_safe
def revision(request: HttpRequest, pk) -> HttpResponse:
    rev = viewer.fetch(
        request, Revision.objects.select_related("figure__analysis__workspace", "created_by"), pk
    )
    record = clean_room.record_of(rev)  # before its manifest is left out, for whom it is hidden
    hidden = viewer.hides_environment(request, rev)
    if hidden:
        viewer.shown(request, rev)
        record = record.without_environment() if record is not None else None
    parts = parts_of(rev)
    views = parts.views
    chosen = next((d for d in views if str(d.pk) == request.GET.get("view")), views[0] if views else None)
    siblings = Revision.objects.filter(figure=rev.figure)
    context = {
        "revision": rev,
        "figure": rev.figure,
        "crumbs": breadcrumbs(request, rev),
        "parts": parts,
        "views": [(d, view_label(d)) for d in views],
        "view": chosen,
        "view_format": data_format(chosen) if chosen else None,
        "code": [(d, _highlighted(d)) for d in parts.code],
        "open_code": request.GET.get("code", ""),  # a search's code hit: that file open, not the first
        "texts": [(d, *payloads.read_text(d)) for d in parts.text],
        "tables": [(d, _table_page(request, d)) for d in parts.tables],
        "links": _asset_links(request, rev),
        "environment": environment(rev.metadata),
        "git": git_info(rev.metadata),
        "parameters": parameters(rev.metadata),
        "notes": _listed(
            (rev.metadata or {}).get("figtrail_notes")
        ),  # what the client could not store, and why
        "pending": _listed((rev.metadata or {}).get("figtrail_pending")),
        "run": recorded(rev.metadata, RUN_KEYS),
        "facts": recorded(rev.metadata, FIGURE_KEYS),
        "link": absolute(request, revision_link(rev)),
        "qr": qr_svg(absolute(request, revision_link(rev))),
        "previous": siblings.filter(revision_index__lt=rev.revision_index)
        .order_by("-revision_index")
        .first(),
        "next": siblings.filter(revision_index__gt=rev.revision_index).order_by("revision_index").first(),
        "count": siblings.count(),
        "clean_room": record,
        "clean_room_parameters": record.parameters() if record else [],
        "environment_hidden": hidden,
        "share": share_panel(request, rev),
        "comments": comments_panel(request, rev),
        "ai": ai_panel(request, rev),
    }
    return render(request, "web/revision.html", context)


@declare(LINK)
@require_safe
def reproduce(request: HttpRequest, pk) -> HttpResponse:
    """The Reproduce zip of a clean-room revision: for whoever may see the revision page."""
    rev = viewer.fetch(request, Revision.objects.select_related("figure__analysis__workspace"), pk)
    record = clean_room.record_of(rev)
    if record is None:
        raise Http404(clean_room.NO_RECORD)
    if not record.reproducible:
        raise Http404(clean_room.NOT_PYTHON.format(language=record.language))
    hidden = viewer.hides_environment(request, rev)
    return clean_room.zip_response(
        record, rev, absolute(request, revision_link(rev)), hide_environment=hidden
    )


@declare(LINK)
@payload_route
@require_safe
def download_all(request: HttpRequest, pk) -> HttpResponse:
    """Every data object of the revision and its ``revision.json``, in one zip (``revision_archive``)."""
    rev = viewer.fetch(
        request, Revision.objects.select_related("figure__analysis__workspace", "created_by"), pk
    )
    hidden = viewer.hides_environment(request, rev)
    archive = revision_archive.write_archive(
        rev, absolute(request, revision_link(rev)), hide_environment=hidden
    )
    return download_file_response(archive, "zip", revision_archive.archive_name(rev))


@declare(LINK)
@require_safe
def similar(request: HttpRequest, pk) -> HttpResponse:
    """Near duplicates of the revision's picture in the workspaces the viewer is a member of, what is
    shared with them and what the share links they opened reach (``catalog.similar.find_similar``),
    nearest first, with thumbnails."""
    rev = viewer.fetch(request, Revision.objects.select_related("figure__analysis__workspace"), pk)
    tokens = viewer.share_tokens(request)
    phash, found, unread = find_similar(rev, viewer.actor(request), request.user, link_tokens=tokens)
    context = {
        "revision": rev,
        "figure": rev.figure,
        "crumbs": breadcrumbs(request, rev),
        "found": found,
        "has_picture": bool(phash),
        "unread": unread,
    }
    return render(request, "web/similar.html", context)


def _listed(value) -> list[str]:
    """A metadata value shown as a list of lines (a list, or one text)."""
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)] if value else []


def _highlighted(data):
    text, cut = payloads.read_text(data)
    return highlight_code(text, (data.metadata or {}).get("language")), cut


def _table_page(request: HttpRequest, data) -> payloads.TablePage | None:
    page = 1
    if request.GET.get("table") == str(data.pk):
        page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    return payloads.read_table(data, page, TABLE_ROWS)


def _asset_links(request: HttpRequest, rev: Revision) -> list[tuple[AssetLink, bool]]:
    """Each linked asset revision and whether the viewer may open it (a share of a figure does not
    extend to the data files it was made from)."""
    links = AssetLink.objects.filter(figure_revision=rev).select_related("asset_revision__asset")
    return [(link, viewer.can(request, link.asset_revision)) for link in links]
