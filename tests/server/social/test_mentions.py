"""``@username`` mentions: an email to each mentioned user who can see the object, and to no one else.

These tests run their own server with the file email backend and read the mail it writes.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer, start_server, stop_server
from tests.server.helpers import new_user, unique

PUBLIC_URL = "https://figures.example.org"


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def server(tmp_path_factory, mail_dir) -> Iterator[LiveServer]:
    env = {
        "FIGTRAIL_EMAIL_BACKEND": "file",
        "FIGTRAIL_EMAIL_FILE_PATH": str(mail_dir),
        "FIGTRAIL_EMAIL_FROM": "figtrail <noreply@figures.example.org>",
        "FIGTRAIL_PUBLIC_URL": PUBLIC_URL,
    }
    running = start_server(tmp_path_factory.mktemp("mention-home"), extra_env=env)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def people(server) -> dict:
    """An author with a figure, a workspace member, a user the figure is shared with, and an outsider."""
    author, member, shared, outsider = (new_user(server) for _ in range(4))
    workspace, _, figure = author.tree()
    author.post(
        f"workspace/{workspace['api_id']}/members/add/",
        {"username": member.username, "membership_type": "viewer"},
    )
    author.post(
        f"figure/{figure['api_id']}/share/user/", {"username": shared.username, "sharing_enabled": True}
    )
    return {"author": author, "member": member, "shared": shared, "outsider": outsider, "figure": figure}


class Mailbox:
    """The messages the file backend wrote, read afresh each time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[email.message.EmailMessage]:
        found = []
        for path in sorted(self.folder.glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    found.append(email.message_from_bytes(raw.lstrip(b"\n"), policy=email.policy.default))
        return found

    def with_text(self, text: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages() if text in m.get_content()]

    def to(self, user, text: str) -> list[email.message.EmailMessage]:
        return [m for m in self.with_text(text) if m["To"] == f"{user.username}@example.org"]


@pytest.fixture(scope="module")
def mailbox(mail_dir) -> Mailbox:
    return Mailbox(mail_dir)


def comment(api, figure: dict, content: str) -> dict:
    return api.created(
        "comment/", {"target_type": "figure", "target_id": figure["api_id"], "content": content}
    )


def test_a_mentioned_member_gets_mail_naming_who_what_and_where(people, mailbox):
    author, member, figure = people["author"], people["member"], people["figure"]
    marker = unique("axis-labels")
    comment(author, figure, f"@{member.username}, can you check the {marker}?")
    [message] = mailbox.to(member, marker)
    assert message["From"] == "figtrail <noreply@figures.example.org>"
    assert author.username in message["Subject"]
    assert figure["name"] in message["Subject"]
    body = message.get_content()
    assert f"{author.username} mentioned you in a comment on the figure “{figure['name']}”" in body
    assert f"> @{member.username}, can you check the {marker}?" in body
    assert f"{PUBLIC_URL}/figure/{figure['api_id']}" in body
    assert [m["To"] for m in mailbox.with_text(marker)] == [message["To"]]  # and to no one else


def test_a_user_who_cannot_see_the_object_gets_nothing(people, mailbox):
    author, shared, outsider, figure = (
        people["author"],
        people["shared"],
        people["outsider"],
        people["figure"],
    )
    marker = unique("cc")
    comment(author, figure, f"{marker} @{outsider.username} and @{shared.username}.")
    assert mailbox.to(outsider, marker) == []
    [message] = mailbox.with_text(marker)  # a user share is enough to be told
    assert message["To"] == f"{shared.username}@example.org"


def test_no_mail_for_code_self_or_unknown_names(people, mailbox):
    author, member, figure = people["author"], people["member"], people["figure"]
    marker = unique("quiet")
    comment(
        author, figure, f"{marker} `@{member.username}` in code, @{author.username} myself, @nobody_at_all"
    )
    comment(author, figure, f"{marker}\n\n```\nsend(@{member.username})\n```")
    comment(author, figure, f"{marker} mail me at someone@{member.username}")
    assert mailbox.with_text(marker) == []


def test_an_edit_mails_only_newly_mentioned_users(server, people, mailbox):
    author, member, figure = people["author"], people["member"], people["figure"]
    newcomer = new_user(server)
    author.post(
        f"figure/{figure['api_id']}/share/user/", {"username": newcomer.username, "sharing_enabled": True}
    )
    marker = unique("please-look")
    posted = comment(author, figure, f"@{member.username} {marker}")
    assert len(mailbox.to(member, marker)) == 1
    edited = author.patch(
        f"comment/{posted['api_id']}/",
        {"content": f"@{member.username} {marker}, and @{newcomer.username} too"},
    )
    assert edited.status_code == 200
    assert len(mailbox.to(member, marker)) == 1  # already told
    [message] = mailbox.to(newcomer, marker)
    assert f"and @{newcomer.username} too" in message.get_content()
