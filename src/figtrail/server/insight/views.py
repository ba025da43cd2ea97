"""The AI endpoints that answer at once: insight, compare, extract_code and query (JSON, or Server-Sent
Events when asked), and the availability and usage reports.

Every answer says who wrote it: ``provider``, ``model`` and ``is_llm`` (False for the offline provider,
whose answers are summaries of the stored facts, not a model's reading of the figure).
"""

from __future__ import annotations

import re
import uuid

from rest_framework.response import Response
from rest_framework.views import APIView

from figtrail.ai import Prompt, Purpose
from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Revision, Workspace
from figtrail.server.insight import bodies, calls
from figtrail.server.insight.facts import revision_facts
from figtrail.server.sse import sse_response

MAX_IMAGES_IN_COMPARE = 4  # more pictures make a prompt slow and expensive for little gain
CODE_BLOCK = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)```", re.DOTALL)


class AIView(APIView):
    """Shared by the AI views: errors always as JSON, even to a client that accepts only event streams."""

    def perform_content_negotiation(self, request, force: bool = False):
        return super().perform_content_negotiation(request, force=True)

    @property
    def actor(self) -> policy.Actor:
        return policy.actor_of(self.request)

    def visible_revision(self, revision_id: uuid.UUID | str, field: str | None = None) -> Revision:
        """The revision: 404 if there is none, 403 without view access."""
        revision = policy.get_or_404(Revision, revision_id, related=("figure__analysis__workspace",))
        policy.check(self.actor, revision, Level.VIEW)
        return revision

    def wants_stream(self, body: dict) -> bool:
        return bool(body.get("stream")) or "text/event-stream" in self.request.headers.get("Accept", "")

    def answer(self, prompt: Prompt, workspace: Workspace | None, stream: bool):
        """The completion as JSON, or streamed as Server-Sent Events."""
        if stream:
            events = calls.open_stream(self.request.user, prompt, workspace)
            return sse_response(events)
        completion, provider = calls.complete(self.request.user, prompt, workspace)
        return Response(calls.body(completion, provider))


class Insight(AIView):
    """``POST ai/insight/`` {revision_id, question?, stream?}: explain one figure revision."""

    access = {"post": Level.VIEW}  # access.declarations: VIEW on the revision, checked below

    def post(self, request, *args, **kwargs):
        body = bodies.parse(bodies.InsightBody, request.data)
        revision = self.visible_revision(body["revision_id"])
        hidden = policy.environment_hidden(self.actor, revision)
        figures = (revision_facts(revision, hide_environment=hidden),)
        prompt = Prompt(purpose=Purpose.INSIGHT, question=body["question"], figures=figures)
        return self.answer(prompt, policy.workspace_of(revision), self.wants_stream(body))


class Compare(AIView):
    """``POST ai/compare/`` {revision_ids: [2..6], question?, stream?}: what changed between revisions."""

    access = {"post": Level.VIEW}  # access.declarations: VIEW on every revision, checked below

    def post(self, request, *args, **kwargs):
        body = bodies.parse(bodies.CompareBody, request.data)
        revisions = [self.visible_revision(pk) for pk in body["revision_ids"]]
        with_images = len(revisions) <= MAX_IMAGES_IN_COMPARE
        figures = tuple(
            revision_facts(
                revision,
                with_image=with_images,
                hide_environment=policy.environment_hidden(self.actor, revision),
            )
            for revision in revisions
        )
        prompt = Prompt(purpose=Purpose.COMPARE, question=body["question"], figures=figures)
        return self.answer(prompt, policy.workspace_of(revisions[0]), self.wants_stream(body))


class ExtractCode(AIView):
    """``POST ai/extract_code/`` {revision_id}: the minimal code that draws the figure."""

    access = {"post": Level.VIEW}  # access.declarations: VIEW on the revision, checked below

    def post(self, request, *args, **kwargs):
        body = bodies.parse(bodies.RevisionBody, request.data)
        revision = self.visible_revision(body["revision_id"])
        hidden = policy.environment_hidden(self.actor, revision)
        return Response(extracted_code(request.user, revision, hide_environment=hidden))


def extracted_code(user, revision: Revision, *, hide_environment: bool = False) -> dict:
    """The answer to "what code draws this figure?": the provider's answer (``calls.body``) with the code
    taken out of it and its language; counted against ``user``'s limits. The API and web page use this."""
    facts = revision_facts(revision, with_image=False, hide_environment=hide_environment)
    prompt = Prompt(purpose=Purpose.EXTRACT_CODE, figures=(facts,))
    completion, provider = calls.complete(user, prompt, policy.workspace_of(revision))
    code, language = code_of(completion.text, facts.code_language)
    return {**calls.body(completion, provider), "code": code, "language": language}


def code_of(text: str, default_language: str) -> tuple[str, str]:
    """The first fenced code block of an answer, or the whole answer when it has no fence."""
    match = CODE_BLOCK.search(text)
    if match is None:
        return text.strip() + "\n" if text.strip() else "", default_language
    return match.group(2).rstrip() + "\n", (match.group(1) or default_language).lower()


class Query(AIView):
    """``POST ai/query/`` {question, workspace_id?, stream?}: a text-only question."""

    access = {"post": SIGNED_IN}  # access.declarations: the workspace, if named, is checked below

    def post(self, request, *args, **kwargs):
        body = bodies.parse(bodies.QueryBody, request.data)
        workspace = None
        if body.get("workspace_id"):
            workspace = policy.get_or_404(Workspace, body["workspace_id"])
            policy.check_workspace(self.actor, workspace, Level.VIEW)
        prompt = Prompt(purpose=Purpose.QUERY, question=body["question"])
        return self.answer(prompt, workspace, self.wants_stream(body))
