"""A story as a file to download: the one answer the API's ``story/<id>/export/`` and the web page's
download buttons both give (same writer, same content type, same file name)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from figtrail.server.payload_responses import payload_response
from figtrail.server.stories.docx_writer import write_docx
from figtrail.server.stories.exporting import file_name, gather
from figtrail.server.stories.models import Story
from figtrail.server.stories.pptx_writer import write_pptx

WRITERS = {"pptx": write_pptx, "docx": write_docx}
FORMATS = tuple(WRITERS)


def download(request: HttpRequest, story: Story, fmt: str) -> HttpResponse:
    """The story written as ``fmt`` (one of FORMATS; the caller has checked it and the reader's access)."""
    body = WRITERS[fmt](gather(request, story))
    return payload_response(
        body, fmt, inline=False, filename=file_name(story, fmt), cache="private, no-cache"
    )
