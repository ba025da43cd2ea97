"""``bootstrap/``: the user, their workspaces, organizations and primary workspace in one request."""

from __future__ import annotations

import requests

from tests.server.helpers import NO_CREDENTIALS, new_user, refusal, token_session


def test_bootstrap_matches_the_separate_endpoints(live_server):
    api = new_user(live_server)
    extra = api.workspace("bootstrap extra")
    organization = api.created("organization/", {"name": "Bootstrap Lab"})
    body = api.ok("bootstrap/")
    assert body["user"] == api.ok("user/")[0]
    assert body["workspaces"] == api.ok("workspace/")
    assert [w["api_id"] for w in body["workspaces"]] == [api.primary()["api_id"], extra["api_id"]]
    assert "analyses" not in body["workspaces"][0]  # shallow
    assert body["primary_workspace_id"] == api.primary()["api_id"]
    assert body["organizations"] == [
        {
            "api_id": organization["api_id"],
            "name": "Bootstrap Lab",
            "description": organization["description"],
            "membership_type": "org_admin",
        }
    ]


def test_bootstrap_with_a_scoped_api_key_sees_its_workspace_only(live_server):
    api = new_user(live_server)
    workspace = api.workspace()
    key = api.created("api_key/", {"name": "scoped", "workspace": workspace["api_id"]})
    body = token_session(key["token"]).get(f"{live_server.api}bootstrap/", timeout=30).json()
    assert [w["api_id"] for w in body["workspaces"]] == [workspace["api_id"]]
    assert body["organizations"] == []


def test_bootstrap_needs_sign_in(live_server):
    assert refusal(requests.get(f"{live_server.api}bootstrap/", timeout=30), 401) == NO_CREDENTIALS
