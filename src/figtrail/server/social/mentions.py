"""``@username`` in a comment: an email to that user, if (and only if) they may see what it is about.

Mail is sent after the comment's transaction commits, through Django's email framework (the backend is
FIGTRAIL_EMAIL_BACKEND). A mail server that fails is logged and never fails the comment.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.email_links import email_link
from figtrail.server.page_urls import url_of
from figtrail.server.social import targets
from figtrail.server.social.models import Comment
from figtrail.server.social.rendering import plain_text_tokens

log = logging.getLogger(__name__)

# Usernames are letters, digits and . + - _ (Django's rule, less "@"); "@" must not follow a word
# character, so that e-mail addresses are not read as mentions.
MENTION = re.compile(r"(?<![\w.+@-])@([\w.+-]+)")


def mentioned(content: str) -> set[str]:
    """The usernames a comment's prose mentions (code is ignored); a trailing full stop is not part of one."""
    names = set()
    for text in plain_text_tokens(content):
        for match in MENTION.finditer(text):
            name = match.group(1)
            names.add(name)
            names.add(name.rstrip(".-"))
    names.discard("")
    return names


def notify(comment: Comment, usernames: set[str]) -> list[str]:
    """Queue one email per mentioned user who can view the comment's object; returns their usernames."""
    recipients = _recipients(comment, usernames)
    if not recipients:
        return []
    link = email_link(url_of(comment.target))  # FIGTRAIL_PUBLIC_URL only, never the request's Host
    messages = [_message(comment, user, link) for user in recipients]
    transaction.on_commit(lambda: _send(messages))
    return [user.username for user in recipients]


def _recipients(comment: Comment, usernames: set[str]) -> list:
    users = get_user_model().objects.filter(username__in=usernames, is_active=True)
    users = users.exclude(pk=comment.author_id).exclude(email__isnull=True).exclude(email="")
    return [
        user
        for user in users.order_by("username")
        if policy.allowed(policy.Actor(user=user), comment.target, Level.VIEW)
    ]


def _message(comment: Comment, user, link: str) -> EmailMessage:
    author = comment.author.username if comment.author else "Someone"
    what = f"{targets.noun(comment.target)} “{comment.target.full_label}”"
    body = (
        f"{author} mentioned you in a comment on the {what}:\n\n"
        f"{_quoted(comment.content)}\n\n"
        f"Open it: {link}\n"
    )
    subject = f"{author} mentioned you on the {what}"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _quoted(content: str) -> str:
    return "\n".join(f"> {line}" for line in content.splitlines())


def _send(messages: list[EmailMessage]) -> None:
    try:
        get_connection().send_messages(messages)
    except Exception:
        log.exception("could not send %d mention email(s)", len(messages))
