"""Comments and reactions on figure, revision and asset pages: plain forms that post and come back.

The rules are those of the API (:mod:`figtrail.server.social.threads`); the Markdown is shown as the
sanitised HTML :mod:`figtrail.server.social.rendering` makes. Every form works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.access.policy import Level
from figtrail.server.social import reactions, targets, threads
from figtrail.server.social.comments import TARGET_RELATED, with_reactions
from figtrail.server.social.models import Comment, TargetType
from figtrail.server.social.rendering import render
from figtrail.server.web import viewer
from figtrail.server.web.navigation import url_of

QUICK_EMOJIS = ("👍", "🎉", "❤️", "👀", "🤔")
MAX_INDENT = 4  # deeper replies are drawn at this depth, so a long exchange stays readable


@dataclass
class CommentRow:
    comment: Comment
    depth: int
    html: str
    reactions: list[dict]
    mine: bool

    @property
    def indent(self) -> int:
        return min(self.depth, MAX_INDENT)


def comments_panel(request: HttpRequest, target: Model) -> dict | None:
    """What the comments panel shows for ``target``, or None for a visitor who is not signed in."""
    if not request.user.is_authenticated or not viewer.can(request, target):
        return None
    ordered = threads.thread_order(with_reactions(targets.comments_on(target)))
    rows = [
        CommentRow(
            c, depth, render(c.content), reactions.summary(c, request.user), c.author_id == request.user.pk
        )
        for c, depth in ordered
    ]
    return {"target_type": targets.type_of(target), "target": target, "rows": rows, "emojis": QUICK_EMOJIS}


@declare(Level.VIEW)
@login_required
@require_POST
def post(request: HttpRequest, target_type: str, pk) -> HttpResponse:
    target = viewer.fetch(request, targets.MODELS[TargetType(target_type)], pk)
    try:
        comment = threads.post(
            request, target, request.POST.get("content", ""), request.POST.get("parent") or None
        )
    except threads.CommentError as error:
        messages.error(request, error.message)
        return _back(target)
    return _back(target, comment)


@declare(SIGNED_IN)
@login_required
@require_POST
def edit(request: HttpRequest, pk) -> HttpResponse:
    comment = _visible_comment(request, pk)
    try:
        threads.edit(request, comment, request.POST.get("content", ""))
    except threads.CommentError as error:
        messages.error(request, error.message)
    return _back(comment.target, comment)


@declare(SIGNED_IN)
@login_required
@require_POST
def delete(request: HttpRequest, pk) -> HttpResponse:
    comment = _visible_comment(request, pk)
    try:
        threads.delete(request, comment)
    except threads.CommentError as error:
        messages.error(request, error.message)
        return _back(comment.target, comment)
    return _back(comment.target)


@declare(Level.VIEW)
@login_required
@require_POST
def react(request: HttpRequest, pk) -> HttpResponse:
    """Toggle the viewer's reaction: add it, or take it back if it is already there."""
    comment = _visible_comment(request, pk)
    try:
        emoji = reactions.clean_emoji(request.POST.get("emoji", ""))
    except ValidationError:
        messages.error(request, "React with a single emoji.")
        return _back(comment.target, comment)
    if not reactions.remove(request.user, comment, emoji):
        reactions.add(request.user, comment, emoji)
    return _back(comment.target, comment)


def _visible_comment(request: HttpRequest, pk) -> Comment:
    comment = Comment.objects.select_related("author", *TARGET_RELATED).filter(pk=pk).first()
    if comment is None:
        raise Http404(f"No comment with id {pk}.")
    viewer.require(request, comment.target)
    return comment


def _back(target: Model, comment: Comment | None = None) -> HttpResponse:
    anchor = f"#comment-{comment.pk}" if comment else "#comments"
    return redirect(url_of(target) + anchor)
