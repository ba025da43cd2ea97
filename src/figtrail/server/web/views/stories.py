"""Stories in the web UI: the list on a workspace page, a story's page (slides, who wrote it, exports,
sharing), editing its words and order, and making one from figures of an analysis.

A story's slides show revisions that a reader of the story may not otherwise see (a story shared by link
covers its slides' images, not their figures), so slide images are served through the story (the
stories part's ``slide_image_response``), never through the revision thumbnail route.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from rest_framework.exceptions import NotFound, ValidationError

from figtrail.server.access.declarations import LINK, declare
from figtrail.server.access.policy import Level
from figtrail.server.api.errors import Conflict
from figtrail.server.catalog.models import Analysis, Figure, Workspace
from figtrail.server.ids import uuids_or_400
from figtrail.server.payload_responses import payload_response, payload_route
from figtrail.server.stories import editing, selection
from figtrail.server.stories.downloads import FORMATS, download
from figtrail.server.stories.models import Story, StorySlide, StoryStatus
from figtrail.server.stories.selection import figures_of
from figtrail.server.stories.slide_images import PictureTooLarge, slide_image_response
from figtrail.server.web import viewer
from figtrail.server.web.gate import json_endpoint
from figtrail.server.web.navigation import breadcrumbs
from figtrail.server.web.views.data import PLACEHOLDER, THUMBNAIL_SIZES
from figtrail.server.web.views.sharing import share_panel

OFFLINE_LABEL = "Offline summary, no language model"
TITLE_MAX = 500
ADDABLE_MAX = 500


def workspace_stories(workspace: Workspace) -> QuerySet[Story]:
    """The workspace's stories for its Stories tab, most recently changed first, with slide counts."""
    return workspace.stories.annotate(
        slide_count=Count("slides"), last_change=Coalesce("updated_on", "created_on")
    ).order_by("-last_change")


def provider_label(story: Story) -> str:
    """Who wrote the words: a model by name, or the honest offline label."""
    if story.status in (StoryStatus.GENERATING, StoryStatus.DRAFT) and not story.provider:
        return "Not written yet"
    if not story.is_llm:
        return OFFLINE_LABEL
    return f"Written by {story.provider}" + (f" ({story.model})" if story.model else "")


def _story(request: HttpRequest, pk, level: Level = Level.VIEW) -> Story:
    queryset = Story.objects.select_related("workspace", "analysis", "task", "created_by")
    return viewer.fetch(request, queryset, pk, level)


def _slides(request: HttpRequest, story: Story) -> list[dict]:
    slides = story.slides.select_related("story", "revision__figure__analysis").order_by("position", "api_id")
    return [
        {
            "slide": slide,
            "number": number,
            "revision": slide.shown_revision,
            "can_open": slide.shown_revision is not None and viewer.can(request, slide.shown_revision),
        }
        for number, slide in enumerate(slides, start=1)
    ]


@declare(LINK)
@require_safe
def story(request: HttpRequest, pk) -> HttpResponse:
    obj = _story(request, pk)
    context = {
        "story": obj,
        "crumbs": breadcrumbs(request, obj),
        "slides": _slides(request, obj),
        "label": provider_label(obj),
        "generating": obj.status == StoryStatus.GENERATING,
        "share": share_panel(request, obj),
        "can_edit": viewer.can(request, obj, Level.CREATE),
        "formats": ["pptx", "docx"],
    }
    return render(request, "web/stories/story.html", context)


@declare(LINK)
@json_endpoint
@require_GET
def status(request: HttpRequest, pk) -> JsonResponse:
    """What ``story.js`` polls while a story is being written."""
    obj = _story(request, pk)
    task = obj.task
    return JsonResponse(
        {
            "status": obj.status,
            "progress": task.progress if task else None,
            "task_status": task.status if task else None,
            "error": (task.error or "") if task else "",
        }
    )


@declare(LINK)
@payload_route
@require_GET
def slide_image(request: HttpRequest, pk, slide: str, size: str) -> HttpResponse:
    """A thumbnail of one slide's revision, for anyone who may read the story."""
    obj = _story(request, pk)
    found = StorySlide.objects.filter(story=obj, pk=slide).select_related("revision").first()
    if found is None:
        raise Http404("No such slide in this story.")
    try:
        return slide_image_response(found, int(size) if int(size) in THUMBNAIL_SIZES else 640)
    except (NotFound, PictureTooLarge):  # no picture, or one over the pixel budget: never decoded
        return payload_response(PLACEHOLDER.encode(), "svg", inline=True, filename="placeholder.svg")


@declare(LINK)
@payload_route
@require_GET
def export(request: HttpRequest, pk, fmt: str) -> HttpResponse:
    """The story as a PowerPoint or Word file, made by the stories exporter (as the API makes it)."""
    obj = _story(request, pk)
    if fmt not in FORMATS:
        raise Http404(f"No export format {fmt!r}.")
    return download(request, obj, fmt)


@declare(Level.CREATE)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk) -> HttpResponse:
    """Edit the title, summary and every slide's words; move a slide up or down, or remove it."""
    obj = _story(request, pk, Level.CREATE)
    if request.method == "POST":
        if obj.status == StoryStatus.GENERATING:
            messages.error(request, "The story is being written; edit it when it is done.")
            return redirect("web:story", pk=obj.pk)
        messages.info(request, _change(request, obj))
        if request.POST.get("slide_action") or request.POST.get("stay"):
            return redirect("web:story-edit", pk=obj.pk)
        return redirect("web:story", pk=obj.pk)
    slides = _slides(request, obj)
    for item in slides:  # the revisions a slide may be pinned to: its figure's
        revision = item["revision"]
        item["choices"] = (
            list(revision.figure.revisions.order_by("-revision_index").values_list("pk", "revision_index"))
            if revision is not None
            else []
        )
    context = {
        "story": obj,
        "crumbs": breadcrumbs(request, obj),
        "slides": slides,
        "label": provider_label(obj),
        "addable": addable_figures(request, obj),
    }
    return render(request, "web/stories/edit.html", context)


