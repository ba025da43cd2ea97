"""``figtrail user add NAME --email E --password-stdin``: make an account and its primary workspace."""

from __future__ import annotations

import argparse
import sys


def register(commands) -> None:
    parser = commands.add_parser("user", help="manage user accounts")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a user (and their primary workspace)")
    add.add_argument("username")
    add.add_argument("--email", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--staff", action="store_true", help="make the user a server administrator")
    add.set_defaults(handler=add_user)


def add_user(args: argparse.Namespace) -> int:
    from figtrail.cli.main import CliError

    if not args.password_stdin:
        raise CliError(
            "give the password on standard input with --password-stdin (never on the command line)"
        )
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise CliError("the password read from standard input is empty")

    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=True)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    users = get_user_model()
    if users.objects.filter(username=args.username).exists():
        raise CliError(f"a user named {args.username!r} already exists")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise CliError("; ".join(exc.messages)) from exc
    user = users.objects.create_user(args.username, email=args.email, password=password)
    if args.staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    print(f"created user {args.username}")
    return 0
