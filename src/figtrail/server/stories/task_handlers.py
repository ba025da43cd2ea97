"""Background work of stories, registered by kind (imported at start-up by the tasks app)."""

from __future__ import annotations

from figtrail.server.stories import generation
from figtrail.server.stories.models import Story
from figtrail.server.tasks.models import Task
from figtrail.server.tasks.registry import Reporter, TaskFailed, background


@background("story.generate")
def generate_story(task: Task, report: Reporter, *, story: str) -> dict:
    """Write a story; whatever goes wrong, the story itself ends up ``failed`` saying why, so that a
    reader of the story (not only of the task) learns it."""
    story_id = story
    try:
        return generation.generate(story_id, report)
    except Story.DoesNotExist:
        raise TaskFailed("The story was deleted before it was written.") from None
    except generation.StoryFormatError as exc:
        generation.mark_failed(story_id, str(exc))
        raise TaskFailed(f"Writing the story failed: {exc}") from None
    except Exception as exc:
        generation.mark_failed(story_id, f"{type(exc).__name__}: {exc}")
        raise