def _change(request: HttpRequest, story: Story) -> str:
    """Save the form's words, and apply a slide action (``up:<id>``, ``down:<id>``, ``remove:<id>``);
    returns what to tell the editor."""
    post = request.POST
    slides = list(story.slides.order_by("position", "api_id"))
    items = [
        {"api_id": slide.pk}
        | {
            name: post.get(f"slide-{slide.pk}-{name}", "").strip()
            for name in ("title", "description", "transition")
        }
        | _pinned(post, slide)
        for slide in slides
    ]
    try:
        note = _added(request, story, items) or _reorder(items, post.get("slide_action", ""))
    except ValidationError as error:
        return _first_error(error)
    data = {
        "title": post.get("title", story.title).strip()[:TITLE_MAX],
        "summary": post.get("summary", "").strip(),
    }
    try:
        editing.change_story(viewer.actor(request), request.user, story, data | {"slides": items})
    except ValidationError as error:
        return _first_error(error)
    if story.status == StoryStatus.FAILED:  # written by hand from now on
        Story.objects.filter(pk=story.pk).update(status=StoryStatus.DRAFT)
    return note or "The story is saved."


def _pinned(post, slide: StorySlide) -> dict:
    """A slide pinned to another revision of its figure (``slide-<id>-revision``), as the API's
    ``slides[].revision`` does; ``stories.editing`` checks it may be seen and is in the story's workspace."""
    chosen = post.get(f"slide-{slide.pk}-revision", "")
    return {"revision": chosen} if chosen and chosen != str(slide.revision_id) else {}


def _added(request: HttpRequest, story: Story, items: list[dict]) -> str:
    """``slide_action=add``: a new last slide showing the latest revision of the figure chosen
    (``add_figure``), as a new ``slides[]`` item with a revision is in the API."""
    if request.POST.get("slide_action") != "add":
        return ""
    figure_id = uuids_or_400([request.POST.get("add_figure", "")], "add_figure")
    figures = selection.figures_by_id(viewer.actor(request), figure_id, "add_figure")
    latest = selection.latest_revisions(figures, "add_figure")[0]
    items.append({"revision": str(latest.pk), "title": latest.figure.name[:TITLE_MAX]})
    return f"“{latest.figure.name}” is added as the last slide."


def addable_figures(request: HttpRequest, story: Story) -> list[Figure]:
    """Figures of the story's workspace with a revision to show, for "Add a figure" (a story shows its
    own workspace's figures only)."""
    figures = (
        Figure.objects.filter(analysis__workspace=story.workspace_id, revisions__isnull=False)
        .select_related("analysis")
        .distinct()
        .order_by("analysis__name", "name")
    )
    return list(figures[:ADDABLE_MAX])


def _reorder(items: list[dict], action: str) -> str:
    verb, _, slide_id = action.partition(":")
    index = next((i for i, item in enumerate(items) if str(item["api_id"]) == slide_id), None)
    if index is None:
        return ""
    if verb == "remove":
        items.pop(index)
        return "The slide is removed."
    other = index - 1 if verb == "up" else index + 1
    if verb in ("up", "down") and 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        return "The slide is moved."
    return ""


def _first_error(error: ValidationError) -> str:
    detail = error.detail
    if isinstance(detail, dict):
        detail = next(iter(detail.values()))
    if isinstance(detail, list):
        detail = detail[0]
    return str(detail)


@declare(Level.CREATE)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, pk) -> HttpResponse:
    """Pick figures of an analysis (all ticked at first), then the story is written in the background."""
    analysis = viewer.fetch(request, Analysis.objects.select_related("workspace"), pk, Level.CREATE)
    figures = figures_of(analysis)
    if request.method == "POST":
        chosen = set(request.POST.getlist("figure"))
        picked = [str(f.pk) for f in figures if str(f.pk) in chosen]
        if not picked:
            messages.error(request, "Choose at least one figure.")
        else:
            try:
                made = _create(request, analysis, picked, request.POST.get("title", ""))
            except ValidationError as error:
                messages.error(request, _first_error(error))
            else:
                return redirect("web:story", pk=made.pk)
    context = {"analysis": analysis, "crumbs": breadcrumbs(request, analysis), "figures": figures}
    return render(request, "web/stories/new.html", context)


def _create(request: HttpRequest, analysis: Analysis, figure_ids: list[str], title: str) -> Story:
    """Make the story as the API does (``stories.editing``), then queue its writing."""
    data = {
        "analysis": analysis.pk,
        "figure_ids": figure_ids,
        "title": title.strip()[:TITLE_MAX],
        "generate": True,
    }
    made = editing.create_story(viewer.actor(request), request.user, data)
    editing.queue_writing(made, request.user)
    return made


@declare(Level.CREATE)
@require_POST
def regenerate(request: HttpRequest, pk) -> HttpResponse:
    """Write the story's words again (after a failure, or to start over from the figures)."""
    obj = _story(request, pk, Level.CREATE)
    try:
        editing.start_rewriting(obj, request.user, new_title=False)
    except ValidationError as error:
        messages.error(request, _first_error(error))
    except Conflict:
        pass  # being written already: the story page shows its progress
    return redirect("web:story", pk=obj.pk)
