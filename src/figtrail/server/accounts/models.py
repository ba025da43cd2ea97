"""Who uses figtrail: users, their API keys, organizations and their members."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


class User(AbstractUser):
    """A person. ``profile`` is free JSON that the client replaces wholesale (e.g. UI preferences)."""

    profile = models.JSONField(default=dict, blank=True)
    avatar = models.BinaryField(null=True, blank=True)
    # Raised by every password change and by "sign out everywhere" (accounts.tokens): a JWT carries the
    # number it was issued under and a web session's hash includes it, so every earlier one ends.
    token_generation = models.PositiveIntegerField(default=0)

    def save(self, *args, **kwargs) -> None:
        # Django sets _password only when set_password() chose a new password, and clears it again for a
        # hash upgrade at sign-in (check_password), which is not a change.
        if self._password is not None and self.pk is not None:
            self.token_generation += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "token_generation"}
        super().save(*args, **kwargs)

    def get_session_auth_hash(self) -> str:
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    def _session_hash(self, secret: str | None) -> str:
        """Django's session hash (an HMAC of the password hash), over the token generation too."""
        return salted_hmac(
            "figtrail.accounts.User.session",
            f"{self.password}:{self.token_generation}",
            secret,
            algorithm="sha256",
        ).hexdigest()


class OrganizationRole(models.TextChoices):
    ADMIN = "org_admin"
    WORKSPACE_ADMIN = "workspace_admin"
    WORKSPACE_CREATOR = "workspace_creator"
    WORKSPACE_VIEWER = "workspace_viewer"


class Organization(models.Model):
    """A team that owns workspaces; its members get roles across all of them."""

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, null=True)
    description = models.TextField(blank=True, null=True)
    allow_per_workspace_storage_settings = models.BooleanField(default=False)
    logo = models.BinaryField(null=True, blank=True)
    # What its admins set at organization/<id>/storage/, as they set it minus the credentials: the
    # answer of a GET there. Where its new blobs go is ``blob_store`` (None: the server's own store).
    storage_vendor = models.CharField(max_length=100, default="figtrail")
    storage_params = models.JSONField(null=True, blank=True)
    blob_store = models.ForeignKey(
        "BlobStore", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The AI plan (a name in FIGTRAIL_AI_PLANS) its members' AI limits come from; set by the server's
    # operator (`figtrail org plan`), never through the API: organizations must not raise their own limits.
    ai_plan = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_on = models.DateTimeField(null=True)


class BlobStore(models.Model):
    """An S3-compatible bucket (and key prefix) that an organization's admins chose for its data.

    A row is never changed: a new setting is a new row, so every data object written to a bucket keeps
    pointing at that bucket (``catalog.Data.store``) after the organization moves on, and stays readable.
    The credentials are Fernet-encrypted (``imports.crypto``, keyed from SECRET_KEY) and never leave the
    server; without them the bucket is used anonymously, never with the server's own AWS identity.
    """

    organization = models.ForeignKey(
        Organization, null=True, on_delete=models.SET_NULL, related_name="blob_stores"
    )
    vendor = models.CharField(max_length=100)
    bucket = models.CharField(max_length=255)
    prefix = models.CharField(max_length=1024, blank=True, default="")
    endpoint_url = models.CharField(max_length=2048, blank=True, default="")
    region = models.CharField(max_length=64, blank=True, default="")
    addressing_style = models.CharField(max_length=16, blank=True, default="")
    access_key_id_encrypted = models.TextField(blank=True, default="")
    secret_access_key_encrypted = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateTimeField(default=timezone.now)

    @property
    def has_credentials(self) -> bool:
        return bool(self.access_key_id_encrypted)

    @property
    def url(self) -> str:
        """``s3://bucket/prefix``: how the bucket is named in answers and errors (no credentials)."""
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


class OrganizationMembership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organization_memberships")
    membership_type = models.CharField(max_length=32, choices=OrganizationRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="one_role_per_org")]


def hash_api_key(token: str) -> str:
    """API keys are long random strings, so a plain SHA-256 is a safe one-way store."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiKey(models.Model):
    """A long-lived credential. Only its hash is stored; the token is shown once, at creation."""

    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True)
    expiry = models.DateTimeField(null=True)
    workspace = models.ForeignKey(
        "catalog.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    @staticmethod
    def new_token() -> str:
        return "ft_" + secrets.token_urlsafe(32)

    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()


class DeviceAuthorization(models.Model):
    """One device sign-in (RFC 8628, ``accounts.device``): a command-line client asks, a signed-in user
    approves or denies its user code at ``/device``, and the client exchanges its device code, once, for
    an access token. Only a hash of the device code is stored; the user code is short, for a person to
    type, and only lives ``expiry`` (10 minutes)."""

    class State(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        DENIED = "denied"
        USED = "used"

    device_code_hash = models.CharField(max_length=64, unique=True)
    user_code = models.CharField(max_length=8, unique=True)  # the letters, without the dash
    client_id = models.CharField(max_length=100)
    scope = models.CharField(max_length=200, blank=True, default="")
    requested_from = models.CharField(max_length=64, blank=True, default="")  # the client's address
    user_agent = models.CharField(max_length=200, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    expiry = models.DateTimeField()
    interval = models.PositiveIntegerField(default=5)  # seconds between polls; faster: slow_down
    last_polled = models.DateTimeField(null=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # Who approved or denied, when, and the account's token generation then: a password change, "sign
    # out everywhere" or a deactivation before the exchange voids the approval.
    user = models.ForeignKey(User, null=True, on_delete=models.CASCADE, related_name="+")
    decided = models.DateTimeField(null=True)
    token_generation = models.PositiveIntegerField(null=True)

    def is_expired(self) -> bool:
        return self.expiry <= timezone.now()
