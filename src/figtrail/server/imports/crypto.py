"""Secrets at rest (SSH private keys, a Git token waiting in a task's payload, organizations' bucket
credentials): Fernet, keyed from SECRET_KEY.

The Fernet key is derived with HKDF-SHA256 from the server's ``SECRET_KEY``, so a database dump alone does
not reveal the secrets; rotating ``SECRET_KEY`` makes stored SSH keys unreadable (users add them again).
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

CONTEXT = b"figtrail imports: secrets at rest v1"


class SecretUnreadable(Exception):
    """The stored secret was encrypted under another SECRET_KEY (or is corrupt)."""


@cache
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CONTEXT).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plain: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted (was the server's SECRET_KEY changed?); add it again"
        ) from exc
