"""A repository's image history: which commit changed which image file, oldest first, and the bytes."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from figtrail.server.imports.git import GitSession

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "svg", "webp")
FIELD, RECORD = "\x1f", "\x1e"
LOG_FORMAT = "%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%B%x1f"
BLOB_BATCH = 64  # images read per ``git cat-file --batch`` call: bounds memory on big histories


@dataclass(frozen=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    date: str  # ISO 8601, the author date
    message: str


@dataclass(frozen=True)
class ImageChange:
    """One image file as one commit left it (added or modified; deletions are not revisions)."""

    commit: Commit
    path: str
    blob: str

    @property
    def format(self) -> str:
        return PurePosixPath(self.path).suffix.lstrip(".").lower()


def image_changes(
    session: GitSession, repository: Path, revision: str, globs: list[str]
) -> list[ImageChange]:
    """Every added or modified image under ``revision``, oldest commit first, filtered by ``globs``."""
    pathspecs = [f":(icase)*.{extension}" for extension in IMAGE_EXTENSIONS]
    out = session.git(
        "log", "--reverse", "--date-order", "--no-renames", "--raw", "--no-abbrev", "-z",
        f"--format={LOG_FORMAT}", revision, "--", *pathspecs,
        cwd=repository,
    )  # fmt: skip
    changes = []
    for record in out.decode("utf-8", errors="replace").split(RECORD)[1:]:
        changes.extend(_parse_record(record))
    return [change for change in changes if matches(change.path, globs)]


def _parse_record(record: str) -> list[ImageChange]:
    sha, name, email, date, message, rest = record.split(FIELD, 5)
    commit = Commit(sha=sha, author_name=name, author_email=email, date=date, message=message.strip())
    tokens = rest.split("\0")
    changes = []
    for position, token in enumerate(tokens[:-1]):
        token = token.strip()
        if not token.startswith(":"):
            continue
        fields = token.split()
        status, blob, path = fields[4], fields[3], tokens[position + 1]
        if status[0] in "AMT" and is_image(path):
            changes.append(ImageChange(commit=commit, path=path, blob=blob))
    return changes


def is_image(path: str) -> bool:
    return PurePosixPath(path).suffix.lstrip(".").lower() in IMAGE_EXTENSIONS


def matches(path: str, globs: list[str]) -> bool:
    """No globs: every image. Otherwise the path matches one of them (``*`` crosses folders)."""
    return not globs or any(fnmatch.fnmatchcase(path, pattern) for pattern in globs)


def read_blobs(session: GitSession, repository: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """The bytes of each blob (fetched on demand from the remote in a blobless clone)."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = session.git("cat-file", "--batch", cwd=repository, stdin="\n".join(wanted).encode() + b"\n")
    blobs, offset = {}, 0
    while offset < len(out):
        end = out.index(b"\n", offset)
        header = out[offset:end].decode().split()
        offset = end + 1
        if len(header) < 3:  # "<sha> missing"
            continue
        size = int(header[2])
        blobs[header[0]] = out[offset : offset + size]
        offset += size + 1
    return blobs
