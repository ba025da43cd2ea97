"""API routes of this part, included under every /api/<version>/ prefix by figtrail.server.urls."""

from __future__ import annotations

from django.urls import re_path

from figtrail.server.api.routers import OptionalSlashRouter
from figtrail.server.imports.check_access import CheckAccess
from figtrail.server.imports.ssh_keys import SSHKeyViewSet
from figtrail.server.imports.uploads import Upload

router = OptionalSlashRouter()
router.register("ssh_key", SSHKeyViewSet, basename="ssh_key")

api_patterns: list = [
    re_path(r"^git/check_access/?$", CheckAccess.as_view(), name="git-check-access"),
    re_path(r"^upload/?$", Upload.as_view(), name="upload"),
    *router.urls,
]
