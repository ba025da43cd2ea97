"""``ssh_key/``: a user's SSH keys for Git imports. Create from a given private key or generate one.

The private key is stored encrypted (imports.crypto) and never returned: responses carry the public key
(to add to the Git host as a deploy key) and its SHA256 fingerprint. Each user sees only their own keys.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.views.decorators.debug import sensitive_variables
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from figtrail.server.access.declarations import ACCOUNT
from figtrail.server.api.serializers import ModelSerializer
from figtrail.server.imports import crypto
from figtrail.server.imports.models import SSHKey

SUPPORTED_KEYS = (ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)
PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SSHKeySerializer(ModelSerializer):
    class Meta:
        model = SSHKey
        fields = ["api_id", "name", "public_key", "fingerprint", "created_on"]
        read_only_fields = fields


class SSHKeyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, default="SSH key")
    private_key = serializers.CharField(required=False, trim_whitespace=False, write_only=True)
    generate = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict) -> dict:
        if attrs["generate"] == ("private_key" in attrs):
            raise ValidationError(
                {"private_key": ["Give either a private_key (OpenSSH or PEM) or generate: true, not both."]}
            )
        return attrs


@sensitive_variables("text", "data")
def load_private_key(text: str) -> PrivateKey:
    """Parse an unencrypted OpenSSH or PEM private key; 400 naming ``private_key`` otherwise."""
    data = text.strip().encode() + b"\n"
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # cryptography's way of saying "this key needs a password"
        raise ValidationError(
            {
                "private_key": [
                    "This key is encrypted with a passphrase; give an unencrypted key or generate one."
                ]
            }
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValidationError({"private_key": ["Not a private key in OpenSSH or PEM format."]}) from exc
    if not isinstance(key, SUPPORTED_KEYS):
        raise ValidationError({"private_key": ["Only Ed25519, RSA and ECDSA keys are supported."]})
    return key


def public_openssh(key: PrivateKey, comment: str) -> str:
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return f"{line.decode()} {comment}".strip()


def fingerprint(public_key: str) -> str:
    """``SHA256:...`` over the key blob, the form ``ssh-keygen -l`` and Git hosts show."""
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def private_openssh(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def comment_for(user, name: str) -> str:
    return f"figtrail:{user.username}:{'-'.join(name.split())}"


@sensitive_variables("key", "fields")
def create_key(user, fields: dict) -> SSHKey:
    generate = fields["generate"]
    key = ed25519.Ed25519PrivateKey.generate() if generate else load_private_key(fields["private_key"])
    public_key = public_openssh(key, comment_for(user, fields["name"]))
    return SSHKey.objects.create(
        user=user,
        name=fields["name"],
        public_key=public_key,
        fingerprint=fingerprint(public_key),
        private_key_encrypted=crypto.encrypt(private_openssh(key)),
    )


def own_key(user, key_id) -> SSHKey:
    """One of the user's keys; someone else's key is reported as absent (404), never as forbidden."""
    try:
        return SSHKey.objects.get(pk=key_id, user=user)
    except (SSHKey.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(f"No SSH key with id {key_id}.") from exc
    except Exception as exc:  # Django's ValidationError for a malformed UUID
        if exc.__class__.__name__ == "ValidationError":
            raise NotFound(f"No SSH key with id {key_id}.") from exc
        raise


def private_key_of(key: SSHKey) -> str:
    return crypto.decrypt(key.private_key_encrypted)


class SSHKeyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SSHKeySerializer
    # access.declarations: the whole account (never a workspace-scoped key); every query is limited to
    # the caller's own keys.
    access = {"list": ACCOUNT, "create": ACCOUNT, "retrieve": ACCOUNT, "destroy": ACCOUNT}
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return SSHKey.objects.filter(user=self.request.user)

    def create(self, request, *args, **kwargs):
        body = SSHKeyInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = create_key(request.user, body.validated_data)
        return Response(SSHKeySerializer(key).data, status=201)

    def retrieve(self, request, *args, pk: str, **kwargs):
        return Response(SSHKeySerializer(own_key(request.user, pk)).data)

    def destroy(self, request, *args, pk: str, **kwargs):
        own_key(request.user, pk).delete()
        return Response(status=204)
