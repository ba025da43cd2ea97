"""The web pages' addresses, for code that hands them out without being a page: e-mails (@mentions),
story exports (a slide's link and QR code), the web UI's own links.

Paths come from the URL names of ``web/urls.py`` through ``reverse()``; nothing here imports the web UI.
``/r/<short id or id>`` is the link the client stamps on figures and exports print under slides.

Full URLs (share links, QR codes, story exports, the API's ``revision_url``) come from :func:`absolute`
only, and never from what the client says the host is: with FIGTRAIL_ALLOWED_HOSTS ``*`` (the default)
any ``Host`` or ``X-Forwarded-Host`` reaches the app, and a link built from it would send whoever scans a
QR code or opens a share link to the attacker's site. The base, first that applies:

1. FIGTRAIL_PUBLIC_URL;
2. the request's host when FIGTRAIL_ALLOWED_HOSTS names the hosts (no ``*``): Django has refused any
   other host before a view runs, so it is one the operator listed;
3. the address ``figtrail serve`` is bound to (``http://127.0.0.1:8470``; the machine's own name when it
   listens on every address), told by :func:`serve_at` before its workers start;
4. none: the link is the path alone (another WSGI server, with neither setting), as in e-mails.
"""

from __future__ import annotations

import socket

from django.conf import settings
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


_served_at: str | None = None  # set by `figtrail serve` in its master process; workers fork from it

WILDCARD_BINDS = ("", "0.0.0.0", "::", "[::]")


def serve_at(host: str, port: int, scheme: str = "http") -> str:
    """Record the address ``figtrail serve`` listens on as the last-resort base of links; returns it.
    An address that means "every interface" is replaced by this machine's own name; ``https`` when it
    serves TLS itself (``--certfile``)."""
    global _served_at
    name = socket.getfqdn() if host in WILDCARD_BINDS else host.strip("[]")
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    _served_at = f"{scheme}://{name}:{port}"
    return _served_at


def hosts_pinned() -> bool:
    """FIGTRAIL_ALLOWED_HOSTS names the hosts (no ``*``), so Django refuses a request for any other."""
    return "*" not in settings.ALLOWED_HOSTS


def link_base(request: HttpRequest | None) -> str | None:
    """The scheme and host links are built on (module docstring), or None when nothing trustworthy is
    configured."""
    public = public_url()
    if public:
        return public
    if request is not None and hosts_pinned():
        return f"{request.scheme}://{request.get_host()}"  # validated against ALLOWED_HOSTS
    return _served_at


def absolute(request: HttpRequest | None, path: str) -> str:
    """A full URL for links that leave the page (QR codes, share links, exports), on :func:`link_base`;
    the path alone when there is no trustworthy base. Never the request's ``Host`` unless pinned."""
    base = link_base(request)
    return base + path if base else path
