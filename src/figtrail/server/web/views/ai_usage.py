"""The account's "AI usage" tab: the plan, this month's requests against the quota, the rate, tokens by
purpose, and who answers. The numbers are those of ``GET ai/usage/`` (``insight.limits`` and
``insight.reports``), read without consuming anything."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.insight import limits
from figtrail.server.insight.reports import provider_fields
from figtrail.server.web.views.insight import provider_label


def usage_report(user) -> dict:
    """This month's answered requests and tokens, by purpose and in total, with the limits that apply."""
    applied = limits.limits_for(user)
    by_purpose = limits.month_usage(user)
    requests = sum(row["requests"] for row in by_purpose.values())
    in_window, _ = limits.rate_window(user, applied)
    quota = applied.monthly_quota
    return {
        "month": f"{limits.month_start():%Y-%m}",
        "plan": applied.plan,
        "requests": requests,
        "quota": quota or None,
        "remaining": max(0, quota - requests) if quota else None,
        "renews_on": f"{limits.next_month_start():%Y-%m-%d}",
        "rate": applied.rate,
        "rate_remaining": max(0, applied.rate_count - in_window),
        "by_purpose": sorted(by_purpose.items()),
        "input_tokens": sum(row["input_tokens"] for row in by_purpose.values()),
        "output_tokens": sum(row["output_tokens"] for row in by_purpose.values()),
        "refusals": [refusal.detail for refusal in limits.refusals(user)],
    }


@declare(SIGNED_IN)
@require_safe
def ai_usage(request: HttpRequest) -> HttpResponse:
    fields, broken = provider_fields()
    provider = {
        **fields,
        "label": provider_label(fields["provider"], fields["is_llm"], fields["model"]),
        "broken": broken or "",
    }
    context = {"usage": usage_report(request.user), "provider": provider, "tab": "ai"}
    return render(request, "web/account_ai_usage.html", context)
