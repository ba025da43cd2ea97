"""The repository part of a request (``url``, ``ssh_key_id``, ``username``, ``token``), checked once for
both ``git/check_access/`` and ``upload/`` with ``kind=git``."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from figtrail.server.imports.git import Credentials
from figtrail.server.imports.models import SSHKey
from figtrail.server.imports.network import RemoteUrl, check_url
from figtrail.server.imports.ssh_keys import own_key, private_key_of


class RemoteInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, trim_whitespace=True)
    ssh_key_id = serializers.UUIDField(required=False, allow_null=True)
    username = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    token = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="", write_only=True
    )


@dataclass(frozen=True)
class RemoteRequest:
    remote: RemoteUrl
    credentials: Credentials
    ssh_key: SSHKey | None


def remote_request(user, fields: dict) -> RemoteRequest:
    """Check the URL (SSRF guard) and that the credentials suit it; 400 naming the field otherwise."""
    remote = check_url(fields["url"])
    key = None
    if fields.get("ssh_key_id"):
        if remote.scheme != "ssh":
            raise ValidationError(
                {"ssh_key_id": ["An SSH key is used only with ssh:// or git@host:path URLs."]}
            )
        try:
            key = own_key(user, fields["ssh_key_id"])
        except Exception as exc:  # NotFound: name the field instead
            raise ValidationError({"ssh_key_id": ["You have no SSH key with this id."]}) from exc
    if fields.get("token") and remote.scheme == "ssh":
        raise ValidationError({"token": ["A token is used only with https:// URLs; use an SSH key for SSH."]})
    credentials = Credentials(
        ssh_private_key=private_key_of(key) if key else "",
        username=fields.get("username") or remote.username,
        token=fields.get("token") or remote.password,
    )
    return RemoteRequest(remote=remote, credentials=credentials, ssh_key=key)
