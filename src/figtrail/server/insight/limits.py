"""Per-user rate limit and monthly quota on AI calls, counted from :class:`AIUsage` rows.

``FIGTRAIL_AI_RATE`` ("30/min") bounds bursts; ``FIGTRAIL_AI_MONTHLY_QUOTA`` (0 = unlimited) bounds a
calendar month (UTC). A call is admitted by writing its usage row first, so two requests racing each
other both count; a call the provider failed keeps counting for the rate (it still cost a request to the
provider) but not for the quota.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Sum
from django.utils import timezone
from rest_framework.exceptions import APIException

from figtrail.ai import Completion, Provider
from figtrail.config import AIConfig, AIPlan
from figtrail.server.accounts.models import Organization
from figtrail.server.insight import service
from figtrail.server.insight.models import AIUsage

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Limits:
    rate: str  # as configured, e.g. "30/min"
    rate_count: int
    rate_seconds: int
    monthly_quota: int  # 0 = unlimited
    plan: str = "default"  # the FIGTRAIL_AI_PLANS name these come from


@dataclass(frozen=True)
class Refusal:
    """Why a call would be refused now: ``code`` for clients, ``detail`` for people, ``wait`` seconds."""

    code: str
    limit: str  # "rate" or "monthly_quota"
    detail: str
    wait: int | None = None


class AILimited(APIException):
    """429 with a body naming the limit, and Retry-After when waiting helps."""

    status_code = 429
    default_code = "ai_rate_limited"

    def __init__(self, refusal: Refusal) -> None:
        super().__init__({"detail": refusal.detail, "code": refusal.code, "limit": refusal.limit})
        self.wait = refusal.wait  # DRF's exception handler turns this into Retry-After


def limits_for(user) -> Limits:
    """The limits of ``user``'s plan: the most generous plan among their organizations' plans, or the
    server's default limits (FIGTRAIL_AI_RATE, FIGTRAIL_AI_MONTHLY_QUOTA) when none of them has one."""
    name, plan = plan_of(user, service.config())
    count, seconds = parse_rate(plan.rate)
    return Limits(plan.rate, count, seconds, plan.monthly_quota, name)


def plan_of(user, config: AIConfig) -> tuple[str, AIPlan]:
    """A plan an organization names but the configuration no longer has counts as no plan."""
    named = (
        Organization.objects.filter(memberships__user=user)
        .exclude(ai_plan="")
        .values_list("ai_plan", flat=True)
        .distinct()
    )
    plans = [(name, config.plans[name]) for name in sorted(named) if name in config.plans]
    if not plans:
        return "default", config.default_plan
    return max(plans, key=lambda item: generosity(item[1]))


def generosity(plan: AIPlan) -> tuple[float, float]:
    """Order plans by monthly quota (0 = unlimited is the most), then by requests per second."""
    count, seconds = parse_rate(plan.rate)
    return (math.inf if plan.monthly_quota == 0 else plan.monthly_quota, count / seconds)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/min"`` -> (30, 60); the period's first letter picks s, m, h or d, as in DRF throttles."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[0].lower()]


def month_start(now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime | None = None) -> datetime:
    start = month_start(now)
    return (start + timedelta(days=32)).replace(day=1)


def used_this_month(user) -> int:
    return AIUsage.objects.filter(user=user, created_on__gte=month_start(), failed=False).count()


def rate_window(user, limits: Limits) -> tuple[int, datetime | None]:
    """Calls in the current rate window and when the oldest of them was made."""
    since = timezone.now() - timedelta(seconds=limits.rate_seconds)
    window = AIUsage.objects.filter(user=user, created_on__gt=since)
    oldest = window.aggregate(oldest=Min("created_on"))["oldest"]
    return window.count(), oldest


def refusals(user) -> list[Refusal]:
    """Every limit that would refuse a call by ``user`` now (none consumed)."""
    limits, found = limits_for(user), []
    count, oldest = rate_window(user, limits)
    if count >= limits.rate_count:
        wait = (oldest + timedelta(seconds=limits.rate_seconds) - timezone.now()).total_seconds()
        found.append(
            Refusal(
                "ai_rate_limited",
                "rate",
                f"Too many AI requests: at most {limits.rate}. Try again in {max(1, math.ceil(wait))} s.",
                max(1, math.ceil(wait)),
            )
        )
    if limits.monthly_quota and used_this_month(user) >= limits.monthly_quota:
        wait = math.ceil((next_month_start() - timezone.now()).total_seconds())
        found.append(
            Refusal(
                "ai_quota_exceeded",
                "monthly_quota",
                f"Your monthly AI quota of {limits.monthly_quota} requests is used up; it renews "
                f"on {next_month_start():%Y-%m-%d}.",
                wait,
            )
        )
    return found


def admit(user, purpose: str, provider: Provider, workspace=None) -> AIUsage:
    """Check the limits and record the call, or raise 429 naming the first limit reached."""
    found = refusals(user)
    if found:
        raise AILimited(found[0])
    return AIUsage.objects.create(
        user=user, purpose=str(purpose), provider=provider.name, model=provider.model, workspace=workspace
    )


def settle(usage: AIUsage, completion: Completion | None) -> None:
    """Complete the usage row with the tokens of the answer, or mark it failed (``None``)."""
    if completion is None:
        usage.failed = True
    else:
        usage.provider, usage.model = completion.provider, completion.model or usage.model
        usage.input_tokens, usage.output_tokens = completion.input_tokens, completion.output_tokens
    usage.save(update_fields=["failed", "provider", "model", "input_tokens", "output_tokens"])


def month_usage(user) -> dict[str, dict[str, int]]:
    """The caller's answered calls this month, by purpose: requests and tokens."""
    rows = (
        AIUsage.objects.filter(user=user, created_on__gte=month_start(), failed=False)
        .values("purpose")
        .annotate(requests=Count("id"), input_tokens=Sum("input_tokens"), output_tokens=Sum("output_tokens"))
        .order_by("purpose")
    )
    return {
        row["purpose"]: {
            "requests": row["requests"],
            "input_tokens": row["input_tokens"] or 0,
            "output_tokens": row["output_tokens"] or 0,
        }
        for row in rows
    }
