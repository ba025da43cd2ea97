"""API routes of this part, included under every /api/<version>/ prefix by figtrail.server.urls.

They come before the router's, so ``revision/<id>/data_io/`` and the ``ai_describe`` / ``ai_reply``
actions sit next to the catalog's and the comments' own routes without touching their viewsets.
"""

from __future__ import annotations

from django.urls import re_path

from figtrail.server.insight.data_io import DataIO
from figtrail.server.insight.describe import AIDescribe
from figtrail.server.insight.replies import AIReply
from figtrail.server.insight.reports import Availability, Usage
from figtrail.server.insight.views import Compare, ExtractCode, Insight, Query

ID = r"(?P<pk>[^/]+)"

api_patterns: list = [
    re_path(r"^ai/insight/?$", Insight.as_view(), name="ai-insight"),
    re_path(r"^ai/compare/?$", Compare.as_view(), name="ai-compare"),
    re_path(r"^ai/extract_code/?$", ExtractCode.as_view(), name="ai-extract-code"),
    re_path(r"^ai/query/?$", Query.as_view(), name="ai-query"),
    re_path(r"^ai/availability/?$", Availability.as_view(), name="ai-availability"),
    re_path(r"^ai/usage/?$", Usage.as_view(), name="ai-usage"),
    re_path(rf"^revision/{ID}/data_io/?$", DataIO.as_view(), name="revision-data-io"),
    re_path(rf"^figure/{ID}/ai_describe/?$", AIDescribe.as_view(kind="figure"), name="figure-ai-describe"),
    re_path(
        rf"^revision/{ID}/ai_describe/?$", AIDescribe.as_view(kind="revision"), name="revision-ai-describe"
    ),
    re_path(rf"^comment/{ID}/ai_reply/?$", AIReply.as_view(), name="comment-ai-reply"),
]
