"""``git/check_access/``: can the server read this repository with these credentials? Before an import.

A refused URL (scheme, or an address the SSRF guard forbids) is a 400 naming ``url``; a repository git
cannot read (not found, wrong credentials, host unreachable) is a 200 with ``ok: false`` and git's reason.
"""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import APIView

from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.imports import crypto
from figtrail.server.imports.git import GitError, GitSession, default_branch
from figtrail.server.imports.remote_input import RemoteInputSerializer, remote_request


class CheckAccess(APIView):
    access = SIGNED_IN  # access.declarations: only the caller's own SSH keys can be named

    def post(self, request, *args, **kwargs):
        body = RemoteInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            wanted = remote_request(request.user, body.validated_data)
        except crypto.SecretUnreadable as exc:
            return Response({"ok": False, "default_branch": None, "detail": str(exc)})
        try:
            with GitSession(wanted.remote, wanted.credentials) as session:
                refs = session.ls_remote()
        except GitError as exc:
            return Response({"ok": False, "default_branch": None, "detail": str(exc)})
        branch = default_branch(refs)
        heads = sorted(name.removeprefix("refs/heads/") for name in refs if name.startswith("refs/heads/"))
        return Response(
            {
                "ok": True,
                "default_branch": branch,
                "branches": heads,
                "detail": f"The repository is readable; {len(heads)} branch(es).",
            }
        )
