"""Organizations' own buckets: where an organization's new blobs go once its admins choose one.

``organization/<id>/storage/`` (catalog.storage_settings) records a ``BlobStore`` row and makes it the
organization's; every data object written into its workspaces afterwards names that row
(``catalog.Data.store``), so a read goes to the bucket that holds the bytes, even after the organization
moved to another bucket or back to the server's own store (``store`` None, the FIGTRAIL_* store).

A bucket that cannot be reached fails the write or the read with ``StoreUnreachable`` (api.errors answers
502 naming the organization's storage); a publish writes its blobs before its rows, so nothing is
recorded then. No credentials are given to boto3 but the bucket's own: without them the requests are
unsigned, never made with the server's AWS identity (environment, ~/.aws, an instance role).
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import socket
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import botocore
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)
from django.core.files.base import ContentFile

from figtrail.config import S3Config
from figtrail.server.imports import crypto
from figtrail.server.imports.network import is_public
from figtrail.server.storage_s3 import BlobS3Storage, storage_options
from figtrail.settings_table import read

if TYPE_CHECKING:
    from figtrail.server.accounts.models import BlobStore

# An unreachable endpoint must fail a publish in seconds, not after boto3's default 60 s and 5 tries.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60
ATTEMPTS = 2
PROBE_FOLDER = "figtrail-storage-test"


class StoreUnreachable(Exception):
    """An organization's bucket refused or did not answer; ``message`` names it (never its credentials)."""

    def __init__(self, store: BlobStore, reason: str) -> None:
        organization = store.organization if store.organization_id else None
        self.url = store.url
        self.reason = reason
        owner = f"organization {organization.name!r}" if organization else "a former organization"
        self.message = f"The storage of {owner} ({store.url}) cannot be reached: {reason}."
        self.hint = (
            f"An organization admin can check it with organization/{organization.pk}/storage/test/."
            if organization
            else "The bucket's owner must make it reachable again."
        )
        super().__init__(self.message)


def s3_config(store: BlobStore) -> S3Config:
    """The bucket as the server's own S3 settings describe one, credentials decrypted."""
    return S3Config(
        bucket=store.bucket,
        endpoint_url=store.endpoint_url or None,
        access_key_id=crypto.decrypt(store.access_key_id_encrypted) if store.has_credentials else None,
        secret_access_key=(
            crypto.decrypt(store.secret_access_key_encrypted) if store.has_credentials else None
        ),
        region=store.region or None,
        prefix=store.prefix.strip("/"),
        addressing_style=store.addressing_style or None,
    )


class EndpointRefused(ValueError):
    """An endpoint URL the server may not connect to; the message says why."""


def check_endpoint(url: str) -> None:
    """An organization's endpoint must resolve to public addresses only, unless the server's operator
    allows private networks (``FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS``): any signed-in user may
    make an organization, and its endpoint must not make the server probe its own network (SSRF)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise EndpointRefused(f"The host {host!r} cannot be resolved.") from exc
    if read("FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS"):
        return
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        if not is_public(ipaddress.ip_address(address)):
            raise EndpointRefused(
                f"The host {host!r} resolves to {address}, a loopback, private, link-local or reserved "
                "address; the server's operator can allow those with "
                "FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS=1."
            )


def build(store: BlobStore) -> BlobS3Storage:
    """A blob storage on the bucket of ``store`` (not cached: ``storage`` caches by id); its endpoint is
    checked again (``check_endpoint``), once per process and store."""
    if store.endpoint_url:
        try:
            check_endpoint(store.endpoint_url)
        except EndpointRefused as exc:
            raise StoreUnreachable(store, str(exc).rstrip(".")) from exc
    s3 = s3_config(store)
    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"max_attempts": ATTEMPTS, "mode": "standard"},
        s3={"addressing_style": s3.addressing_style or "auto"},
        signature_version=None if s3.access_key_id else botocore.UNSIGNED,
    )
    return BlobS3Storage(**storage_options(s3), client_config=config)


@lru_cache(maxsize=256)
def storage(store_id: int) -> BlobS3Storage:
    """The blob storage of a stored ``BlobStore`` row; rows never change, so it is built once."""
    from figtrail.server.accounts.models import BlobStore

    return build(BlobStore.objects.get(pk=store_id))


def reason_of(exc: Exception, store: BlobStore) -> str:
    """What went wrong, in words that name no credential."""
    if isinstance(exc, EndpointConnectionError):
        return f"no answer from {store.endpoint_url or 'its endpoint'}"
    if isinstance(exc, crypto.SecretUnreadable):
        return (
            "its credentials cannot be decrypted (the server's SECRET_KEY changed): an admin sets them again"
        )
    if isinstance(exc, NoCredentialsError):
        return "the bucket needs credentials"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = error.get("Code") or status
        known = {
            "NoSuchBucket": "there is no such bucket",
            "AccessDenied": "access denied",
            "InvalidAccessKeyId": "the access key id is not known there",
            "SignatureDoesNotMatch": "the secret access key does not match",
            "403": "access denied",
            "404": "there is no such bucket",
        }
        return f"{known.get(str(code), 'the bucket answered an error')} ({code})"
    return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def reaching(store: BlobStore | int) -> Iterator[None]:
    """Turn the bucket's failures inside the block into ``StoreUnreachable`` naming its organization."""
    try:
        yield
    except (BotoCoreError, ClientError, crypto.SecretUnreadable) as exc:
        raise unreachable(store, exc) from exc


def unreachable(store: BlobStore | int, exc: Exception) -> StoreUnreachable:
    from figtrail.server.accounts.models import BlobStore

    if not isinstance(store, BlobStore):
        store = BlobStore.objects.select_related("organization").get(pk=store)
    return StoreUnreachable(store, reason_of(exc, store))


def probe(store: BlobStore) -> None:
    """Write, read back and delete one small object under the prefix; ``StoreUnreachable`` if any step
    fails (storage/test, before anyone relies on the bucket)."""
    target = build(store)
    name = f"{PROBE_FOLDER}/{secrets.token_hex(8)}"
    payload = b"figtrail storage test\n"
    with reaching(store):
        target.save(name, ContentFile(payload))
        with target.open(name, "rb") as handle:
            back = handle.read()
        target.delete(name)
    if back != payload:
        raise StoreUnreachable(store, "an object written there did not read back the same")


def path_of(store_id: int, key: str) -> str:
    """``s3://bucket/prefix/<key>``: where a blob of ``store_id`` lives (``data/<id>/storage/``)."""
    from figtrail.server.accounts.models import BlobStore

    store = BlobStore.objects.get(pk=store_id)
    return f"{store.url}/{key}"
