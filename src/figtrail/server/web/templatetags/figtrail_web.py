"""Template helpers for the web UI's pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.http import QueryDict
from django.urls import reverse

from figtrail.server.access.policy import Level
from figtrail.server.catalog import data_formats
from figtrail.server.web import viewer

register = template.Library()


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one): for pagination links."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """The current query string pointing at page ``number`` of the list paged by ``param``."""
    return query(context, **{param or "page": number})


@register.filter
def http_url(value) -> str:
    """A URL from user data (revision metadata, say) if it is an absolute http(s) URL, else "": a page
    links only those. Escaping alone leaves ``javascript:`` (any case, with tabs or spaces inside, which
    browsers drop) or ``data:`` working in an ``href``."""
    if not isinstance(value, str) or any(ord(c) <= 32 or ord(c) == 127 for c in value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


@register.filter
def data_format(data) -> str:
    return data_formats.data_format(data)


@register.filter
def view_url(data) -> str:
    return reverse("web:data-view", args=[data.pk])


@register.filter
def download_url(data) -> str:
    return reverse("web:data-download", args=[data.pk])


@register.filter
def thumbnail_url(revision, size: int = 320) -> str:
    return reverse("web:thumbnail", args=[revision.pk, size])


@register.filter
def role_label(role: str) -> str:
    return str(role).replace("org_", "organization ").replace("workspace_", "workspace ").replace("_", " ")


@register.filter
def ago(moment) -> str:
    """ "just now", or "5 minutes ago"; Django's timesince counts the minutes."""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment)} ago"


@register.simple_tag(takes_context=True)
def may(context, obj, level: str) -> bool:
    """Whether the person looking at the page holds ``level`` ("create", "admin", "own") on ``obj``, as
    ``access.policy`` says (``web.viewer.can``): ``{% may figure "create" as can_change %}``."""
    request = context.get("request")
    return request is not None and obj is not None and viewer.can(request, obj, Level[level.upper()])
