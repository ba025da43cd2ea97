"""An invitation is mailed to the invitee with its accept link; the link accepts it once, on the web.

Runs its own server with FIGTRAIL_EMAIL_BACKEND=file so that the mail lands in a folder we can read, and
FIGTRAIL_PUBLIC_URL set (e-mail links are built from it only): the tests open the mailed link's path on
the test server.
"""

from __future__ import annotations

import email
import email.policy
import re

import pytest
import requests

from tests.conftest import start_server, stop_server
from tests.server.helpers import denied, new_user, refusal, unique
from tests.web.helpers import csrf_token, web_session

PUBLIC_URL = "http://figs.example.org"  # http: an https:// public URL would make the session cookie secure


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("figtrail-mail-home")
    maildir = tmp_path_factory.mktemp("figtrail-mail")
    server = start_server(
        home,
        {
            "FIGTRAIL_EMAIL_BACKEND": "file",
            "FIGTRAIL_EMAIL_FILE_PATH": str(maildir),
            "FIGTRAIL_PUBLIC_URL": PUBLIC_URL,
        },
    )
    server.maildir = maildir
    yield server
    stop_server(server)


def messages_to(server, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(server.maildir.iterdir()):
        for raw in re.split(rb"\n-{79}\n", path.read_bytes()):  # the file backend's separator
            if raw.strip():
                message = email.message_from_bytes(raw.strip(), policy=email.policy.default)
                if message["To"] == address:
                    found.append(message)
    return found


def test_invitation_is_mailed_with_a_single_use_accept_link(mail_server):
    owner, invitee = new_user(mail_server), new_user(mail_server)
    workspace = owner.workspace(unique("Mailed"))
    address = f"{unique('guest')}@example.org"
    body = {"email": address, "membership_type": "creator", "workspace": workspace["api_id"]}
    invitation = owner.created("invitations/workspace/", body)

    [message] = messages_to(mail_server, address)
    assert workspace["name"] in message["Subject"]
    text = message.get_content()
    assert owner.username in text and "creator" in text
    found = re.search(rf"{re.escape(PUBLIC_URL)}(/invitation/workspace/(\S+))\n", text)
    assert found, text
    assert found.group(2) == invitation["token"]
    url = mail_server.url + found.group(1)  # the public address, reached here on the test server

    # signed out, the link asks for a sign-in first
    anonymous = requests.get(url, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302
    assert "/signin?next=" in anonymous.headers["Location"]

    session = web_session(mail_server, invitee.username, invitee.password)
    page = session.get(url, timeout=30)
    assert page.status_code == 200
    assert workspace["name"] in page.text and 'id="accept"' in page.text
    assert refusal(invitee.get(f"workspace/{workspace['api_id']}/"), 403) == denied("view", "workspace")
    accepted = session.post(
        url,
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=30,
    )
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/workspace/{workspace['api_id']}")
    assert invitee.get(f"workspace/{workspace['api_id']}/").status_code == 200
    assert {"username": invitee.username, "membership_type": "creator"} in owner.ok(
        f"workspace/{workspace['api_id']}/members/"
    )
    # single use: the page says so, and the API refuses the token again
    assert "already been used" in session.get(url, timeout=30).text
    again = invitee.post(f"invitations/workspace/{invitation['token']}/accept", {})
    assert refusal(again, 400, "token") == ["This invitation has already been used."]


def test_organization_invitation_is_mailed_too(mail_server):
    owner = new_user(mail_server)
    organization = owner.created("organization/", {"name": unique("Mailed org")})
    address = f"{unique('member')}@example.org"
    body = {"email": address, "membership_type": "workspace_viewer", "organization": organization["api_id"]}
    invitation = owner.created("invitations/organization/", body)
    [message] = messages_to(mail_server, address)
    assert organization["name"] in message["Subject"]
    assert f"/invitation/organization/{invitation['token']}" in message.get_content()


def test_no_mail_when_the_invitation_is_refused(mail_server):
    owner, stranger = new_user(mail_server), new_user(mail_server)
    workspace = owner.workspace()
    address = f"{unique('nobody')}@example.org"
    body = {"email": address, "membership_type": "viewer", "workspace": workspace["api_id"]}
    assert refusal(stranger.post("invitations/workspace/", body), 403) == denied("admin", "workspace")
    assert messages_to(mail_server, address) == []
