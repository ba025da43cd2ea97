"""Comparing two revisions: four image modes, and what changed in code, data, metadata and text.

Any two revisions the viewer may see can be compared, of one figure or of two (another analysis,
another workspace): each side is fetched through ``viewer`` like any page's object, so a revision the
viewer may not see answers as an id nobody has. Two revisions of one figure are shown older as A; two
of different figures as they were asked for.

Modes: side by side, a before/after slider, an overlay with adjustable opacity, and a pixel difference
computed on the server with a tolerance; every mode zooms and pans (``compare.js``). Images of
different sizes are laid, unscaled, on one canvas where their content matches best (or centred, or at
the top left: ``align``), the same way in every mode and in the pixel difference. Code objects are
paired by name and then by content (``code_diff``), data frames are diffed by rows and columns
(``table_diff``), and the data files each revision was made from say whether their version changed.
Without JavaScript the images, the diffs and every control (links and forms) still work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog.models import AssetLink, Data, DataType, Revision
from figtrail.server.ids import parse_uuid
from figtrail.server.images import ImageTooLarge
from figtrail.server.payload_responses import payload_response, payload_route
from figtrail.server.web import payloads, viewer
from figtrail.server.web.code_diff import Code, code_diffs
from figtrail.server.web.diffs import (
    ALIGNMENTS,
    MAX_TOLERANCE,
    PIXEL_THRESHOLD,
    Placement,
    cached_pixel_diff,
    cached_placement,
    metadata_diff,
    text_diff,
)
from figtrail.server.web.navigation import breadcrumbs
from figtrail.server.web.revision_parts import primary_raster, primary_static
from figtrail.server.web.table_diff import FrameDiff, frame_diff
from figtrail.server.web.views.insight import compare_ai

MODES = {"side": "Side by side", "slider": "Slider", "overlay": "Overlay", "diff": "Pixel difference"}
CODE_VIEWS = {"unified": "Unified", "split": "Split"}
PICKER_LIMIT = 200
# a revision named by a link to it: /r/<short id or id> or /revision/<id>, on any host
LINKED = re.compile(r"/(?:r|revision)/([A-Za-z0-9_.:-]+)")


def _queryset():
    return Revision.objects.select_related("figure__analysis__workspace", "created_by")


def _revision(request: HttpRequest, reference: str | None) -> Revision:
    """The revision a reference names (an id, a short id, or a link to either), if the viewer may see
    it: the checks and answers of ``viewer.fetch``, and for a short id those of the ``/r/`` link."""
    reference = (reference or "").strip()
    linked = LINKED.search(reference)
    if linked:
        reference = linked.group(1)
    if not reference:
        raise Http404("Pick two revisions to compare (?a=<id>&b=<id>).")
    if parse_uuid(reference):
        return viewer.shown(request, viewer.fetch(request, _queryset(), reference))
    revision = _queryset().filter(short_id=reference).first()
    if revision is None or not viewer.can(request, revision):
        raise Http404(f"No revision {reference}.")
    return viewer.shown(request, revision)  # without the environment, for whom it is hidden


def _pair(request: HttpRequest) -> tuple[Revision, Revision]:
    a, b = _revision(request, request.GET.get("a")), _revision(request, request.GET.get("b"))
    if a.figure_id == b.figure_id and a.revision_index > b.revision_index:
        return b, a  # one figure: the older is A
    return a, b


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value or default)))
    except ValueError:
        return default


@dataclass
class Options:
    mode: str
    tolerance: int
    align: str
    code_view: str

    @classmethod
    def of(cls, request: HttpRequest) -> Options:
        get = request.GET
        return cls(
            get.get("mode") if get.get("mode") in MODES else "side",
            _int(get.get("tol"), PIXEL_THRESHOLD, 0, MAX_TOLERANCE),
            get.get("align") if get.get("align") in ALIGNMENTS else "auto",
            get.get("code") if get.get("code") in CODE_VIEWS else "unified",
        )

    def query(self, a: Revision, b: Revision, **changes) -> str:
        params = {"a": a.pk, "b": b.pk, "mode": self.mode}
        if self.tolerance != PIXEL_THRESHOLD:
            params["tol"] = self.tolerance
        if self.align != "auto":
            params["align"] = self.align
        if self.code_view != "unified":
            params["code"] = self.code_view
        params.update(changes)
        return urlencode(params)

    def url(self, a: Revision, b: Revision, **changes) -> str:
        return reverse("web:compare") + "?" + self.query(a, b, **changes)


def _neighbours(request: HttpRequest, revision: Revision) -> tuple[Revision | None, Revision | None]:
    """The previous and the next revision of its figure that the viewer may see."""
    siblings = Revision.objects.filter(figure_id=revision.figure_id).select_related(
        "figure__analysis__workspace"
    )
    before = siblings.filter(revision_index__lt=revision.revision_index).order_by("-revision_index")[:1]
    after = siblings.filter(revision_index__gt=revision.revision_index).order_by("revision_index")[:1]
    previous, following = next(iter(before), None), next(iter(after), None)
    return (
        previous if previous is not None and viewer.can(request, previous) else None,
        following if following is not None and viewer.can(request, following) else None,
    )


def _navigation(request: HttpRequest, a: Revision, b: Revision, options: Options) -> dict[str, str | None]:
    """Where ←/→ (B) and shift+←/→ (A) go: the same comparison with one side one revision along."""
    a_prev, a_next = _neighbours(request, a)
    b_prev, b_next = _neighbours(request, b)
    return {
        "a_prev": options.url(a_prev, b) if a_prev else None,
        "a_next": options.url(a_next, b) if a_next else None,
        "b_prev": options.url(a, b_prev) if b_prev else None,
        "b_next": options.url(a, b_next) if b_next else None,
    }


def _texts(revision: Revision, kind: str) -> dict[str, Data]:
    # from data.all(): what ``viewer.shown`` left of it
    return {(d.name or f"{kind} {d.position + 1}"): d for d in revision.data.all() if d.type == kind}


def _text_diffs(a: Revision, b: Revision, kind: str) -> list:
    old, new = _texts(a, kind), _texts(b, kind)
    diffs = []
    for name in list(old) + [n for n in new if n not in old]:
        old_text = payloads.read_text(old[name])[0] if name in old else None
        new_text = payloads.read_text(new[name])[0] if name in new else None
        diffs.append(text_diff(name, old_text, new_text))
    return diffs


def _code(revision: Revision) -> list[Code]:
    return [
        Code(name, payloads.read_text(data)[0], (data.metadata or {}).get("language"))
        for name, data in _texts(revision, DataType.CODE).items()
    ]


def _frame_diffs(a: Revision, b: Revision) -> list[FrameDiff]:
    """Each data frame of either revision against the one of the same name in the other; when one
    frame of each is left over, those two (a frame renamed)."""
    old, new = _texts(a, DataType.DATAFRAME), _texts(b, DataType.DATAFRAME)
    only_old, only_new = [n for n in old if n not in new], [n for n in new if n not in old]
    renamed = (only_old[0], only_new[0]) if len(only_old) == len(only_new) == 1 else None
    diffs = []
    for name in new:
        if renamed and name == renamed[1]:
            diffs.append(frame_diff(f"{renamed[0]} → {name}", old[renamed[0]], new[name]))
        else:
            diffs.append(frame_diff(name, old.get(name), new[name]))
    diffs += [frame_diff(n, old[n], None) for n in only_old if not renamed]
    return diffs


@dataclass
class FileChange:
    name: str
    old: AssetLink | None
    new: AssetLink | None
    old_visible: bool
    new_visible: bool
    status: str  # "same", "changed" (another version), "same content", "added", "removed"


def _content(link: AssetLink) -> set[str]:
    return {d.hash for d in link.asset_revision.data.all()}


def _file_changes(request: HttpRequest, a: Revision, b: Revision) -> list[FileChange]:
    """The data files (asset revisions) each revision was made from, matched by asset, else by name:
    whether B was made from the same version as A."""

    def links(revision: Revision) -> list[AssetLink]:
        return list(
            AssetLink.objects.filter(figure_revision=revision)
            .select_related("asset_revision__asset")
            .prefetch_related("asset_revision__data")
        )

    old, new = links(a), links(b)
    matched: list[tuple[AssetLink | None, AssetLink | None]] = []
    rest = list(old)
    for link in new:
        same = next((o for o in rest if o.asset_revision.asset_id == link.asset_revision.asset_id), None)
        same = same or next(
            (o for o in rest if o.asset_revision.asset.name == link.asset_revision.asset.name), None
        )
        if same is not None:
            rest.remove(same)
        matched.append((same, link))
    matched += [(o, None) for o in rest]
    changes = []
    for before, after in matched:
        if before is None or after is None:
            status = "added" if before is None else "removed"
        elif before.asset_revision_id == after.asset_revision_id:
            status = "same"
        elif _content(before) == _content(after):
            status = "same content"
        else:
            status = "changed"
        name = (after or before).asset_revision.asset.name  # type: ignore[union-attr]
        changes.append(
            FileChange(
                name,
                before,
                after,
                before is not None and viewer.can(request, before.asset_revision),
                after is not None and viewer.can(request, after.asset_revision),
                status,
            )
        )
    return changes


def _placement(raster_a: Data | None, raster_b: Data | None, align: str) -> Placement | None:
    if raster_a is None or raster_b is None:
        return None
    try:
        return cached_placement(raster_a, raster_b, align)
    except (ImageTooLarge, OSError):  # the page lays them out from their own sizes (centred)
        return None


def _redirect_to_other(request: HttpRequest, options: Options) -> HttpResponse | None:
    """The "compare with another revision" form: one side replaced by the revision typed (an id, a short
    id or a link), then the page at its own address."""
    other = (request.GET.get("other") or "").strip()
    if not other:
        return None
    side = "a" if request.GET.get("side") == "a" else "b"
    revision = _revision(request, other)
    keep = _revision(request, request.GET.get("b" if side == "a" else "a"))
    a, b = (revision, keep) if side == "a" else (keep, revision)
    return redirect(options.url(a, b))


@declare(LINK)
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    options = Options.of(request)
    moved = _redirect_to_other(request, options)
    if moved is not None:
        return moved
    a, b = _pair(request)
    image_a, image_b = primary_static(a), primary_static(b)
    raster_a, raster_b = primary_raster(a), primary_raster(b)
    pixels, too_large = None, None
    if options.mode == "diff" and raster_a and raster_b:
        try:
            pixels = cached_pixel_diff(raster_a, raster_b, options.tolerance, options.align)
        except ImageTooLarge as exc:
            too_large = str(exc)  # never decoded: the page says why there is no difference
    rows = metadata_diff(a.metadata, b.metadata)
    same_figure = a.figure_id == b.figure_id
    codes = code_diffs(_code(a), _code(b))
    frames = _frame_diffs(a, b)
    context = {
        "a": a,
        "b": b,
        "figure": a.figure,
        "same_figure": same_figure,
        "crumbs": breadcrumbs(request, a.figure),
        "mode": options.mode,
        "modes": MODES.items(),
        "mode_urls": [(key, label, options.url(a, b, mode=key)) for key, label in MODES.items()],
        "options": options,
        "alignments": ALIGNMENTS.items(),
        "max_tolerance": MAX_TOLERANCE,
        "image_a": image_a,
        "image_b": image_b,
        "placement": _placement(raster_a, raster_b, options.align),
        "can_diff": bool(raster_a and raster_b) and too_large is None,
        "diff_too_large": too_large,
        "pixels": pixels,
        "changed_percent": f"{pixels.changed_fraction * 100:.2f}" if pixels else None,
        "diff_url": reverse("web:pixel-diff")
        + "?"
        + urlencode({"a": a.pk, "b": b.pk, "tol": options.tolerance, "align": options.align}),
        "code_diffs": codes,
        "code_changes": sum(1 for d in codes if d.status != "same"),
        "code_views": [(key, label, options.url(a, b, code=key)) for key, label in CODE_VIEWS.items()],
        "frame_diffs": frames,
        "frame_changes": sum(1 for d in frames if d.status != "same"),
        "file_changes": _file_changes(request, a, b),
        "text_diffs": _text_diffs(a, b, "text"),
        "metadata_rows": rows,
        "metadata_changes": sum(1 for row in rows if row.status != "same"),
        "ai": compare_ai(request) if same_figure else None,
        "navigation": _navigation(request, a, b, options),
        "swap_url": options.url(b, a),
        "choices_a": a.figure.revisions.order_by("-revision_index").only(
            "pk", "revision_index", "created_on"
        )[:PICKER_LIMIT],
        "choices_b": b.figure.revisions.order_by("-revision_index").only(
            "pk", "revision_index", "created_on"
        )[:PICKER_LIMIT],
    }
    return render(request, "web/compare.html", context)


@declare(LINK)
@payload_route
@require_GET
def pixel_diff_png(request: HttpRequest) -> HttpResponse:
    a, b = _pair(request)
    options = Options.of(request)
    raster_a, raster_b = primary_raster(a), primary_raster(b)
    if raster_a is None or raster_b is None:
        raise Http404("A pixel difference needs a raster image (PNG) in both revisions.")
    try:
        result = cached_pixel_diff(raster_a, raster_b, options.tolerance, options.align)
    except ImageTooLarge as exc:  # a decompression bomb is refused before any pixel is decoded
        return JsonResponse({"detail": str(exc), "code": exc.code}, status=422)
    response = payload_response(
        result.png, "png", inline=True, filename="diff.png", cache="private, max-age=86400"
    )
    response["X-Changed-Fraction"] = f"{result.changed_fraction:.6f}"
    return response
