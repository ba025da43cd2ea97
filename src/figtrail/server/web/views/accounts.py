"""Signing in and out, changing one's password, and API keys (the secret is shown once, at creation)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from figtrail.server.access import policy
from figtrail.server.access.declarations import PUBLIC, SIGNED_IN, declare
from figtrail.server.accounts import tokens
from figtrail.server.accounts.models import ApiKey, hash_api_key
from figtrail.server.api.throttles import LoginThrottle
from figtrail.server.imports import crypto
from figtrail.server.web import viewer
from figtrail.server.web.client_setup import KEY_PLACEHOLDER, client_setup


class SignInView(auth_views.LoginView):
    """Failed attempts are throttled like ``/api/token/`` (FIGTRAIL_LOGIN_RATE): 429 above the rate."""

    template_name = "web/signin.html"
    redirect_authenticated_user = True
    access = PUBLIC

    def post(self, request, *args, **kwargs):
        self.throttle = LoginThrottle()
        if not self.throttle.allow_request(request, self):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, self.throttle.message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        self.throttle.record_failure()
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("web:signin")
    access = PUBLIC


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django keeps the session signed in after the change; other sessions of the user end."""

    template_name = "web/account_password.html"
    access = SIGNED_IN
    success_url = reverse_lazy("web:account-password")

    def form_valid(self, form):
        messages.success(self.request, "Your password has been changed.")
        return super().form_valid(form)


@declare(SIGNED_IN)
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every JWT and every other web session of the account; this browser stays signed in."""
    tokens.sign_out_everywhere(request.user)
    update_session_auth_hash(request, request.user)
    messages.success(request, "Every other session and every API token (JWT) of your account has ended.")
    return redirect("web:account-password")


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="What the key is for, e.g. 'laptop notebooks'.")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Leave empty for a key that never expires."
    )
    workspace = forms.ChoiceField(
        required=False, help_text="Limit the key to one workspace, or leave it open."
    )

    def __init__(self, *args, workspaces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.workspaces = {str(w.pk): w for w in workspaces}
        self.fields["workspace"].choices = [("", "All my workspaces")] + [
            (pk, w.name) for pk, w in self.workspaces.items()
        ]


NEW_KEY = "figtrail_new_api_key"  # the session's slot for a key just made, until its page shows it


@declare(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    workspaces = policy.visible_workspaces(viewer.actor(request)).order_by("name")
    form = ApiKeyForm(request.POST or None, workspaces=workspaces)
    new_token = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        token = ApiKey.new_token()
        ApiKey.objects.create(
            user=request.user,
            name=form.cleaned_data["name"],
            token_hash=hash_api_key(token),
            expiry=timezone.now() + timedelta(days=days) if days else None,
            workspace=form.workspaces.get(form.cleaned_data["workspace"]),
        )
        # POST/redirect/GET: a reload makes no second key. The token waits in the session, encrypted,
        # for the page the redirect opens, which shows it once.
        request.session[NEW_KEY] = crypto.encrypt(token)
        return redirect("web:account-api-keys")
    new_token = None
    if (sealed := request.session.pop(NEW_KEY, None)) is not None:
        with contextlib.suppress(crypto.SecretUnreadable):
            new_token = crypto.decrypt(sealed)
    keys = ApiKey.objects.filter(user=request.user).select_related("workspace").order_by("-created")
    context = {
        "form": form,
        "keys": keys,
        "new_token": new_token,
        "now": timezone.now(),
        "setup": client_setup(request, new_token),
        "placeholder": KEY_PLACEHOLDER,
    }
    return render(request, "web/account_api_keys.html", context)


@declare(SIGNED_IN)
@require_POST
def revoke_api_key(request: HttpRequest, pk) -> HttpResponse:
    return delete_own(request, ApiKey, pk, "API key", "The API key has been revoked.", "web:account-api-keys")


def delete_own(request: HttpRequest, model, pk, what: str, done: str, back: str) -> HttpResponse:
    """Delete one of the signed-in user's own credentials (API key, SSH key); anyone else's is "no such"."""
    deleted, _ = model.objects.filter(pk=pk, user=request.user).delete()
    if deleted:
        messages.success(request, done)
    else:
        messages.error(request, f"No such {what}.")
    return redirect(back)
