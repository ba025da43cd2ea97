"""``upload/``: import a PowerPoint or Word file, or a Git repository, into an analysis, as a task.

The request is checked here (access, file type, URL, credentials) so that mistakes are a 400 now; the
work itself runs as ``import.pptx`` / ``import.docx`` / ``import.git`` (imports.task_handlers) and the
answer is 202 with the task to poll. An uploaded file is kept in the blob store, so a ``figtrail worker``
on another machine can read it; a token is kept encrypted in the task's payload until the task ends.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from types import SimpleNamespace

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from figtrail.server import blobs
from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.api.parsers import JSONParser
from figtrail.server.catalog.models import Analysis, Workspace
from figtrail.server.imports import archives, crypto, writer
from figtrail.server.imports.git import valid_branch
from figtrail.server.imports.remote_input import RemoteInputSerializer, RemoteRequest, remote_request
from figtrail.server.tasks import runner
from figtrail.server.tasks.views import TaskSerializer

ZIP_MAGIC = b"PK\x03\x04"  # .pptx and .docx are zip packages
CONTENT_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
GENERIC_TYPES = {"", "application/octet-stream", "application/zip", "application/x-zip-compressed"}


class UploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["pptx", "docx", "git"])
    analysis_id = serializers.UUIDField(required=False, allow_null=True)
    workspace_id = serializers.UUIDField(required=False, allow_null=True)
    analysis_name = serializers.CharField(max_length=500, required=False, allow_blank=True)
    file = serializers.FileField(required=False, allow_empty_file=False)
    branch = serializers.CharField(max_length=200, required=False, allow_blank=True)


class GitUploadSerializer(RemoteInputSerializer):
    pass


class Upload(APIView):
    access = SIGNED_IN  # access.declarations: CREATE on the analysis or workspace, checked below
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def post(self, request, *args, **kwargs):
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        actor = policy.actor_of(request)
        target = _target(actor, fields)
        payload = import_payload(request.user, request.data, fields)
        analysis = target if isinstance(target, Analysis) else None
        if analysis is None:
            analysis = writer.create_analysis(target, request.user, fields["analysis_name"].strip())
        payload["analysis"] = str(analysis.pk)
        task = runner.submit(f"import.{fields['kind']}", request.user, analysis.workspace, payload)
        return Response({"task": TaskSerializer(task).data, "analysis": str(analysis.pk)}, status=202)


def import_payload(user, data, fields: dict) -> dict:
    """The task payload for validated ``UploadSerializer`` fields (``data``: the raw request data, for
    the repository's credentials and ``paths``); 400 naming the field if something is wrong. The web UI's
    import form calls this too, so both check the same things."""
    if fields["kind"] == "git":
        return _git_payload(SimpleNamespace(data=data, user=user), fields)
    return _file_payload(fields["kind"], fields.get("file"))


def _target(actor, fields: dict) -> Analysis | Workspace:
    """The analysis to import into, or the workspace to make a new one in (after every other check)."""
    if fields.get("analysis_id"):
        analysis = policy.get_or_404(Analysis, fields["analysis_id"], related=("workspace",))
        policy.check(actor, analysis, Level.CREATE)
        return analysis
    if not fields.get("workspace_id"):
        raise ValidationError({"analysis_id": ["Give analysis_id, or workspace_id and analysis_name."]})
    if not (fields.get("analysis_name") or "").strip():
        raise ValidationError({"analysis_name": ["Required with workspace_id: the new analysis's name."]})
    workspace = policy.get_or_404(Workspace, fields["workspace_id"])
    policy.check_workspace(actor, workspace, Level.CREATE)
    return workspace


def _file_payload(kind: str, upload) -> dict:
    if upload is None:
        raise ValidationError({"file": [f"Required: the .{kind} file to import."]})
    name = PurePosixPath(upload.name or "").name
    if PurePosixPath(name).suffix.lower() != f".{kind}":
        raise ValidationError({"file": [f"Expected a .{kind} file, got {name!r}."]})
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in GENERIC_TYPES and content_type != CONTENT_TYPES[kind]:
        raise ValidationError({"file": [f"Expected a .{kind} file, got content type {content_type!r}."]})
    payload = b"".join(upload.chunks())
    if not payload.startswith(ZIP_MAGIC):
        raise ValidationError(
            {"file": [f"This is not a .{kind} file: its content is not an Office package."]}
        )
    try:
        archives.check_directory(payload, name)  # a zip bomb is refused before anything is stored
    except archives.ArchiveRefused as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    return {"blob": blobs.put(payload), "file_name": name, "size": len(payload)}


def _git_payload(request, fields: dict) -> dict:
    remote_body = GitUploadSerializer(data=request.data)
    remote_body.is_valid(raise_exception=True)
    wanted: RemoteRequest = remote_request(request.user, remote_body.validated_data)
    branch = (fields.get("branch") or "").strip() or None
    if branch and not valid_branch(branch):
        raise ValidationError({"branch": ["Not a valid branch name."]})
    payload = {
        "url": wanted.remote.url,
        "branch": branch,
        "globs": _globs(request.data),
        "ssh_key": str(wanted.ssh_key.pk) if wanted.ssh_key else None,
        "username": wanted.credentials.username,
    }
    if wanted.credentials.token:
        payload["token_encrypted"] = crypto.encrypt(wanted.credentials.token)
    return payload


def _globs(data) -> list[str]:
    """``paths``: one glob, several (repeated form fields, a JSON list) or a comma/newline separated list."""
    raw = data.getlist("paths") if hasattr(data, "getlist") else data.get("paths")
    if raw in (None, ""):
        return []
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(item, str) for item in items):
        raise ValidationError({"paths": ["Give glob patterns as text, e.g. figures/*.png."]})
    globs = [part.strip() for item in items for part in re.split(r"[,\n]", item) if part.strip()]
    if len(globs) > 100:
        raise ValidationError({"paths": ["At most 100 glob patterns."]})
    return globs
