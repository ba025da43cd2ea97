"""The imports' own settings, read from the environment when needed (admins may change them per process).

- ``FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS=1``: let Git imports and access checks reach addresses that are
  loopback, private, link-local, multicast, reserved or unspecified (a Git server on the LAN, tests).
  Off by default: a user-given URL must not make the server probe its own network (SSRF).
- ``FIGTRAIL_IMPORT_ALLOW_HTTP=1``: allow plain ``http://`` repository URLs. Also allowed whenever private
  networks are, since a Git server on a private network often speaks plain HTTP.
- ``FIGTRAIL_IMPORT_GIT_TIMEOUT``: seconds one git command may run (default 600; ``ls-remote`` gets 30).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in TRUE


@dataclass(frozen=True)
class ImportConfig:
    allow_private_networks: bool
    allow_http: bool
    git_timeout_seconds: int


def import_config() -> ImportConfig:
    private = _flag("FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS")
    raw_timeout = os.environ.get("FIGTRAIL_IMPORT_GIT_TIMEOUT", "").strip()
    return ImportConfig(
        allow_private_networks=private,
        allow_http=private or _flag("FIGTRAIL_IMPORT_ALLOW_HTTP"),
        git_timeout_seconds=int(raw_timeout) if raw_timeout.isdigit() else 600,
    )
