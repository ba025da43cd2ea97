"""``figtrail org plan ORG PLAN`` and ``figtrail org plans``: the AI plan each organization is on.

Plans are named in FIGTRAIL_AI_PLANS (JSON: name -> rate and monthly quota). Only the server's operator
sets an organization's plan, from this command: the API shows it read-only, so that an organization's
admins cannot raise their own limits.
"""

from __future__ import annotations

import argparse

from figtrail.cli.errors import CliError

DEFAULT = "default"


def register(commands) -> None:
    parser = commands.add_parser("org", help="manage organizations (their AI plans)")
    actions = parser.add_subparsers(dest="action", required=True)
    plan = actions.add_parser(
        "plan", help="put an organization on an AI plan from FIGTRAIL_AI_PLANS ('default' to remove it)"
    )
    plan.add_argument("organization", help="the organization's name or id")
    plan.add_argument("plan", help="a plan name from FIGTRAIL_AI_PLANS, or 'default'")
    plan.set_defaults(handler=set_plan)
    plans = actions.add_parser("plans", help="list the configured AI plans and the organizations on each")
    plans.set_defaults(handler=list_plans)


def set_plan(args: argparse.Namespace) -> int:
    from figtrail.config import ai_config

    config = ai_config()
    if args.plan != DEFAULT and args.plan not in config.plans:
        known = ", ".join(sorted(config.plans)) or "none: set FIGTRAIL_AI_PLANS"
        raise CliError(f"no AI plan named {args.plan!r} (configured plans: {known})")
    organization = _organization(args.organization)
    organization.ai_plan = "" if args.plan == DEFAULT else args.plan
    organization.save(update_fields=["ai_plan"])
    print(f"organization {organization.name!r} is on the {args.plan} AI plan")
    return 0


def list_plans(args: argparse.Namespace) -> int:
    from figtrail.config import ai_config

    config = ai_config()
    _setup()
    from figtrail.server.accounts.models import Organization

    rows = [(DEFAULT, config.default_plan)] + sorted(config.plans.items())
    for name, plan in rows:
        members = Organization.objects.filter(ai_plan="" if name == DEFAULT else name).order_by("name")
        quota = plan.monthly_quota or "unlimited"
        names = ", ".join(members.values_list("name", flat=True)) or "-"
        print(f"{name}: {plan.rate}, {quota} requests a month; organizations: {names}")
    return 0


def _setup() -> None:
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)


def _organization(name_or_id: str):

    _setup()
    from django.core.exceptions import ValidationError

    from figtrail.server.accounts.models import Organization

    try:
        by_id = Organization.objects.filter(pk=name_or_id).first()
    except ValidationError:  # not a UUID
        by_id = None
    matches = [by_id] if by_id else list(Organization.objects.filter(name=name_or_id)[:2])
    if not matches:
        raise CliError(f"no organization named {name_or_id!r}")
    if len(matches) > 1:
        raise CliError(f"several organizations are named {name_or_id!r}: give its id instead")
    return matches[0]
