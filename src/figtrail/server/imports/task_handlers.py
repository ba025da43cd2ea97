"""Background work of imports: ``import.pptx``, ``import.docx`` and ``import.git`` (see imports.uploads).

Each handler checks again that the task's creator may still add to the analysis: access can change
between the upload and the moment a runner picks the task up.
"""

from __future__ import annotations

from figtrail.server.access import policy
from figtrail.server.access.policy import Actor, Level
from figtrail.server.catalog.models import Analysis
from figtrail.server.imports import crypto
from figtrail.server.imports.document_import import import_document
from figtrail.server.imports.git import Credentials, GitError
from figtrail.server.imports.git_import import import_repository
from figtrail.server.imports.models import SSHKey
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import Reporter, TaskFailed, background, forget_payload

SECRET_FIELDS = ("token_encrypted",)


def _analysis(task: Task, analysis_id: str) -> Analysis:
    analysis = Analysis.objects.select_related("workspace").filter(pk=analysis_id).first()
    if analysis is None:
        raise TaskFailed("The analysis to import into no longer exists.")
    if not policy.allowed(Actor(user=task.created_by), analysis, Level.CREATE):
        raise TaskFailed("You may no longer add figures to this analysis.")
    return analysis


@background("import.pptx")
def import_pptx(task: Task, report: Reporter, *, analysis: str, blob: str, file_name: str, **_) -> dict:
    return import_document("pptx", _analysis(task, analysis), task.created_by, blob, file_name, report)


@background("import.docx")
def import_docx(task: Task, report: Reporter, *, analysis: str, blob: str, file_name: str, **_) -> dict:
    return import_document("docx", _analysis(task, analysis), task.created_by, blob, file_name, report)


@background("import.git")
def import_git(task: Task, report: Reporter, *, analysis: str, url: str, **payload) -> dict:
    try:
        into = _analysis(task, analysis)
        credentials = _credentials(task, payload)
        return import_repository(
            into, task.created_by, url, credentials, payload.get("branch"), payload.get("globs") or [], report
        )
    except GitError as exc:
        raise TaskFailed(f"git: {exc}") from None
    except crypto.SecretUnreadable as exc:
        raise TaskFailed(str(exc)) from None
    finally:
        _forget_secrets(task)


def _credentials(task: Task, payload: dict) -> Credentials:
    private_key = ""
    if payload.get("ssh_key"):
        key = SSHKey.objects.filter(pk=payload["ssh_key"], user=task.created_by).first()
        if key is None:
            raise TaskFailed("The SSH key chosen for this import was deleted.")
        private_key = crypto.decrypt(key.private_key_encrypted)
    token = crypto.decrypt(payload["token_encrypted"]) if payload.get("token_encrypted") else ""
    return Credentials(ssh_private_key=private_key, username=payload.get("username") or "", token=token)


def _forget_secrets(task: Task) -> None:
    """The encrypted token is needed only while the task runs: drop it from the queue row afterwards."""
    forget_payload(task, *SECRET_FIELDS)
