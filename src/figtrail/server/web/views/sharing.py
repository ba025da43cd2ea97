"""Sharing one object outside its workspace: a link anyone can open (on/off, expiry) and named users.

Opening ``/s/<token>`` keeps the token in the visitor's session and shows the shared object read-only;
``access.policy`` decides that the object and its descendants, and nothing else, are readable with it.
"""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from figtrail.server.access import people, policy, sharing
from figtrail.server.access.declarations import PUBLIC, declare
from figtrail.server.access.models import LinkShare, UserShare
from figtrail.server.access.policy import Level
from figtrail.server.activity import log as activity
from figtrail.server.activity.models import Action
from figtrail.server.page_urls import absolute, url_of
from figtrail.server.web import viewer
from figtrail.server.web.navigation import KIND_MODELS, SHARE_KINDS, breadcrumbs

NOT_SHARED = "It was not shared with that user."


class LinkForm(forms.Form):
    enabled = forms.BooleanField(required=False)
    expiry = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hide_environment = forms.BooleanField(required=False)  # link readers get no environment

    def clean_expiry(self):
        day = self.cleaned_data["expiry"]
        if day is None:
            return None
        moment = timezone.make_aware(datetime.combine(day, time.max))
        if moment <= timezone.now():
            raise forms.ValidationError("Choose a day in the future, or no expiry.")
        return moment


def share_panel(request: HttpRequest, obj: Model) -> dict | None:
    """What the share dialog shows for ``obj``, or None if the viewer may not share it."""
    if not viewer.can(request, obj, Level.CREATE):
        return None
    kind = SHARE_KINDS[type(obj)]
    link = LinkShare.objects.filter(target_type=kind, target_id=obj.pk).first()
    users = UserShare.objects.filter(target_type=kind, target_id=obj.pk).select_related("user")
    return {
        "kind": kind,
        "object": obj,
        "label": obj.label,
        "action": reverse("web:share", args=[kind, obj.pk]),
        "link": link,
        "link_active": bool(link and link.is_active()),
        "hides_environment": kind != "story",  # a story's link shows its slides, not revisions
        "link_url": absolute(request, reverse("web:shared-link", args=[link.token])) if link else None,
        "users": [share.user.username for share in users.order_by("user__username")],
    }


def _target(request: HttpRequest, kind: str, pk) -> Model:
    model = KIND_MODELS.get(kind)
    if model is None or kind == "workspace":
        raise Http404(f"{kind} cannot be shared.")
    return viewer.fetch(request, model, pk)


@declare(Level.CREATE)
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, kind: str, pk) -> HttpResponse:
    obj = _target(request, kind, pk)
    viewer.require(request, obj, Level.CREATE)
    if request.method == "POST":
        if _apply(request, kind, obj):  # a link just turned on: shown at once, with its copy button
            return redirect("web:share", kind=kind, pk=obj.pk)
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None):  # a path on this server
            return redirect(back)
        return redirect("web:share", kind=kind, pk=obj.pk)
    context = {
        "share": share_panel(request, obj),
        "crumbs": breadcrumbs(request, obj),
        "object_url": url_of(obj),
    }
    return render(request, "web/share.html", context)


def _apply(request: HttpRequest, kind: str, obj: Model) -> bool:
    """Do the posted sharing action; True when it turned a link on that was not on before."""
    action = request.POST.get("action")
    if action == "link":
        form = LinkForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return False
        before = LinkShare.objects.filter(target_type=kind, target_id=obj.pk).first()
        was_on = bool(before and before.is_active())
        link = sharing.set_link(
            kind,
            obj.pk,
            request.user,
            enabled=form.cleaned_data["enabled"],
            expiry=form.cleaned_data["expiry"],
            hide_environment=form.cleaned_data["hide_environment"] if kind != "story" else sharing.UNCHANGED,
        )
        if link.is_active() and not was_on:
            messages.success(request, "Link sharing is on: copy the link below.")
            return True
        messages.success(request, "Link sharing is on." if link.enabled else "Link sharing is off.")
    elif action == "new_link":
        sharing.renew_link(kind, obj.pk)
        messages.success(request, "A new link replaces the old one; the old link no longer works.")
    elif action in ("add_user", "remove_user"):
        _share_with_user(request, kind, obj, request.POST.get("username", "").strip(), action == "add_user")
    else:
        messages.error(request, "Unknown sharing action.")
    return False


def _share_with_user(request: HttpRequest, kind: str, obj: Model, username: str, enable: bool) -> None:
    if not enable:  # among this object's shares only: nothing here asks whether an account exists
        removed = sharing.unshare(kind, obj.pk, username)
        messages.success(request, f"No longer shared with {username}." if removed else NOT_SHARED)
        return
    if sharing.share_with(kind, obj.pk, username, request.user) is None:  # one answer (access.people)
        messages.error(request, people.CANNOT_SHARE)
        return
    messages.success(request, f"Shared with {username}.")


@declare(PUBLIC)
@require_safe
def shared_link(request: HttpRequest, token: str) -> HttpResponse:
    """``/s/<token>``: remember the token for this visitor and open the shared object."""
    link = LinkShare.objects.filter(token=token).first()
    if link is None or not link.is_active():
        raise Http404("This share link is turned off, has expired, or never existed.")
    model = KIND_MODELS.get(link.target_type)
    obj = model.objects.filter(pk=link.target_id).first() if model else None
    if obj is None:
        raise Http404("The shared object no longer exists.")
    viewer.remember_share(request, token)
    if policy.read_through_link(viewer.actor(request), obj, link_token=token):  # counted in the activity log
        activity.record(request.user, Action.VIEW, obj)
    return redirect(url_of(obj))
