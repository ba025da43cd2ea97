"""The server starts, answers info/ without credentials, and signs a new user in."""


def test_info_is_public(live_server):
    import requests

    body = requests.get(live_server.api + "info/").json()
    assert body["server"] == "figtrail"
    assert (
        body["ai_enabled"] is True
    )  # revision/auto-assign/ works (tests/server/catalog/test_auto_assign.py)


def test_new_user_has_one_primary_workspace(live_server, alice):
    session, username = alice.session, alice.username
    workspaces = session.get(live_server.api + "workspace/").json()
    assert [w["workspace_type"] for w in workspaces] == ["primary"]
    members = session.get(live_server.api + f"workspace/{workspaces[0]['api_id']}/members/").json()
    assert members == [{"username": username, "membership_type": "owner"}]
