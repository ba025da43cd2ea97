"""The "Ask AI" panel of a revision page: a question answered as a stream, the code that draws the figure,
and ``ai_title`` / ``ai_description`` written on request.

These are web routes (session and CSRF, like every form of the UI) that call the same code as the API's
``ai/`` endpoints (``figtrail.server.insight``), so answers are admitted, limited and counted alike. The
browser cannot POST with ``EventSource``; ``static/web/insight.js`` reads the event stream with
``fetch()``. Every answer names who wrote it; offline answers say they are not a language model's.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from figtrail.ai import Prompt, Purpose
from figtrail.server.access.declarations import declare
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Figure, Revision
from figtrail.server.insight import calls, limits
from figtrail.server.insight.bodies import MAX_QUESTION
from figtrail.server.insight.describe import queue_describe
from figtrail.server.insight.facts import revision_facts
from figtrail.server.insight.views import extracted_code
from figtrail.server.sse import sse_response
from figtrail.server.web import viewer
from figtrail.server.web.errors import error_detail, field_refusal, json_refusal
from figtrail.server.web.gate import json_endpoint

OFFLINE = "Offline summary, no language model"


def provider_label(name: str, is_llm: bool, model: str = "") -> str:
    if not is_llm:
        return OFFLINE
    return f"{name}" + (f" · {model}" if model else "")


def availability(request: HttpRequest) -> tuple[str, str]:
    """Who would answer now (a label) and, if nobody may, why not: the provider's configuration first,
    then the user's rate and monthly quota (``insight.limits``, which the API's availability reads too)."""
    try:
        provider = calls.current_provider()
    except APIException as error:
        return "", error_detail(error)
    refusals = limits.refusals(request.user)
    label = provider_label(provider.name, provider.is_llm, provider.model)
    return label, refusals[0].detail if refusals else ""


def ai_panel(request: HttpRequest, revision: Revision) -> dict | None:
    """What the panel shows: None for signed-out visitors (AI calls are counted per user)."""
    if not request.user.is_authenticated:
        return None
    label, reason = availability(request)
    return {
        "available": not reason,
        "reason": reason,
        "label": label,
        "can_describe": viewer.can(request, revision, Level.CREATE),
    }


def figure_ai(request: HttpRequest, figure: Figure) -> dict | None:
    """The figure page's "Describe with AI": editors of a figure that has a revision to describe."""
    if not request.user.is_authenticated or not viewer.can(request, figure, Level.CREATE):
        return None
    if not figure.revisions.exists():
        return None
    label, reason = availability(request)
    return {"available": not reason, "reason": reason, "label": label}


def compare_ai(request: HttpRequest) -> dict | None:
    """The compare page's "Explain the differences": any signed-in reader of both revisions."""
    if not request.user.is_authenticated:
        return None
    label, reason = availability(request)
    return {"available": not reason, "reason": reason, "label": label}


def _revision(request: HttpRequest, pk, level: Level = Level.VIEW) -> Revision:
    queryset = Revision.objects.select_related("figure__analysis__workspace")
    return viewer.fetch(request, queryset, pk, level)


def _refused(error: APIException) -> JsonResponse:
    return json_refusal(error.status_code, error_detail(error))


@declare(Level.VIEW)
@json_endpoint
@require_POST
def ask(request: HttpRequest, pk) -> HttpResponse:
    """A question about the revision, answered as Server-Sent Events (``delta`` events, then ``done``)."""
    revision = _revision(request, pk)
    question = request.POST.get("question", "").strip()
    if len(question) > MAX_QUESTION:
        return _too_long()
    facts = revision_facts(revision, hide_environment=viewer.hides_environment(request, revision))
    prompt = Prompt(purpose=Purpose.INSIGHT, question=question, figures=(facts,))
    return _answer(request, prompt, revision.figure.analysis.workspace)


@declare(Level.VIEW)
@json_endpoint
@require_POST
def explain_compare(request: HttpRequest) -> HttpResponse:
    """The compare page's "Explain the differences": the API's ``ai/compare`` prompt for revisions
    ``a`` and ``b`` (form fields), answered as Server-Sent Events like :func:`ask`."""
    ids = [request.POST.get("a", "").strip(), request.POST.get("b", "").strip()]
    for field, value in zip(("a", "b"), ids, strict=True):
        if not value:
            return field_refusal(field, "Name a revision to compare.")
    first, second = (_revision(request, pk) for pk in ids)
    if first.figure_id != second.figure_id:
        return field_refusal("b", "Both revisions must belong to the same figure.")
    older, newer = sorted((first, second), key=lambda revision: revision.revision_index)
    question = request.POST.get("question", "").strip()
    if len(question) > MAX_QUESTION:
        return _too_long()
    figures = tuple(
        revision_facts(revision, hide_environment=viewer.hides_environment(request, revision))
        for revision in (older, newer)
    )
    prompt = Prompt(purpose=Purpose.COMPARE, question=question, figures=figures)
    return _answer(request, prompt, older.figure.analysis.workspace)


def _too_long() -> JsonResponse:
    return field_refusal("question", f"At most {MAX_QUESTION} characters.")


def _answer(request: HttpRequest, prompt: Prompt, workspace) -> HttpResponse:
    """The provider's answer as Server-Sent Events, or the refusal (limits, provider) as JSON."""
    try:
        events = calls.open_stream(request.user, prompt, workspace)
    except APIException as error:
        return _refused(error)
    return sse_response(events)


@declare(Level.VIEW)
@json_endpoint
@require_POST
def extract_code(request: HttpRequest, pk) -> JsonResponse:
    """The minimal code that draws the figure, with who wrote it."""
    revision = _revision(request, pk)
    try:
        answer = extracted_code(
            request.user, revision, hide_environment=viewer.hides_environment(request, revision)
        )
    except APIException as error:
        return _refused(error)
    return JsonResponse(
        {**answer, "label": provider_label(answer["provider"], answer["is_llm"], answer["model"])}
    )


@declare(Level.CREATE)
@json_endpoint
@require_POST
def describe(request: HttpRequest, pk) -> JsonResponse:
    """Queue ``ai_title`` / ``ai_description`` for the revision (the insight part's ``ai.describe`` task);
    answers 202 with the task's status URL, which ``insight.js`` polls before reloading the page."""
    return _queue_describe(request, "revision", _revision(request, pk, Level.CREATE))


@declare(Level.CREATE)
@json_endpoint
@require_POST
def describe_figure(request: HttpRequest, pk) -> JsonResponse:
    """The same for a figure, described from its latest revision (``figure/<id>/ai_describe/``)."""
    queryset = Figure.objects.select_related("analysis__workspace")
    figure = viewer.fetch(request, queryset, pk, Level.CREATE)
    if not figure.revisions.exists():
        return field_refusal("figure", "This figure has no revision to describe yet.")
    return _queue_describe(request, "figure", figure)


def _queue_describe(request: HttpRequest, kind: str, target: Figure | Revision) -> JsonResponse:
    try:
        task = queue_describe(request.user, kind, target)
    except APIException as error:
        return _refused(error)
    return JsonResponse(
        {"task": str(task.pk), "status_url": reverse("web:task-status", args=[task.pk])}, status=202
    )
