"""``figtrail import [--skip-existing] IN``: load a bundle written by ``figtrail export``.

Everything goes in one transaction, after every blob in the bundle was checked against its blake3 name.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from figtrail.cli.errors import CliError


def register(commands) -> None:
    parser = commands.add_parser(
        "import",
        help="load a bundle written by figtrail export into this server",
        description=(
            "Load IN (a folder written by figtrail export) in one transaction. Every blob is checked "
            "against its blake3 digest first. Objects whose id already exists make the import fail and "
            "change nothing, unless --skip-existing keeps them and imports the rest. Users are matched by "
            "username: an existing user is reused, never changed."
        ),
    )
    parser.add_argument("bundle", type=Path, metavar="IN", help="the bundle folder")
    parser.add_argument(
        "--skip-existing", action="store_true", help="keep objects that already exist, import the rest"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    if not args.bundle.is_dir():
        raise CliError(f"{args.bundle} is not a folder (a bundle is the folder figtrail export writes)")
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=True)
    from figtrail.server.portability.bundle import BundleError, load

    try:
        result = load(args.bundle, skip_existing=args.skip_existing)
    except BundleError as exc:
        raise CliError(str(exc)) from exc
    for name, count in result["imported"].items():
        skipped = result["skipped"].get(name, 0)
        print(f"{name}: {count}" + (f" ({skipped} existing, kept)" if skipped else ""))
    print(f"imported {args.bundle}", flush=True)
    return 0
