"""The imports' own settings, read from the table when needed (admins may change them per process).

- ``FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS=1``: let Git imports and access checks reach addresses that are
  loopback, private, link-local, multicast, reserved or unspecified (a Git server on the LAN, tests).
  Off by default: a user-given URL must not make the server probe its own network (SSRF).
- ``FIGTRAIL_IMPORT_ALLOW_HTTP=1``: allow plain ``http://`` repository URLs. Also allowed whenever private
  networks are, since a Git server on a private network often speaks plain HTTP.
- ``FIGTRAIL_IMPORT_GIT_TIMEOUT``: seconds one git command may run (default 600; ``ls-remote`` gets 30).

Each is declared in :mod:`figtrail.settings_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

from figtrail.settings_table import read


@dataclass(frozen=True)
class ImportConfig:
    allow_private_networks: bool
    allow_http: bool
    git_timeout_seconds: int


def import_config() -> ImportConfig:
    private = read("FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS")
    return ImportConfig(
        allow_private_networks=private,
        allow_http=private or read("FIGTRAIL_IMPORT_ALLOW_HTTP"),
        git_timeout_seconds=read("FIGTRAIL_IMPORT_GIT_TIMEOUT"),
    )
