"""Organization admin: members and their roles, and branding (name, description, logo)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from PIL import Image, UnidentifiedImageError

from figtrail.server.access import policy
from figtrail.server.access.declarations import declare
from figtrail.server.access.memberships import MembershipError, change_organization_member
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import Organization, OrganizationRole
from figtrail.server.payload_responses import payload_response, payload_route
from figtrail.server.web.views import invitations

MAX_LOGO_BYTES = 512 * 1024
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}  # payload_responses formats


class BrandingForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    email = forms.EmailField(required=False)
    logo = forms.FileField(required=False, help_text="PNG, JPEG, GIF or WebP, at most 512 KiB.")

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload is None:
            return None
        if upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError("The logo must be at most 512 KiB.")
        raw = upload.read()
        if _logo_type(raw) is None:
            raise forms.ValidationError("The logo must be a PNG, JPEG, GIF or WebP image.")
        return raw


def _logo_type(raw: bytes) -> str | None:
    """Raster logos only: an SVG logo could carry script."""
    import io

    try:
        with Image.open(io.BytesIO(raw)) as image:
            return LOGO_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


def _organization(request: HttpRequest, pk, level: Level) -> tuple[Organization, Level]:
    organization = Organization.objects.filter(pk=pk).first()
    held = policy.organization_level(request.user, organization) if organization is not None else Level.NONE
    if held == Level.NONE:  # not a member: the same answer as an id nobody uses (viewer.require)
        raise Http404(f"No organization with id {pk}.")
    if held < level:
        raise PermissionDenied("You do not have the organization role this needs.")
    return organization, held


@declare({"get": Level.VIEW, "post": Level.OWN})
@require_http_methods(["GET", "POST"])
def organization(request: HttpRequest, pk) -> HttpResponse:
    org, held = _organization(request, pk, Level.VIEW)
    is_admin = held >= Level.OWN
    branding = BrandingForm(initial={"name": org.name, "description": org.description, "email": org.email})
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied("Only organization admins can change it.")
        if request.POST.get("action") in ("invite", "revoke"):
            invitations.change(request, org, tuple(OrganizationRole.values))
            return redirect("web:organization", pk=org.pk)
        if request.POST.get("action") == "branding":
            branding = BrandingForm(request.POST, request.FILES)
            if branding.is_valid():
                _save_branding(request, org, branding.cleaned_data)
                messages.success(request, "Branding saved.")
                return redirect("web:organization", pk=org.pk)
        else:
            error = _change_member(org, request.POST)
            (messages.error if error else messages.success)(request, error or "Members updated.")
            return redirect("web:organization", pk=org.pk)
    context = {
        "organization": org,
        "is_admin": is_admin,
        "branding": branding,
        "memberships": org.memberships.select_related("user").order_by("user__username"),
        "roles": OrganizationRole.choices,
        "invitations": invitations.pending(request, org) if is_admin else [],
        "can_create_workspace": held >= Level.CREATE,
        "workspaces": policy.visible_workspaces(policy.actor_of(request))
        .filter(organization=org)
        .order_by("name"),
    }
    return render(request, "web/organization.html", context)


def _save_branding(request: HttpRequest, org: Organization, fields: dict) -> None:
    org.name, org.description, org.email = fields["name"], fields["description"], fields["email"] or None
    if fields.get("logo"):
        org.logo = fields["logo"]
    org.updated_by, org.updated_on = request.user, timezone.now()
    org.save()


def _change_member(org: Organization, post) -> str | None:
    """Apply the organization member rules shared with the API; returns an error message or None."""
    username, role, change = post.get("username", "").strip(), post.get("role") or None, post.get("change")
    try:
        change_organization_member(org, change, username, role)
    except MembershipError as error:
        return error.message
    return None


@declare(Level.VIEW)
@payload_route
@require_GET
def logo(request: HttpRequest, pk) -> HttpResponse:
    org, _ = _organization(request, pk, Level.VIEW)
    raw = bytes(org.logo) if org.logo else None
    kind = _logo_type(raw) if raw else None
    if kind is None:
        raise Http404("No logo.")
    return payload_response(raw, kind, inline=True, filename=f"logo.{kind}", cache="private, max-age=300")
