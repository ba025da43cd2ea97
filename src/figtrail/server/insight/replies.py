"""``POST comment/<id>/ai_reply/``: an AI-written reply in the comment's thread.

The request answers 201 at once with the new, empty comment (``is_ai`` true, authored for the caller who
asked for it) and queues an "ai.reply" task that fills its content: the provider reads the thread's
messages as the conversation, and the figure's facts when the thread is about a figure or a revision.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from figtrail.ai import Message, Prompt, Purpose
from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Figure, Revision
from figtrail.server.insight import calls, limits
from figtrail.server.insight.facts import revision_facts
from figtrail.server.insight.models import AIUsage
from figtrail.server.insight.views import AIView
from figtrail.server.social import targets, threads
from figtrail.server.social.comments import TARGET_RELATED, CommentSerializer
from figtrail.server.social.models import TARGET_FIELDS, Comment
from figtrail.server.tasks import runner
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import TaskFailed
from figtrail.server.tasks.views import TaskSerializer

KIND = "ai.reply"
AI_AUTHOR = "AI"


class AIReply(AIView):
    access = {"post": Level.VIEW}  # access.declarations: VIEW on the commented object, checked below

    def post(self, request, *args, pk: str, **kwargs):
        comment = policy.get_or_404(Comment, pk, "comment", related=TARGET_RELATED)
        target = comment.target
        policy.check(self.actor, target, Level.VIEW)
        reply, task = start_reply(request.user, comment)
        data = CommentSerializer(reply, context={"request": request}).data
        return Response({**data, "task": TaskSerializer(task).data}, status=status.HTTP_201_CREATED)


def start_reply(user, comment: Comment) -> tuple[Comment, Task]:
    """Admit the call, make the empty AI reply and queue the task that fills it (the API's route and the
    web UI's both come here; the caller has checked that ``user`` may view the comment's target)."""
    workspace = policy.workspace_of(comment.target)
    provider = calls.current_provider()
    with transaction.atomic():
        usage = limits.admit(user, Purpose.REPLY, provider, workspace)
        reply = Comment.objects.create(
            target_type=comment.target_type,
            parent=comment,
            author=user,
            content="",
            is_ai=True,
            **{TARGET_FIELDS[comment.target_type]: comment.target},
        )
        task = runner.submit(KIND, user, workspace, payload={"comment": str(reply.pk), "usage": usage.pk})
    return reply, task


def write_reply(comment_id: str, usage_id: int) -> dict:
    """The task's work: ask the provider and fill the comment; a failure is written in the comment too,
    so the thread never keeps an empty message."""
    reply = Comment.objects.select_related("author", *TARGET_RELATED).get(pk=comment_id)
    usage = AIUsage.objects.get(pk=usage_id)
    prompt = Prompt(
        purpose=Purpose.REPLY,
        question=reply.parent.content if reply.parent_id else "",
        figures=_figures_of(reply.target, _hidden_from(reply.author, reply.target)),
        history=tuple(_history(reply)),
    )
    try:
        completion = calls.complete_admitted(usage, calls.current_provider(), prompt)
    except calls.ProviderFailed as error:
        _fill(reply, f"_The AI could not answer: {error.detail['detail']}_")
        raise TaskFailed(str(error.detail["detail"])) from error
    _fill(reply, completion.text.strip() or "_The AI had nothing to say._")
    return {"comment": str(reply.pk), "provider": completion.provider, "model": completion.model}


def _fill(reply: Comment, content: str) -> None:
    reply.content, reply.updated_on = content[: threads.MAX_CONTENT], timezone.now()
    reply.save(update_fields=["content", "updated_on"])


def _hidden_from(user, target) -> bool:
    """Whether whoever asked reads the target without the environment (a link reader, the link hiding
    it: ``policy.environment_hidden``); then the provider is not told it either."""
    return isinstance(target, (Revision, Figure)) and policy.environment_hidden(
        policy.Actor(user=user), target
    )


def _figures_of(target, hide_environment: bool = False) -> tuple:
    if isinstance(target, Revision):
        return (revision_facts(target, hide_environment=hide_environment),)
    if isinstance(target, Figure):
        latest = target.revisions.order_by("-revision_index").first()
        return (revision_facts(latest, hide_environment=hide_environment),) if latest else ()
    return ()


def _history(reply: Comment) -> list[Message]:
    """The messages of the thread ``reply`` is in, in thread order, up to the one it answers."""
    root = reply
    while root.parent_id:
        root = root.parent
    comments = targets.comments_on(reply.target).select_related("author")
    in_thread, messages = {root.pk}, []
    for comment, _ in threads.thread_order(comments):
        if comment.pk != root.pk and comment.parent_id not in in_thread:
            continue
        in_thread.add(comment.pk)
        if comment.pk != reply.pk and comment.content.strip():
            author = AI_AUTHOR if comment.is_ai else (comment.author.username if comment.author else "")
            messages.append(Message(author=author, text=comment.content, is_ai=comment.is_ai))
    return messages
