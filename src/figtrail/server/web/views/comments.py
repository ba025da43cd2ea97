"""Comments and reactions on figure, revision and asset pages: plain forms that post and come back.

The rules are those of the API (:mod:`figtrail.server.social.threads`); the Markdown is shown as the
sanitised HTML :mod:`figtrail.server.social.rendering` makes. Every form works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import APIException, ValidationError

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN, declare
from figtrail.server.access.policy import Level
from figtrail.server.insight import replies
from figtrail.server.insight.models import AIUsage
from figtrail.server.page_urls import url_of
from figtrail.server.social import reactions, targets, threads
from figtrail.server.social.comments import TARGET_RELATED, with_reactions
from figtrail.server.social.models import Comment, TargetType
from figtrail.server.social.rendering import render
from figtrail.server.tasks.models import PAYLOAD, Task
from figtrail.server.web import viewer
from figtrail.server.web.gate import json_endpoint
from figtrail.server.web.views.insight import availability, error_detail, provider_label

OFFLINE_PROVIDER = "offline"  # figtrail.ai.offline's name: the one provider that is not a language model

QUICK_EMOJIS = ("👍", "🎉", "❤️", "👀", "🤔")
MAX_INDENT = 4  # deeper replies are drawn at this depth, so a long exchange stays readable


@dataclass
class CommentRow:
    comment: Comment
    depth: int
    html: str
    reactions: list[dict]
    mine: bool
    ai_label: str = ""  # who wrote an AI comment ("Offline summary, no language model" for offline)

    @property
    def indent(self) -> int:
        return min(self.depth, MAX_INDENT)

    @property
    def writing(self) -> bool:
        """An AI reply whose "ai.reply" task has not filled it yet."""
        return self.comment.is_ai and not self.comment.content


def comments_panel(request: HttpRequest, target: Model) -> dict | None:
    """What the comments panel shows for ``target``, or None for a visitor who is not signed in."""
    if not request.user.is_authenticated or not viewer.can(request, target):
        return None
    ordered = list(threads.thread_order(with_reactions(targets.comments_on(target))))
    labels = ai_labels([c for c, _ in ordered if c.is_ai])
    rows = [
        CommentRow(
            c,
            depth,
            render(c.content),
            reactions.summary(c, request.user),
            c.author_id == request.user.pk,
            labels.get(c.pk, ""),
        )
        for c, depth in ordered
    ]
    return {
        "target_type": targets.type_of(target),
        "target": target,
        "rows": rows,
        "emojis": QUICK_EMOJIS,
        "ai": _ai_tools(request, target),
    }


def _ai_tools(request: HttpRequest, target: Model) -> dict | None:
    """The "Ask AI to reply" button, for those the API would let ask (view access of their own, not
    a share link's), disabled with the reason when their AI limits are reached."""
    if not policy.allowed(viewer.actor(request), target, Level.VIEW):
        return None
    _, reason = availability(request)
    return {"available": not reason, "reason": reason}


def ai_labels(comments: list[Comment]) -> dict:
    """Who wrote each AI comment, from the usage row of the "ai.reply" task that filled it (one query for
    the tasks, one for the usage rows); a comment whose task is gone is labelled plainly "AI"."""
    if not comments:
        return {}
    ids = [str(c.pk) for c in comments]
    of_comments = {f"{PAYLOAD}__comment__in": ids}
    tasks = Task.objects.filter(kind=replies.KIND, **of_comments).values_list(PAYLOAD, flat=True)
    usage_of = {str(p.get("comment")): p.get("usage") for p in tasks}
    usages = {u.pk: u for u in AIUsage.objects.filter(pk__in=[u for u in usage_of.values() if u])}
    labels = {}
    for comment in comments:
        usage = usages.get(usage_of.get(str(comment.pk)))
        labels[comment.pk] = (
            provider_label(usage.provider, usage.provider != OFFLINE_PROVIDER, usage.model) if usage else "AI"
        )
    return labels


@declare(Level.VIEW)
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
@require_POST
def edit(request: HttpRequest, pk) -> HttpResponse:
    comment = _visible_comment(request, pk)
    try:
        threads.edit(request, comment, request.POST.get("content", ""))
    except threads.CommentError as error:
        messages.error(request, error.message)
    return _back(comment.target, comment)


@declare(SIGNED_IN)
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


@declare(Level.VIEW)
@require_POST
def ai_reply(request: HttpRequest, pk) -> HttpResponse:
    """The "Ask AI to reply" button: the same code as the API's ``comment/<id>/ai_reply/``; the page
    comes back with the empty reply, which ``ai_reply.js`` shows as "writing…" until it is filled."""
    comment = _visible_comment(request, pk)
    if not policy.allowed(viewer.actor(request), comment.target, Level.VIEW):
        raise PermissionDenied("Ask the AI about what you can view yourself, not through a share link.")
    try:
        reply, _ = replies.start_reply(request.user, comment)
    except APIException as error:
        messages.error(request, error_detail(error))
        return _back(comment.target, comment)
    return _back(comment.target, reply)


@declare(Level.VIEW)
@json_endpoint
@require_GET
def body(request: HttpRequest, pk) -> JsonResponse:
    """One comment's sanitised HTML, for the page waiting for an AI reply to be written."""
    comment = _visible_comment(request, pk)
    label = ai_labels([comment]).get(comment.pk, "")
    writing = comment.is_ai and not comment.content
    return JsonResponse({"writing": writing, "html": render(comment.content), "label": label})


def _visible_comment(request: HttpRequest, pk) -> Comment:
    comment = Comment.objects.select_related("author", *TARGET_RELATED).filter(pk=pk).first()
    if comment is None or (request.user.is_authenticated and not viewer.can(request, comment.target)):
        raise viewer.missing(Comment, pk)  # a comment on what one may not see is one nobody wrote
    viewer.require(request, comment.target)
    return comment


def _back(target: Model, comment: Comment | None = None) -> HttpResponse:
    anchor = f"#comment-{comment.pk}" if comment else "#comments"
    return redirect(url_of(target) + anchor)
