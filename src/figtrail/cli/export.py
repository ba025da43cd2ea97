"""``figtrail export (--workspace ID|NAME | --all) OUT``: write a portable bundle (a folder).

See figtrail/server/portability/bundle.py for what a bundle holds; ``figtrail import`` loads it.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

from figtrail.cli.errors import CliError


def register(commands) -> None:
    parser = commands.add_parser(
        "export",
        help="write a portable bundle (folder) of one workspace or of the whole server",
        description=(
            "Write OUT, a folder holding the rows (JSON, one file per model, with a format version in "
            "manifest.json) and every blob they reference. --all keeps password hashes so accounts keep "
            "working; --workspace names only the users it mentions (no passwords)."
        ),
    )
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--workspace", metavar="ID_OR_NAME", help="export one workspace")
    scope.add_argument("--all", action="store_true", help="export everything (users, passwords included)")
    parser.add_argument("out", type=Path, help="a folder to create (must not exist, or be empty)")
    parser.set_defaults(handler=run)


def _workspace(ref: str):
    from figtrail.server.catalog.models import Workspace

    try:
        return Workspace.objects.get(pk=uuid.UUID(ref))
    except (ValueError, Workspace.DoesNotExist):
        pass
    found = list(Workspace.objects.filter(name=ref)[:2])
    if not found:
        raise CliError(f"no workspace has the id or name {ref!r}")
    if len(found) > 1:
        raise CliError(f"several workspaces are named {ref!r}: give its id")
    return found[0]


def run(args: argparse.Namespace) -> int:
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from figtrail.server.portability.bundle import BundleError, export

    workspace = _workspace(args.workspace) if args.workspace else None
    try:
        counts = export(args.out, workspace)
    except BundleError as exc:
        raise CliError(str(exc)) from exc
    for name, count in counts.items():
        print(f"{name}: {count}")
    print(f"exported to {args.out}", flush=True)
    return 0
