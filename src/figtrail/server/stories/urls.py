"""API routes of this part, included under every /api/<version>/ prefix by figtrail.server.urls."""

from __future__ import annotations

api_patterns: list = []
