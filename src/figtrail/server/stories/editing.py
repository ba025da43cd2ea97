"""Making and changing stories: where a new one lives, which slides it has, and edits by people.

Every revision that enters a story (at creation or by an edit) is one its author may VIEW; every change
needs CREATE on the story's workspace (checked by the view before it calls here).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.api.errors import Conflict
from figtrail.server.catalog.models import Analysis, Revision, Workspace
from figtrail.server.ids import parse_uuid
from figtrail.server.stories import selection
from figtrail.server.stories.models import Story, StorySlide, StoryStatus
from figtrail.server.tasks import runner
from figtrail.server.tasks.models import Task


def _placement(actor: policy.Actor, data: dict) -> tuple[Workspace, Analysis | None]:
    """The workspace a new story goes in (the analysis's, when one is named), checked for CREATE."""
    analysis = None
    if data.get("analysis"):
        analysis = Analysis.objects.select_related("workspace").filter(pk=data["analysis"]).first()
        if analysis is None:
            raise ValidationError({"analysis": [f"No analysis with id {data['analysis']}."]})
    workspace = analysis.workspace if analysis else None
    if data.get("workspace"):
        workspace = Workspace.objects.filter(pk=data["workspace"]).first()
        if workspace is None:
            raise ValidationError({"workspace": [f"No workspace with id {data['workspace']}."]})
        if analysis is not None and analysis.workspace_id != workspace.pk:
            raise ValidationError({"analysis": ["This analysis is not in the workspace given."]})
    if workspace is None:
        raise ValidationError({"workspace": ["Give the workspace (or the analysis) the story belongs to."]})
    policy.check_workspace(actor, workspace, Level.CREATE)
    return workspace, analysis


def _check_same_workspace(workspace: Workspace, revisions: list[Revision], field: str) -> None:
    """A story shows its images to everyone who may read it, that is, to its workspace's members and to
    whoever it is shared with: so it shows only its own workspace's figures, never a way to carry a figure
    out of the workspace that guards it."""
    for revision in revisions:
        if revision.figure.analysis.workspace_id != workspace.pk:
            message = (
                f"Revision {revision.pk} is in another workspace: a story shows its own workspace's figures."
            )
            raise ValidationError({field: [message]})


def _common_analysis(revisions: list[Revision]) -> Analysis | None:
    analyses = {rev.figure.analysis_id for rev in revisions}
    return revisions[0].figure.analysis if len(analyses) == 1 else None


def create_story(actor: policy.Actor, user, data: dict) -> Story:
    """A new story with one slide per chosen revision, titled after its figure until it is written."""
    workspace, analysis = _placement(actor, data)
    revisions = selection.choose(
        actor,
        revision_ids=data.get("revision_ids"),
        figure_ids=data.get("figure_ids"),
        analysis=analysis,
    )
    _check_same_workspace(workspace, revisions, "figure_ids" if data.get("figure_ids") else "revision_ids")
    generate = data["generate"]
    with transaction.atomic():
        story = Story.objects.create(
            workspace=workspace,
            analysis=analysis or _common_analysis(revisions),
            title=data.get("title", ""),
            summary=data.get("summary", ""),
            status=StoryStatus.GENERATING if generate else StoryStatus.DRAFT,
            created_by=user,
        )
        StorySlide.objects.bulk_create(
            StorySlide(story=story, position=n, revision=rev, title=rev.figure.name[:500])
            for n, rev in enumerate(revisions)
        )
        activity.record(user, Action.CREATE, story)
    return story


def change_story(actor: policy.Actor, user, story: Story, data: dict) -> None:
    with transaction.atomic():
        fields = [name for name in ("title", "summary") if name in data]
        for name in fields:
            setattr(story, name, data[name])
        if "slides" in data:
            _replace_slides(actor, story, data["slides"])
        story.updated_by, story.updated_on = user, timezone.now()
        story.save(update_fields=[*fields, "updated_by", "updated_on"])
        activity.record(user, Action.UPDATE, story)


def _replace_slides(actor: policy.Actor, story: Story, items: list[dict]) -> None:
    """``items`` is the new slide list in order: keep, edit, add, drop; every revision at most once."""
    if not items:
        raise ValidationError({"slides": ["A story needs at least one slide."]})
    existing = {slide.pk: slide for slide in story.slides.all()}
    slides, seen = [], set()
    for number, item in enumerate(items, start=1):
        slide = _slide_for(actor, story, existing, item, number)
        if slide.revision_id is not None and slide.revision_id in seen:
            raise ValidationError(
                {"slides": [f"Slide {number}: revision {slide.revision_id} is already shown."]}
            )
        seen.add(slide.revision_id)
        slides.append(slide)
    kept = {slide.pk for slide in slides}
    StorySlide.objects.filter(story=story).exclude(pk__in=kept).delete()
    for position, slide in enumerate(slides):
        slide.position = position
        slide.save()


def _slide_for(actor: policy.Actor, story: Story, existing: dict, item: dict, number: int) -> StorySlide:
    if "api_id" in item:
        slide = existing.get(item["api_id"])
        if slide is None:
            raise ValidationError({"slides": [f"Slide {number}: no slide {item['api_id']} in this story."]})
    elif "revision" not in item:
        raise ValidationError(
            {"slides": [f"Slide {number}: give its api_id, or a revision for a new slide."]}
        )
    else:
        slide = StorySlide(story=story)
    if "revision" in item:
        revision = _viewable_revision(actor, item["revision"], number)
        if revision.figure.analysis.workspace_id != story.workspace_id:
            raise ValidationError(
                {
                    "slides": [
                        f"Slide {number}: revision {revision.pk} is in another workspace than the story."
                    ]
                }
            )
        if slide.revision_id != revision.pk:
            slide.revision = revision
            if "title" not in item and not slide.title:
                slide.title = revision.figure.name[:500]
    for name in ("title", "description", "transition"):
        if name in item:
            setattr(slide, name, item[name])
    return slide


def _viewable_revision(actor: policy.Actor, value: str, number: int) -> Revision:
    pk = parse_uuid(value)
    revision = Revision.objects.select_related("figure__analysis__workspace").filter(pk=pk).first()
    if revision is None or not policy.allowed(actor, revision, Level.VIEW):
        raise ValidationError({"slides": [f"Slide {number}: no revision with id {value} that you may view."]})
    return revision


def queue_writing(story: Story, user) -> Task:
    """Queue the "story.generate" task for a story marked generating, and remember it on the story."""
    with transaction.atomic():
        task = runner.submit(
            "story.generate", user, workspace=story.workspace, payload={"story": str(story.pk)}
        )
        Story.objects.filter(pk=story.pk).update(task=task)
    return task


def start_rewriting(story: Story, user, *, new_title: bool) -> Task:
    """Write a story's words again: 409 while it is being written, 400 when no slide shows a figure."""
    check_not_generating(story)
    if not story.slides.filter(revision__figure__analysis__workspace=story.workspace_id).exists():
        raise ValidationError({"slides": ["No slide of this story has a figure left to write about."]})
    changes = {"status": StoryStatus.GENERATING, "note": "", "updated_by": user, "updated_on": timezone.now()}
    if new_title:
        changes["title"] = ""
    Story.objects.filter(pk=story.pk).update(**changes)
    activity.record(user, Action.UPDATE, story)
    return queue_writing(story, user)


def check_not_generating(story: Story) -> None:
    """409 while the story is being written: a change now would be overwritten by the writer."""
    if story.status == StoryStatus.GENERATING:
        raise Conflict.because("generating", "The story is being written; try again when it is done.")
