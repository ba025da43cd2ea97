"""The web pages' addresses, for code that hands them out without being a page: e-mails (@mentions),
story exports (a slide's link and QR code), the web UI's own links.

Paths come from the URL names of ``web/urls.py`` through ``reverse()``; nothing here imports the web UI.
``/r/<short id or id>`` is the link the client stamps on figures and exports print under slides.
"""

from __future__ import annotations

from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse

from figtrail.server.catalog.models import Analysis, Asset, AssetRevision, Figure, Revision, Workspace
from figtrail.server.email_links import public_url
from figtrail.server.stories.models import Story

PAGES = {  # the model shown on each page -> its URL name
    Workspace: "web:workspace",
    Analysis: "web:analysis",
    Figure: "web:figure",
    Revision: "web:revision",
    Asset: "web:asset",
    AssetRevision: "web:asset-revision",
    Story: "web:story",
}


def url_of(obj: Model) -> str:
    """The path of the object's page."""
    return reverse(PAGES[type(obj)], args=[obj.pk])


def revision_link(revision: Revision) -> str:
    """``/r/<short id or id>``: the revision's lasting link, which redirects to its page."""
    return reverse("web:short-link", args=[revision.short_id or revision.pk])


def absolute(request: HttpRequest, path: str) -> str:
    """A full URL for links that leave the page (QR codes, share links, exports): on FIGTRAIL_PUBLIC_URL
    if set, else on the host of this request."""
    public = public_url()
    if public:
        return public + path
    return request.build_absolute_uri(path)
