"""Naming a user (sharing with them, adding them as a member) does not tell which accounts exist.

The attack: anyone signed in has a workspace of their own, and ``share/user/`` and ``members/add/``
answered ``No user named 'x'`` for a name nobody has, so a caller could probe names one by one. Now a name
nobody has and an account that may not be named (deactivated with ``figtrail user deactivate``) get the
same status and byte for byte the same body, over the API and on the web forms, and changing, removing
or unsharing a name looks only among the members and shares the caller can list anyway.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import FIGTRAIL
from tests.server.helpers import data_item, new_user, png_bytes, refusal, unique
from tests.web.helpers import csrf_token, web_session

CHECK_THE_NAME = "check the username"
SHARE_KINDS = ("analysis", "figure", "revision", "asset", "asset_revision")


def deactivate(server, username: str) -> None:
    done = subprocess.run(
        [FIGTRAIL, "user", "deactivate", username], env=server.env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def named(live_server):
    """A name nobody has, a deactivated account and an active stranger: what a prober might try."""
    gone = new_user(live_server)
    deactivate(live_server, gone.username)
    return {
        "nobody": unique("nobody-at-all"),
        "deactivated": gone.username,
        "deactivated_api": gone,
        "active": new_user(live_server),
    }


@pytest.fixture(scope="module")
def objects(owner) -> dict[str, str]:
    """One object of every kind that can be shared with a user."""
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"))
    asset = owner.asset(workspace["api_id"])
    asset_revision = owner.asset_revision(asset["api_id"], b"a,b\n1,2\n")
    return {
        "workspace": workspace["api_id"],
        "analysis": analysis["api_id"],
        "figure": figure["api_id"],
        "revision": revision["api_id"],
        "asset": asset["api_id"],
        "asset_revision": asset_revision["api_id"],
    }


def same_refusal(responses) -> None:
    """Every response a 400 naming ``username`` with one message, the same bytes for every name."""
    first, *others = responses
    assert first.status_code == 400, first.text
    assert list(first.json()) == ["username"] and CHECK_THE_NAME in first.json()["username"][0]
    for other in others:
        assert (other.status_code, other.content) == (first.status_code, first.content)


def test_the_deactivated_account_is_real_and_shut(live_server, named):
    """Guard the test: the account exists (the CLI found it) and is shut: no sign-in, its token refused."""
    import requests

    command = [FIGTRAIL, "user", "deactivate", unique("nobody")]
    done = subprocess.run(command, env=live_server.env, capture_output=True, text=True)
    assert done.returncode != 0 and "no user named" in done.stderr + done.stdout
    response = requests.post(
        live_server.url + "/api/token/",
        data={"username": named["deactivated"], "password": named["deactivated_api"].password},
        timeout=30,
    )
    assert refusal(response, 401) == "No active account found with the given credentials"
    assert refusal(named["deactivated_api"].get("user/"), 401, "code") == "user_inactive"


@pytest.mark.parametrize("kind", SHARE_KINDS)
def test_sharing_with_nobody_or_a_deactivated_account_answers_alike(owner, named, objects, kind):
    path = f"{kind}/{objects[kind]}/share/user/"
    same_refusal(
        [
            owner.post(path, {"username": named["nobody"], "sharing_enabled": True}),
            owner.post(path, {"username": named["deactivated"], "sharing_enabled": True}),
            owner.post(path, {"username": named["nobody"] + "-2"}),  # the name is not in the answer
        ]
    )
    assert named["deactivated"] not in owner.get(path).text
    shared = owner.post(path, {"username": named["active"].username})  # a real user still can be
    assert shared.status_code == 200, shared.text
    assert owner.post(path, {"username": named["active"].username, "sharing_enabled": False}).ok


def test_unsharing_a_name_asks_only_among_the_shares(owner, named, objects):
    """Unsharing nobody, or an account the object is not shared with, is done already: 200 alike."""
    path = f"figure/{objects['figure']}/share/user/"
    answers = {
        who: owner.post(path, {"username": name, "sharing_enabled": False})
        for who, name in (
            ("nobody", named["nobody"]),
            ("deactivated", named["deactivated"]),
            ("active", named["active"].username),
        )
    }
    for who, response in answers.items():
        name = named[who] if who != "active" else named["active"].username
        assert response.status_code == 200, response.text
        assert response.json() == {"username": name, "sharing_enabled": False}


def organization(owner) -> str:
    return owner.created("organization/", {"name": unique("org"), "description": ""})["api_id"]


@pytest.mark.parametrize(
    ("group", "role"), [("workspace", "viewer"), ("organization", "workspace_viewer")], ids=["ws", "org"]
)
def test_adding_nobody_or_a_deactivated_account_answers_alike(owner, named, objects, group, role):
    pk = objects["workspace"] if group == "workspace" else organization(owner)
    path = f"{group}/{pk}/members/"
    same_refusal(
        [
            owner.post(path + "add/", {"username": named["nobody"], "membership_type": role}),
            owner.post(path + "add/", {"username": named["deactivated"], "membership_type": role}),
        ]
    )
    # changing or removing a name that is not a member: the same for an account and for nobody
    for change, body_role in (("change", role), ("remove", None)):
        same_refusal(
            [
                owner.post(path + f"{change}/", {"username": name, "membership_type": body_role})
                for name in (named["nobody"], named["deactivated"], named["active"].username)
            ]
        )
    # a bad role is refused before any name is looked up
    bad = [
        owner.post(path + "add/", {"username": name, "membership_type": "emperor"})
        for name in (named["nobody"], named["active"].username)
    ]
    assert bad[0].status_code == 400 and "membership_type" in bad[0].json()
    assert (bad[1].status_code, bad[1].content) == (bad[0].status_code, bad[0].content)
    members = owner.ok(path)
    assert [m["username"] for m in members] == [owner.username]


MESSAGES = re.compile(r'<ul class="messages">.*?</ul>', re.S)


def message_after(session, server, path: str, data: dict, back: str) -> str:
    """POST a web form (with its page's CSRF token), follow the redirect, return the messages shown."""
    token = csrf_token(session.get(server.url + back, timeout=30).text)
    response = session.post(
        server.url + path,
        data={**data, "csrfmiddlewaretoken": token},
        headers={"Referer": server.url + back},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:300]
    page = session.get(server.url + response.headers["Location"], timeout=30)
    [shown] = MESSAGES.findall(page.text)
    return shown


def test_the_web_forms_answer_nobody_and_a_deactivated_account_alike(live_server, owner, named, objects):
    session = web_session(live_server, owner.username, owner.password)
    share = f"/share/figure/{objects['figure']}"
    shown = [
        message_after(session, live_server, share, {"action": "add_user", "username": name}, share)
        for name in (named["nobody"], named["deactivated"])
    ]
    assert shown[0] == shown[1] and CHECK_THE_NAME in shown[0], shown
    assert named["nobody"] not in shown[0]
    removed = [
        message_after(session, live_server, share, {"action": "remove_user", "username": name}, share)
        for name in (named["nobody"], named["deactivated"])
    ]
    assert removed[0] == removed[1] and "not shared" in removed[0], removed

    members = f"/workspace/{objects['workspace']}/members"
    added = [
        message_after(
            session, live_server, members, {"change": "add", "username": name, "role": "viewer"}, members
        )
        for name in (named["nobody"], named["deactivated"])
    ]
    assert added[0] == added[1] and CHECK_THE_NAME in added[0], added
    gone = [
        message_after(session, live_server, members, {"change": "remove", "username": name}, members)
        for name in (named["nobody"], named["deactivated"], named["active"].username)
    ]
    assert gone[0] == gone[1] == gone[2] and "not a member" in gone[0], gone
