"""AI plans: named limits in FIGTRAIL_AI_PLANS that the server's operator gives an organization with
``figtrail org plan``; its members' AI calls are then limited by that plan instead of the defaults."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import FIGTRAIL, start_server, stop_server
from tests.server.helpers import new_user, unique
from tests.server.insight.figures import published_tree

PLANS = {"pro": {"rate": "100/min", "monthly_quota": 4}, "lite": {"rate": "10/min", "monthly_quota": 1}}


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory) -> Iterator:
    server = start_server(
        tmp_path_factory.mktemp("ai-plans"),
        {"FIGTRAIL_AI_MONTHLY_QUOTA": "2", "FIGTRAIL_AI_PLANS": json.dumps(PLANS)},
    )
    yield server
    stop_server(server)


def org_command(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FIGTRAIL, "org", *args], env=server.env, capture_output=True, text=True, timeout=120
    )


def test_members_of_an_organization_on_a_plan_get_its_limits(plan_server):
    member, outsider = new_user(plan_server), new_user(plan_server)
    name = unique("Lab")
    organization = member.created("organization/", {"name": name})
    assert organization["ai_plan"] == ""
    assert member.ok("ai/usage/")["plan"] == "default" and member.ok("ai/usage/")["quota"] == 2

    done = org_command(plan_server, "plan", name, "pro")
    assert done.returncode == 0, done.stderr
    usage = member.ok("ai/usage/")
    assert (usage["plan"], usage["quota"], usage["rate"]) == ("pro", 4, "100/min")
    assert outsider.ok("ai/usage/")["plan"] == "default"

    revision = published_tree(member)["first"]["api_id"]
    for _ in range(4):  # more than the default quota of 2
        assert member.post("ai/insight/", {"revision_id": revision}).status_code == 200
    refused = member.post("ai/insight/", {"revision_id": revision})
    assert refused.status_code == 429 and refused.json()["code"] == "ai_quota_exceeded"

    listed = org_command(plan_server, "plans")
    assert (
        listed.returncode == 0 and f"pro: 100/min, 4 requests a month; organizations: {name}" in listed.stdout
    )

    assert org_command(plan_server, "plan", organization["api_id"], "default").returncode == 0  # by id
    assert member.ok("ai/usage/")["plan"] == "default"


def test_the_most_generous_plan_of_a_users_organizations_applies(plan_server):
    member = new_user(plan_server)
    lite, pro = unique("Lite"), unique("Pro")
    member.created("organization/", {"name": lite})
    member.created("organization/", {"name": pro})
    assert org_command(plan_server, "plan", lite, "lite").returncode == 0
    assert member.ok("ai/usage/")["plan"] == "lite"  # a plan may also be stricter than the default
    assert org_command(plan_server, "plan", pro, "pro").returncode == 0
    assert member.ok("ai/usage/")["plan"] == "pro"


def test_organizations_cannot_choose_their_own_plan(plan_server):
    admin = new_user(plan_server)
    organization = admin.created("organization/", {"name": unique("Self-service")})
    changed = admin.patch(f"organization/{organization['api_id']}/", {"ai_plan": "pro"})
    assert changed.status_code == 200 and changed.json()["ai_plan"] == ""
    assert admin.ok("ai/usage/")["plan"] == "default"


def test_unknown_plans_and_organizations_are_named(plan_server):
    unknown_plan = org_command(plan_server, "plan", "anything", "gold")
    assert unknown_plan.returncode == 2
    assert "no AI plan named 'gold' (configured plans: lite, pro)" in unknown_plan.stderr
    unknown_org = org_command(plan_server, "plan", unique("Nobody"), "pro")
    assert unknown_org.returncode == 2 and "no organization named" in unknown_org.stderr
