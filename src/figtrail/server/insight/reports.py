"""``GET ai/availability/`` (may I ask now, and who would answer?) and ``GET ai/usage/`` (how much have
I asked this month?). Neither consumes any of the caller's limits."""

from __future__ import annotations

from rest_framework.response import Response

from figtrail.ai import AIError
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.insight import bodies, limits, service
from figtrail.server.insight.views import AIView


def provider_fields() -> tuple[dict, str | None]:
    """Who answers (provider, model, is_llm), or why nobody can (a configuration error)."""
    try:
        provider = service.provider()
    except (AIError, ValueError) as error:
        name = service.config().provider
        return {"provider": name, "model": service.config().model, "is_llm": name != "offline"}, str(error)
    return {"provider": provider.name, "model": provider.model, "is_llm": provider.is_llm}, None


class Availability(AIView):
    """``GET ai/availability/?revision_id=``: {available, provider, is_llm, model, reasons: [...]}.

    ``reasons`` lists, for people, why a call would be refused now; ``codes`` the same for programs
    (``ai_rate_limited``, ``ai_quota_exceeded``, ``ai_provider_error``). A revision the caller may not
    view answers 403 (404 if there is none), as every AI endpoint on it would.
    """

    access = {"get": SIGNED_IN}  # access.declarations: the revision, if named, is checked below

    def get(self, request, *args, **kwargs):
        query = bodies.parse(bodies.AvailabilityQuery, request.query_params)
        if query.get("revision_id"):
            self.visible_revision(query["revision_id"])
        fields, broken = provider_fields()
        reasons, codes = [], []
        if broken:
            reasons.append(f"The AI provider is not available: {broken}")
            codes.append("ai_provider_error")
        for refusal in limits.refusals(request.user):
            reasons.append(refusal.detail)
            codes.append(refusal.code)
        return Response({"available": not reasons, **fields, "reasons": reasons, "codes": codes})


class Usage(AIView):
    """``GET ai/usage/``: the caller's answered AI requests this month, tokens by purpose, the quota
    and what remains of it, and the rate limit."""

    access = {"get": SIGNED_IN}  # access.declarations: one's own usage only

    def get(self, request, *args, **kwargs):
        applied = limits.limits_for(request.user)
        by_purpose = limits.month_usage(request.user)
        requests = sum(row["requests"] for row in by_purpose.values())
        in_window, _ = limits.rate_window(request.user, applied)
        fields, _ = provider_fields()
        quota = applied.monthly_quota
        return Response(
            {
                "month": f"{limits.month_start():%Y-%m}",
                "requests": requests,
                "input_tokens": sum(row["input_tokens"] for row in by_purpose.values()),
                "output_tokens": sum(row["output_tokens"] for row in by_purpose.values()),
                "by_purpose": by_purpose,
                "quota": quota or None,
                "remaining": max(0, quota - requests) if quota else None,
                "renews_on": f"{limits.next_month_start():%Y-%m-%d}",
                "plan": applied.plan,
                "rate": applied.rate,
                "rate_remaining": max(0, applied.rate_count - in_window),
                **fields,
            }
        )
