"""``ai_title`` and ``ai_description`` of figures and revisions, written by the provider in a task.

``POST figure/<id>/ai_describe/`` and ``POST revision/<id>/ai_describe/`` (edit access) answer 202 with
the "ai.describe" task; once it succeeded, ``GET figure/<id>/`` and ``GET revision/<id>/`` show both
fields. A figure is described from its latest revision. With ``FIGTRAIL_AI_AUTO_DESCRIBE=1`` every new
revision is described on publish, counted against its author's limits (skipped when they are reached).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from figtrail.ai import Prompt, Purpose
from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Figure, Revision
from figtrail.server.insight import calls, limits
from figtrail.server.insight.facts import revision_facts
from figtrail.server.insight.models import AIUsage
from figtrail.server.insight.views import AIView
from figtrail.server.tasks import runner
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import TaskFailed
from figtrail.server.tasks.views import TaskSerializer
from figtrail.settings_table import read

log = logging.getLogger(__name__)

KIND = "ai.describe"
MODELS = {"figure": Figure, "revision": Revision}
RELATED = {"figure": ("analysis__workspace",), "revision": ("figure__analysis__workspace",)}
MAX_TITLE = 500


class AIDescribe(AIView):
    access = {"post": Level.CREATE}  # access.declarations: edit access on the object, checked below
    kind = "figure"  # set per route: "figure" or "revision"

    def post(self, request, *args, pk: str, **kwargs):
        target = policy.get_or_404(MODELS[self.kind], pk, related=RELATED[self.kind])
        policy.check(self.actor, target, Level.CREATE)
        if self.kind == "figure" and not target.revisions.exists():
            raise ValidationError({"figure": ["This figure has no revision to describe yet."]})
        task = queue_describe(request.user, self.kind, target)
        return Response({"task": TaskSerializer(task).data}, status=status.HTTP_202_ACCEPTED)


def queue_describe(user, kind: str, target: Figure | Revision) -> Task:
    """Admit the call against ``user``'s limits (429 when reached) and queue the "ai.describe" task, in
    one transaction: a refused call queues nothing. The API, the web page and auto-describe all call this."""
    provider = calls.current_provider()
    workspace = policy.workspace_of(target)
    with transaction.atomic():
        usage = limits.admit(user, Purpose.DESCRIBE, provider, workspace)
        return runner.submit(KIND, user, workspace, payload=payload(kind, target, usage))


def payload(kind: str, target, usage: AIUsage) -> dict:
    return {"target": kind, "id": str(target.pk), "usage": usage.pk}


def describe(kind: str, target_id: str, usage_id: int) -> dict:
    """The task's work: a title and a description from the revision's facts, saved on the target."""
    target = MODELS[kind].objects.get(pk=target_id)
    revision = target if kind == "revision" else target.revisions.order_by("-revision_index").first()
    if revision is None:
        raise TaskFailed("This figure has no revision to describe.")
    facts = (revision_facts(revision),)
    usage = AIUsage.objects.get(pk=usage_id)
    provider = calls.current_provider()
    try:
        description = calls.complete_admitted(usage, provider, Prompt(Purpose.DESCRIBE, figures=facts))
        title_usage = AIUsage.objects.create(
            user=usage.user, purpose=Purpose.TITLE, provider=provider.name, workspace=usage.workspace
        )  # part of the same request: admitted with it
        title = calls.complete_admitted(title_usage, provider, Prompt(Purpose.TITLE, figures=facts))
    except calls.ProviderFailed as error:
        raise TaskFailed(str(error.detail["detail"])) from error
    target.ai_title = clean_title(title.text)
    target.ai_description = description.text.strip()
    target.save(update_fields=["ai_title", "ai_description"])
    return {
        "target": kind,
        "id": str(target.pk),
        "ai_title": target.ai_title,
        "ai_description": target.ai_description,
        "provider": description.provider,
        "is_llm": provider.is_llm,
    }


def clean_title(text: str) -> str:
    """One line, without the quotes and trailing period models like to add."""
    line = next((line.strip() for line in text.strip().splitlines() if line.strip()), "")
    line = line.strip("\"'“”").strip()
    if line.startswith("#"):
        line = line.lstrip("#").strip()
    return line.rstrip(".")[:MAX_TITLE]


def auto_describe_enabled() -> bool:
    return read("FIGTRAIL_AI_AUTO_DESCRIBE")


def _on_revision_saved(sender, instance: Revision, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.created_by_id:
        transaction.on_commit(lambda: _auto_describe(instance))


def _auto_describe(revision: Revision) -> None:
    """Queue the description of a new revision, unless its author's AI limits are reached."""
    try:
        user = revision.created_by
        if limits.refusals(user):
            return
        queue_describe(user, "revision", revision)
    except Exception:  # describing is a courtesy: it must never fail a publish
        log.exception("could not queue the description of revision %s", revision.pk)


def connect_auto_describe() -> None:
    """Describe new revisions on publish when FIGTRAIL_AI_AUTO_DESCRIBE=1 (called at app start-up)."""
    if auto_describe_enabled():
        post_save.connect(_on_revision_saved, sender=Revision, dispatch_uid="insight-auto-describe")
