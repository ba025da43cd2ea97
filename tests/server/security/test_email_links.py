"""Links in e-mails come from FIGTRAIL_PUBLIC_URL only, never from the request's Host header.

FIGTRAIL_ALLOWED_HOSTS is ``*`` by default, so any ``Host`` reaches the app: a link built from it would
let an attacker who makes (or gets a victim's client to make) an invitation or a comment send the
invitee's single-use token, or the mentioned user, to ``evil.example``. Two servers with the file mail
backend: one with FIGTRAIL_PUBLIC_URL, one without (its e-mails give the path and say why), whose
start-up says that the setting is missing.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from figtrail.cli.serve import PUBLIC_URL_UNSET
from tests.server.helpers import new_user, unique
from tests.server.security.conftest import PUBLIC_URL

EVIL = "evil.example"
FORGED = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}
NOT_CONFIGURED = "this server's address is not configured"


def mail_to(maildir: Path, address: str) -> str:
    bodies = []
    for path in sorted(maildir.iterdir()):
        for raw in re.split(rb"\n-{79}\n", path.read_bytes()):  # the file backend's separator
            if raw.strip():
                message = email.message_from_bytes(raw.strip(), policy=email.policy.default)
                if message["To"] == address:
                    bodies.append(message.get_content())
    [body] = bodies
    return body


def forged_invitation(server) -> tuple[str, str]:
    """An invitation made through a request whose Host is the attacker's: (its token, the mail's body)."""
    owner = new_user(server)
    workspace = owner.workspace(unique("Forged host"))
    address = f"{unique('invitee')}@example.org"
    body = {"email": address, "membership_type": "viewer", "workspace": workspace["api_id"]}
    response = owner.post("invitations/workspace/", body, headers=FORGED)
    assert response.status_code == 201, response.text
    return response.json()["token"], mail_to(server.maildir, address)


def forged_mention(server) -> tuple[str, str]:
    """A comment @mentioning a member, posted with the attacker's Host: (the figure's path, the mail)."""
    author, member = new_user(server), new_user(server)
    workspace, _, figure = author.tree()
    author.post(
        f"workspace/{workspace['api_id']}/members/add/",
        {"username": member.username, "membership_type": "viewer"},
    )
    body = {"target_type": "figure", "target_id": figure["api_id"], "content": f"@{member.username} look"}
    response = author.post("comment/", body, headers=FORGED)
    assert response.status_code == 201, response.text
    return f"/figure/{figure['api_id']}", mail_to(server.maildir, f"{member.username}@example.org")


def urls_in(text: str) -> list[str]:
    return re.findall(r"\w+://\S+", text)


def test_an_invitation_links_to_the_public_url_whatever_the_host_header(public_server):
    token, body = forged_invitation(public_server)
    assert EVIL not in body
    assert urls_in(body) == [f"{PUBLIC_URL}/invitation/workspace/{token}"]


def test_a_mention_links_to_the_public_url_whatever_the_host_header(public_server):
    path, body = forged_mention(public_server)
    assert EVIL not in body
    assert urls_in(body) == [PUBLIC_URL + path]


def test_without_a_public_url_an_invitation_gives_the_path_and_says_why(unconfigured_server):
    token, body = forged_invitation(unconfigured_server)
    assert EVIL not in body and "127.0.0.1" not in body
    assert urls_in(body) == []  # no host at all: neither the forged one nor a guess
    assert f"/invitation/workspace/{token} " in body and NOT_CONFIGURED in body
    assert "FIGTRAIL_PUBLIC_URL" in body


def test_without_a_public_url_a_mention_gives_the_path_and_says_why(unconfigured_server):
    path, body = forged_mention(unconfigured_server)
    assert EVIL not in body and "127.0.0.1" not in body
    assert urls_in(body) == []
    assert f"{path} " in body and NOT_CONFIGURED in body


def test_serve_says_at_start_up_when_the_public_url_is_unset(unconfigured_server, public_server):
    unset_log = (unconfigured_server.home / "server.log").read_text()
    assert PUBLIC_URL_UNSET in unset_log
    assert "FIGTRAIL_PUBLIC_URL is not set" in unset_log and "e-mails" in unset_log
    assert "FIGTRAIL_PUBLIC_URL is not set" not in (public_server.home / "server.log").read_text()
