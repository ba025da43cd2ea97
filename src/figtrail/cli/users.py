"""``figtrail user add NAME --email E --password-stdin``: make an account and its primary workspace.

``figtrail user deactivate NAME`` / ``figtrail user activate NAME``: a deactivated account cannot sign in,
its tokens, API keys and web sessions are refused, and nobody can share with it or add it to a workspace
or organization (they get the answer a name nobody has gets); its memberships and shares are kept for
when it is activated again.
"""

from __future__ import annotations

import argparse
import sys

from figtrail.cli.errors import CliError


def register(commands) -> None:
    parser = commands.add_parser("user", help="manage user accounts")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a user (and their primary workspace)")
    add.add_argument("username")
    add.add_argument("--email", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--staff", action="store_true", help="make the user a server administrator")
    add.set_defaults(handler=add_user)
    for name, help_text in (
        ("deactivate", "stop an account: no sign-in, no tokens or keys, nobody can share with it"),
        ("activate", "let a deactivated account in again"),
    ):
        switch = actions.add_parser(name, help=help_text)
        switch.add_argument("username")
        switch.set_defaults(handler=set_active, active=name == "activate")


def add_user(args: argparse.Namespace) -> int:
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


def set_active(args: argparse.Namespace) -> int:
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=True)
    from django.contrib.auth import get_user_model

    changed = get_user_model().objects.filter(username=args.username).update(is_active=args.active)
    if not changed:
        raise CliError(f"no user named {args.username!r}")
    print(f"{'activated' if args.active else 'deactivated'} user {args.username}")
    return 0
