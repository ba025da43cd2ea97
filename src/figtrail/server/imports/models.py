"""SSH keys a user keeps on the server to import from Git hosts over SSH."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class SSHKey(models.Model):
    api_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ssh_keys")
    name = models.CharField(max_length=200)
    public_key = models.TextField()  # OpenSSH one-line form, to paste into the Git host
    fingerprint = models.CharField(max_length=100)  # "SHA256:<base64>", as ssh-keygen -l prints it
    private_key_encrypted = models.TextField()  # Fernet token (imports.crypto); never leaves the server
    created_on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["user", "-created_on"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.fingerprint})"
