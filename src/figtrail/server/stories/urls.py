"""API routes of this part, included under every /api/<version>/ prefix by figtrail.server.urls."""

from __future__ import annotations

from figtrail.server.api.routers import OptionalSlashRouter
from figtrail.server.stories.views import StoryViewSet

router = OptionalSlashRouter()
router.register("story", StoryViewSet, basename="story")

api_patterns: list = router.urls
