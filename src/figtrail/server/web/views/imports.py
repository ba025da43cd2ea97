"""Imports in the web UI: a PowerPoint or Word file, or a Git repository, into an analysis; and the
user's SSH keys for Git over SSH (under account settings).

The checks and the work are the imports part's (``figtrail.server.imports``): these views hand it the
form and show the task it queued, which ``static/web/task.js`` follows until it is done. A private key
is never shown: only the public key (to paste into the Git host) and its fingerprint.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import APIException, ValidationError

from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Analysis
from figtrail.server.imports import uploads
from figtrail.server.imports.models import SSHKey
from figtrail.server.imports.ssh_keys import SSHKeyInputSerializer, create_key
from figtrail.server.tasks import runner
from figtrail.server.tasks.models import Task
from figtrail.server.web import viewer
from figtrail.server.web.gate import json_endpoint
from figtrail.server.web.navigation import breadcrumbs
from figtrail.server.web.views.accounts import delete_own

KINDS = ("pptx", "docx", "git")


def error_text(error: APIException) -> str:
    """The first message of a DRF error, prefixed with its field (``file: Expected a .pptx file``)."""
    detail = error.detail
    if isinstance(detail, dict):
        field, detail = next(iter(detail.items()), ("", ""))
        first = detail[0] if isinstance(detail, list) and detail else detail
        return f"{field}: {first}" if field not in ("detail", "non_field_errors") else str(first)
    if isinstance(detail, list):
        return str(detail[0]) if detail else ""
    return str(detail)


@declare(Level.CREATE)
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, pk) -> HttpResponse:
    """Upload a file or name a repository; then the page follows the import task."""
    analysis = viewer.fetch(request, Analysis.objects.select_related("workspace"), pk, Level.CREATE)
    if request.method == "POST":
        try:
            task = _start(request, analysis)
        except APIException as error:
            messages.error(request, error_text(error))
        else:
            return redirect(f"{reverse('web:analysis-import', args=[analysis.pk])}?task={task.pk}")
    task = _own_task(request, request.GET.get("task"))
    context = {
        "analysis": analysis,
        "crumbs": breadcrumbs(request, analysis),
        "keys": SSHKey.objects.filter(user=request.user).order_by("name"),
        "task": task,
        "summary": summary(task),
        "kind": request.POST.get("kind", "pptx"),
        "url": request.POST.get("url", ""),
    }
    return render(request, "web/imports/import.html", context)


def _start(request: HttpRequest, analysis: Analysis) -> Task:
    """Check the form as ``upload/`` does and queue its task (``imports.uploads``)."""
    data = request.POST.copy()
    data["analysis_id"] = str(analysis.pk)
    if not data.get("ssh_key_id"):
        data.pop("ssh_key_id", None)
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValidationError({"kind": ["Choose a PowerPoint file, a Word file or a Git repository."]})
    fields = data.dict() | ({"file": request.FILES["file"]} if "file" in request.FILES else {})
    body = uploads.UploadSerializer(data=fields)
    body.is_valid(raise_exception=True)
    # the same checks as ``upload/``; a form's QueryDict has the shape of DRF's ``request.data``
    payload = uploads.import_payload(request.user, data, body.validated_data)
    payload["analysis"] = str(analysis.pk)
    return runner.submit(f"import.{kind}", request.user, analysis.workspace, payload)


def _own_task(request: HttpRequest, pk) -> Task | None:
    if not pk:
        return None
    try:
        return Task.objects.filter(pk=pk, created_by=request.user).first()
    except (ValueError, TypeError, DjangoValidationError):  # a malformed id: no task to show
        return None


def summary(task: Task | None) -> str:
    """What an import made (document and Git imports report it differently), or why it failed."""
    if task is None:
        return ""
    if task.status == "failed":
        return task.error or "The import failed."
    if task.status != "succeeded":
        return "Working…"
    result = task.result or {}
    made = result.get("revisions")
    revisions = len(made) if isinstance(made, list) else int(result.get("revisions_created") or 0)
    figures = len(result.get("figures") or [])
    text = f"{revisions} new revision{pluralize(revisions)} in {figures} figure{pluralize(figures)}."
    if result.get("skipped"):
        text += f" {result['skipped']} unchanged, skipped."
    if known := result.get("recognised"):
        names = ", ".join(dict.fromkeys(str(item.get("figure_name")) for item in known))
        text += f" {len(known)} already in figtrail, linked to their revisions: {names}."
    return text


@declare(SIGNED_IN)
@json_endpoint
@require_GET
def task_status(request: HttpRequest, pk) -> JsonResponse:
    """One of the viewer's own tasks, for the pages that follow one (imports, describe)."""
    task = _own_task(request, pk)
    if task is None:
        return JsonResponse({"detail": f"No task {pk} of yours."}, status=404)
    return JsonResponse(
        {
            "status": task.status,
            "progress": task.progress,
            "result": task.result,
            "error": task.error or "",
            "kind": task.kind,
            "summary": summary(task),
        }
    )


@declare(SIGNED_IN)
@sensitive_post_parameters("private_key")
@require_http_methods(["GET", "POST"])
def ssh_keys(request: HttpRequest) -> HttpResponse:
    """List, add (paste a private key, or generate one) and delete one's SSH keys."""
    created = None
    if request.method == "POST":
        fields = {"name": request.POST.get("name", "").strip() or "SSH key"}
        if request.POST.get("generate"):
            fields["generate"] = True
        else:
            fields["private_key"] = request.POST.get("private_key", "")
        body = SSHKeyInputSerializer(data=fields)
        try:
            body.is_valid(raise_exception=True)
            created = create_key(request.user, body.validated_data)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"SSH key “{created.name}” added. Add its public key to your Git host.")
            return redirect(f"{reverse('web:account-ssh-keys')}?new={created.pk}")
    keys = SSHKey.objects.filter(user=request.user).order_by("-created_on")
    context = {"keys": keys, "new": request.GET.get("new", "")}
    return render(request, "web/imports/ssh_keys.html", context)


@declare(SIGNED_IN)
@require_POST
def delete_ssh_key(request: HttpRequest, pk) -> HttpResponse:
    return delete_own(request, SSHKey, pk, "SSH key", "The SSH key is deleted.", "web:account-ssh-keys")
