"""Content-addressed blob store on Django's storage API (a local folder by default, S3 by settings).

Bytes are keyed by their blake3 digest, so identical payloads are stored once per store. Writes are
atomic: a reader sees either no blob or the whole blob, never a partial one. ``store_id`` None is the
server's own store; an id is an organization's bucket (blob_stores), whose failures raise
``blob_stores.StoreUnreachable``. A data row says which store holds its bytes: ``read(row)``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Protocol

import blake3
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages


class AtomicFileSystemStorage(FileSystemStorage):
    """A folder where each file appears whole: written to a temporary name, synced, then renamed."""

    def _save(self, name: str, content) -> str:
        full_path = Path(self.path(name))
        try:  # the folder is there for all but the first blob of its prefix: no mkdir each time
            fd, tmp_name = tempfile.mkstemp(dir=full_path.parent, prefix=".incoming-")
        except FileNotFoundError:
            full_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=full_path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, full_path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return name

    def touch(self, name: str) -> bool:
        """Renew a stored file's age (``figtrail gc --min-age`` keeps a blob a publish just reused);
        False if there is no such file."""
        try:
            os.utime(self.path(name))
        except FileNotFoundError:
            return False
        return True


class StorageFull(OSError):
    """The blob store has no room left (ENOSPC or EDQUOT); nothing of the blob was kept."""


FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def digest(payload: bytes) -> str:
    """The blake3 hex digest the official client computes for asset files."""
    return blake3.blake3(payload).hexdigest()


def blob_key(content_hash: str) -> str:
    return f"blobs/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}"


class Stored(Protocol):
    """A row naming a blob and the store that holds it (``catalog.Data``)."""

    hash: str
    store_id: int | None


def _storage(store_id: int | None = None) -> Storage:
    if store_id is None:
        return storages["default"]
    from figtrail.server import blob_stores

    return blob_stores.storage(store_id)


def _reaching(store_id: int | None) -> contextlib.AbstractContextManager:
    if store_id is None:
        return contextlib.nullcontext()
    from figtrail.server import blob_stores

    return blob_stores.reaching(store_id)


def put(payload: bytes, store_id: int | None = None) -> str:
    """Store ``payload`` once in the store (None: the server's own) and return its hash."""
    content_hash = digest(payload)
    key = blob_key(content_hash)
    with _reaching(store_id):
        storage = _storage(store_id)
        touch = getattr(storage, "touch", None)  # renews a reused blob's age for `figtrail gc`
        stored = touch(key) if touch else storage.exists(key)
        if not stored:
            try:
                storage.save(key, ContentFile(payload))
            except OSError as exc:
                if exc.errno in FULL_ERRNOS:
                    raise StorageFull(exc.errno, f"the blob store is full: {exc.strerror}") from exc
                raise
    return content_hash


def get(content_hash: str, store_id: int | None = None) -> bytes:
    with _reaching(store_id), _storage(store_id).open(blob_key(content_hash), "rb") as handle:
        return handle.read()


def head(content_hash: str, store_id: int | None, limit: int) -> bytes:
    """At most the first ``limit`` bytes of a blob (the code search indexes only the start of a file)."""
    with _reaching(store_id), _storage(store_id).open(blob_key(content_hash), "rb") as handle:
        return handle.read(limit)


def read(row: Stored) -> bytes:
    """The bytes of a data row, from the store that holds them."""
    return get(row.hash, row.store_id)


def exists(content_hash: str, store_id: int | None = None) -> bool:
    with _reaching(store_id):
        return _storage(store_id).exists(blob_key(content_hash))
