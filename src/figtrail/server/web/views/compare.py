"""Comparing two revisions of a figure: four image modes, and what changed in code and metadata.

Modes: side by side (synchronised zoom and pan), a before/after slider, an overlay with adjustable
opacity, and a pixel difference computed on the server. Without JavaScript the images still show.
Signed-in readers can ask the AI to explain the differences (``views.insight.explain_compare``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.catalog.models import Data, Revision
from figtrail.server.images import ImageTooLarge
from figtrail.server.payload_responses import payload_response, payload_route
from figtrail.server.web import payloads, viewer
from figtrail.server.web.diffs import cached_pixel_diff, metadata_diff, text_diff
from figtrail.server.web.navigation import breadcrumbs
from figtrail.server.web.revision_parts import primary_raster, primary_static
from figtrail.server.web.views.insight import compare_ai

MODES = {"side": "Side by side", "slider": "Slider", "overlay": "Overlay", "diff": "Pixel difference"}
PICKER_LIMIT = 200


def _pair(request: HttpRequest) -> tuple[Revision, Revision]:
    a_id, b_id = request.GET.get("a"), request.GET.get("b")
    if not a_id or not b_id:
        raise Http404("Pick two revisions to compare (?a=<id>&b=<id>).")
    queryset = Revision.objects.select_related("figure__analysis__workspace", "created_by")
    a, b = viewer.fetch(request, queryset, a_id), viewer.fetch(request, queryset, b_id)
    if a.figure_id != b.figure_id:
        raise Http404("Both revisions must belong to the same figure.")
    return (a, b) if a.revision_index <= b.revision_index else (b, a)


def _texts(revision: Revision, kind: str) -> dict[str, Data]:
    return {(d.name or f"{kind} {d.position + 1}"): d for d in revision.data.filter(type=kind)}


def _text_diffs(a: Revision, b: Revision, kind: str) -> list:
    old, new = _texts(a, kind), _texts(b, kind)
    diffs = []
    for name in list(old) + [n for n in new if n not in old]:
        old_text = payloads.read_text(old[name])[0] if name in old else None
        new_text = payloads.read_text(new[name])[0] if name in new else None
        diffs.append(text_diff(name, old_text, new_text))
    return diffs


@declare(LINK)
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    a, b = _pair(request)
    mode = request.GET.get("mode") if request.GET.get("mode") in MODES else "side"
    image_a, image_b = primary_static(a), primary_static(b)
    raster_a, raster_b = primary_raster(a), primary_raster(b)
    pixels, too_large = None, None
    if mode == "diff" and raster_a and raster_b:
        try:
            pixels = cached_pixel_diff(raster_a, raster_b)
        except ImageTooLarge as exc:
            too_large = str(exc)  # never decoded: the page says why there is no difference
    rows = metadata_diff(a.metadata, b.metadata)
    context = {
        "a": a,
        "b": b,
        "figure": a.figure,
        "crumbs": breadcrumbs(request, a.figure),
        "mode": mode,
        "modes": MODES.items(),
        "image_a": image_a,
        "image_b": image_b,
        "can_diff": bool(raster_a and raster_b) and too_large is None,
        "diff_too_large": too_large,
        "pixels": pixels,
        "changed_percent": f"{pixels.changed_fraction * 100:.2f}" if pixels else None,
        "diff_url": reverse("web:pixel-diff") + f"?a={a.pk}&b={b.pk}",
        "code_diffs": _text_diffs(a, b, "code"),
        "text_diffs": _text_diffs(a, b, "text"),
        "metadata_rows": rows,
        "metadata_changes": sum(1 for row in rows if row.status != "same"),
        "ai": compare_ai(request),
        "choices": a.figure.revisions.order_by("-revision_index").only("pk", "revision_index", "created_on")[
            :PICKER_LIMIT
        ],
    }
    return render(request, "web/compare.html", context)


@declare(LINK)
@payload_route
@require_GET
def pixel_diff_png(request: HttpRequest) -> HttpResponse:
    a, b = _pair(request)
    raster_a, raster_b = primary_raster(a), primary_raster(b)
    if raster_a is None or raster_b is None:
        raise Http404("A pixel difference needs a raster image (PNG) in both revisions.")
    try:
        result = cached_pixel_diff(raster_a, raster_b)
    except ImageTooLarge as exc:  # a decompression bomb is refused before any pixel is decoded
        return JsonResponse({"detail": str(exc), "code": exc.code}, status=422)
    response = payload_response(
        result.png, "png", inline=True, filename="diff.png", cache="private, max-age=86400"
    )
    response["X-Changed-Fraction"] = f"{result.changed_fraction:.6f}"
    return response
