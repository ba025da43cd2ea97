"""The "Ask AI" panel of a revision page: a question answered as a stream, the code that draws the figure,
and ``ai_title`` / ``ai_description`` written on request.

These are web routes (session and CSRF, like every form of the UI) that call the same code as the API's
``ai/`` endpoints (``figtrail.server.insight``), so answers are admitted, limited and counted alike. The
browser cannot POST with ``EventSource``; ``static/web/insight.js`` reads the event stream with
``fetch()``. Every answer names who wrote it; offline answers say they are not a language model's.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from figtrail.ai import Prompt, Purpose
from figtrail.server.access.declarations import declare
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Revision
from figtrail.server.insight import calls, limits
from figtrail.server.insight.bodies import MAX_QUESTION
from figtrail.server.insight.describe import KIND, payload
from figtrail.server.insight.facts import revision_facts
from figtrail.server.insight.views import code_of
from figtrail.server.tasks import runner
from figtrail.server.web import viewer

OFFLINE = "Offline summary, no language model"


def provider_label(name: str, is_llm: bool, model: str = "") -> str:
    if not is_llm:
        return OFFLINE
    return f"{name}" + (f" · {model}" if model else "")


def ai_panel(request: HttpRequest, revision: Revision) -> dict | None:
    """What the panel shows: None for signed-out visitors (AI calls are counted per user)."""
    if not request.user.is_authenticated:
        return None
    reason, label = "", ""
    try:
        provider = calls.current_provider()
        label = provider_label(provider.name, provider.is_llm, provider.model)
    except APIException as error:
        reason = _detail(error)
    if not reason:
        refusals = limits.refusals(request.user)
        reason = refusals[0].detail if refusals else ""
    return {
        "available": not reason,
        "reason": reason,
        "label": label,
        "can_describe": viewer.can(request, revision, Level.CREATE),
    }


def _revision(request: HttpRequest, pk, level: Level = Level.VIEW) -> Revision:
    queryset = Revision.objects.select_related("figure__analysis__workspace")
    return viewer.fetch(request, queryset, pk, level)


def _detail(error: APIException) -> str:
    detail = error.detail
    if isinstance(detail, dict):
        detail = detail.get("detail") or next(iter(detail.values()), "")
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    return str(detail)


def _refused(error: APIException) -> JsonResponse:
    return JsonResponse({"detail": _detail(error)}, status=error.status_code)


def _signed_in(request: HttpRequest) -> JsonResponse | None:
    if request.user.is_authenticated:
        return None
    return JsonResponse({"detail": "Sign in to ask the AI."}, status=403)


@declare(Level.VIEW)
@require_POST
def ask(request: HttpRequest, pk) -> HttpResponse:
    """A question about the revision, answered as Server-Sent Events (``delta`` events, then ``done``)."""
    if refused := _signed_in(request):
        return refused
    revision = _revision(request, pk)
    question = request.POST.get("question", "").strip()
    if len(question) > MAX_QUESTION:
        return JsonResponse({"question": [f"At most {MAX_QUESTION} characters."]}, status=400)
    prompt = Prompt(purpose=Purpose.INSIGHT, question=question, figures=(revision_facts(revision),))
    try:
        events = calls.open_stream(request.user, prompt, revision.figure.analysis.workspace)
    except APIException as error:
        return _refused(error)
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@declare(Level.VIEW)
@require_POST
def extract_code(request: HttpRequest, pk) -> JsonResponse:
    """The minimal code that draws the figure, with who wrote it."""
    if refused := _signed_in(request):
        return refused
    revision = _revision(request, pk)
    facts = revision_facts(revision, with_image=False)
    prompt = Prompt(purpose=Purpose.EXTRACT_CODE, figures=(facts,))
    try:
        completion, provider = calls.complete(request.user, prompt, revision.figure.analysis.workspace)
    except APIException as error:
        return _refused(error)
    code, language = code_of(completion.text, facts.code_language)
    label = provider_label(completion.provider, provider.is_llm, completion.model)
    return JsonResponse(
        {**calls.body(completion, provider), "code": code, "language": language, "label": label}
    )


@declare(Level.CREATE)
@require_POST
def describe(request: HttpRequest, pk) -> JsonResponse:
    """Queue ``ai_title`` / ``ai_description`` for the revision (the insight part's ``ai.describe`` task);
    answers 202 with the task's status URL, which ``insight.js`` polls before reloading the page."""
    revision = _revision(request, pk, Level.CREATE)
    try:
        provider = calls.current_provider()
        with transaction.atomic():
            usage = limits.admit(request.user, Purpose.DESCRIBE, provider, revision.figure.analysis.workspace)
            task = runner.submit(
                KIND,
                request.user,
                revision.figure.analysis.workspace,
                payload=payload("revision", revision, usage),
            )
    except APIException as error:
        return _refused(error)
    return JsonResponse(
        {"task": str(task.pk), "status_url": reverse("web:task-status", args=[task.pk])}, status=202
    )
