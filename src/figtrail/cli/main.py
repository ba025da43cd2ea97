"""``figtrail serve | user add | ...``: one entry point, sub-commands in their own modules."""

from __future__ import annotations

import argparse
import sys

from figtrail.cli import config as client_config
from figtrail.cli import export, gc, import_, orgs, outbox, serve, users, worker
from figtrail.cli.errors import CliError
from figtrail.settings_table import SettingError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="figtrail", description="figtrail: a history for every figure.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve.register(commands)
    users.register(commands)
    client_config.register(commands)
    outbox.register(commands)
    gc.register(commands)
    export.register(commands)
    import_.register(commands)
    worker.register(commands)
    orgs.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt:
        return 130
    except (CliError, SettingError) as exc:  # a FIGTRAIL_* value the table refuses is the user's to fix
        print(f"figtrail: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
