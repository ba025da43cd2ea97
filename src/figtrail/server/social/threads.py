"""Posting, editing and deleting comments, and ordering them into threads: one set of rules for the API
and the web UI.

The rules: whoever may view an object may comment on it and read its comments; a reply is on the same
object as the comment it answers; only its author edits or deletes a comment. Callers have already
found the target (404) and checked view access (403).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.ids import parse_uuid
from figtrail.server.social import mentions, targets
from figtrail.server.social.models import TARGET_FIELDS, Comment

MAX_CONTENT = 20_000


class CommentError(Exception):
    """A comment change that breaks a rule; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.field, self.message, self.forbidden = field, message, forbidden


def as_api_error(error: CommentError) -> Exception:
    """The DRF exception for a broken rule: 403 for a forbidden change, else 400 naming the field."""
    from rest_framework.exceptions import PermissionDenied, ValidationError

    return (
        PermissionDenied(error.message)
        if error.forbidden
        else ValidationError({error.field: [error.message]})
    )


def clean_content(content) -> str:
    if not isinstance(content, str) or not content.strip():
        raise CommentError("content", "Write something: a comment cannot be empty.")
    if len(content) > MAX_CONTENT:
        raise CommentError("content", f"A comment holds at most {MAX_CONTENT} characters.")
    return content


def post(request: HttpRequest, target: Model, content: str, parent_id=None) -> Comment:
    """A new comment (a reply if ``parent_id``), logged, with mention emails sent once it is saved."""
    content = clean_content(content)
    parent = _parent(target, parent_id) if parent_id else None
    target_type = targets.type_of(target)
    with transaction.atomic():
        comment = Comment.objects.create(
            target_type=target_type,
            parent=parent,
            author=request.user,
            content=content,
            **{TARGET_FIELDS[target_type]: target},
        )
        activity.record(request.user, Action.CREATE, comment)
        mentions.notify(comment, mentions.mentioned(content))
    return comment


def edit(request: HttpRequest, comment: Comment, content: str) -> Comment:
    """Change a comment's text; users mentioned for the first time by the edit get their email."""
    _check_author(request, comment, "edit")
    content = clean_content(content)
    newly_mentioned = mentions.mentioned(content) - mentions.mentioned(comment.content)
    with transaction.atomic():
        comment.content, comment.is_edited, comment.updated_on = content, True, timezone.now()
        comment.save(update_fields=["content", "is_edited", "updated_on"])
        mentions.notify(comment, newly_mentioned)
    return comment


def delete(request: HttpRequest, comment: Comment) -> None:
    """Delete a comment and its replies."""
    _check_author(request, comment, "delete")
    comment.delete()


def thread_order(comments: Iterable[Comment]) -> list[tuple[Comment, int]]:
    """Each comment with its depth, replies right after what they answer, oldest first at each level."""
    children: dict = defaultdict(list)
    for comment in sorted(comments, key=lambda c: (c.created_on, str(c.pk))):
        children[comment.parent_id].append(comment)
    ordered: list[tuple[Comment, int]] = []

    def walk(parent_id, depth: int) -> None:
        for comment in children.get(parent_id, []):
            ordered.append((comment, depth))
            walk(comment.pk, depth + 1)

    walk(None, 0)
    return ordered


def _parent(target: Model, parent_id) -> Comment:
    parent = Comment.objects.filter(pk=parent_id).first() if parse_uuid(parent_id) else None
    if parent is None:
        raise CommentError("parent", f"No comment with id {parent_id}.")
    if parent.target_type != targets.type_of(target) or parent.target_id != target.pk:
        raise CommentError("parent", "A reply must be on the same object as the comment it answers.")
    return parent


def _check_author(request: HttpRequest, comment: Comment, verb: str) -> None:
    if comment.author_id is None or comment.author_id != request.user.pk:
        raise CommentError("author", f"Only the author of a comment can {verb} it.", forbidden=True)
