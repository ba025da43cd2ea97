"""Existing tasks survive the move to Django's Tasks framework: each gets a queue row (same id) with its
status, payload (as keyword arguments), claims and result, so that finished ones read back unchanged,
queued ones run, and running ones (their runner stopped for the upgrade) are queued again by the next
runner's sweep for abandoned work. Reversible: the fields are copied back and the queue rows dropped."""

from datetime import UTC, datetime

from django.db import migrations

# The framework finds a task's function by module path; these are the handlers of figtrail's kinds at this
# migration. A kind not listed here gets a path no process has, so no runner claims it (as before).
TASK_PATHS = {
    "import.pptx": "figtrail.server.imports.task_handlers.import_pptx",
    "import.docx": "figtrail.server.imports.task_handlers.import_docx",
    "import.git": "figtrail.server.imports.task_handlers.import_git",
    "ai.reply": "figtrail.server.insight.task_handlers.ai_reply",
    "ai.describe": "figtrail.server.insight.task_handlers.ai_describe",
    "story.generate": "figtrail.server.stories.task_handlers.generate_story",
}
STATUSES = {"queued": "READY", "running": "RUNNING", "succeeded": "SUCCESSFUL", "failed": "FAILED"}
NOT_DEFERRED = datetime(9999, 1, 1, tzinfo=UTC)  # django_tasks_db's run_after for "as soon as possible"


def to_framework(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for task in Task.objects.filter(job__isnull=True).iterator():
        status = STATUSES.get(task.status, "FAILED")
        started = task.updated_on if status != "READY" else None
        job = DBTaskResult.objects.create(
            id=task.api_id,
            status=status,
            started_at=started,
            finished_at=task.updated_on if status in ("SUCCESSFUL", "FAILED") else None,
            args_kwargs={"args": [], "kwargs": task.payload or {}},
            task_path=TASK_PATHS.get(task.kind, f"figtrail.unknown_kind.{task.kind}"),
            worker_ids=[task.claimed_by or "figtrail"] * task.attempts,
            backend_name="default",
            run_after=NOT_DEFERRED,
            return_value=task.result if status == "SUCCESSFUL" else None,
            exception_class_path="",
            traceback=(task.error or "") if status == "FAILED" else "",
        )
        DBTaskResult.objects.filter(pk=job.pk).update(enqueued_at=task.created_on)  # not auto_now_add's now
        Task.objects.filter(pk=task.pk).update(job=job)


def from_framework(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    ours = {framework: status for status, framework in STATUSES.items()}
    for task in Task.objects.filter(job__isnull=False).select_related("job").iterator():
        job = task.job
        Task.objects.filter(pk=task.pk).update(
            job=None,
            status=ours.get(job.status, "failed"),
            payload=(job.args_kwargs or {}).get("kwargs") or {},
            result=job.return_value if job.status == "SUCCESSFUL" else None,
            attempts=len(job.worker_ids or []),
            claimed_by=(job.worker_ids or [""])[-1][:200],
        )
        DBTaskResult.objects.filter(pk=job.pk).delete()


class Migration(migrations.Migration):
    dependencies = [("tasks", "0003_task_job")]

    operations = [migrations.RunPython(to_framework, from_framework)]
