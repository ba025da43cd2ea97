"""Zip bombs: the limits an Office package (.pptx, .docx: a zip) must keep before it is parsed.

A few hundred kilobytes of zip can hold gigabytes (one member of zeros, or thousands of members). Before
python-pptx or python-docx opens a package, :func:`check_directory` reads its zip directory (no member is
decompressed) and refuses it when it has more members than ``FIGTRAIL_MAX_ARCHIVE_MEMBERS``, a member
declared larger than ``FIGTRAIL_MAX_ARCHIVE_MEMBER_BYTES``, or more than ``FIGTRAIL_MAX_ARCHIVE_TOTAL_BYTES``
in all. The upload route checks this (400 now), and the import task again with :func:`check_package`,
which also decompresses every member with a byte cap, so that a directory that lies about sizes fails
before anything is parsed instead of growing beyond what it declared.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings

CHUNK = 1024 * 1024


class ArchiveRefused(ValueError):
    """The package is over a limit, or not a zip; the message names the limit and its setting."""


@dataclass(frozen=True)
class Limits:
    members: int
    member_bytes: int
    total_bytes: int


def limits() -> Limits:
    return Limits(
        members=settings.FIGTRAIL_MAX_ARCHIVE_MEMBERS,
        member_bytes=settings.FIGTRAIL_MAX_ARCHIVE_MEMBER_BYTES,
        total_bytes=settings.FIGTRAIL_MAX_ARCHIVE_TOTAL_BYTES,
    )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MiB"


def check_directory(payload: bytes, file_name: str) -> list[zipfile.ZipInfo]:
    """The package's members, once its directory is within the limits (``ArchiveRefused`` if not)."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(f"{file_name} is not a readable Office package ({exc}).") from exc
    bound = limits()
    if len(members) > bound.members:
        raise ArchiveRefused(
            f"{file_name} has {len(members):,} parts; at most {bound.members:,} are accepted "
            "(FIGTRAIL_MAX_ARCHIVE_MEMBERS)."
        )
    for member in members:
        if member.file_size > bound.member_bytes:
            raise ArchiveRefused(
                f"{file_name}: part {member.filename[:200]!r} is {_mib(member.file_size)} uncompressed; "
                f"at most {_mib(bound.member_bytes)} a part is accepted (FIGTRAIL_MAX_ARCHIVE_MEMBER_BYTES)."
            )
    total = sum(member.file_size for member in members)
    if total > bound.total_bytes:
        raise ArchiveRefused(
            f"{file_name} is {_mib(total)} uncompressed; at most {_mib(bound.total_bytes)} in all is "
            "accepted (FIGTRAIL_MAX_ARCHIVE_TOTAL_BYTES)."
        )
    return members


def check_package(payload: bytes, file_name: str) -> None:
    """:func:`check_directory`, then every member decompressed (and thrown away) with a byte cap: no
    member may yield more than it declares, so the limits hold for what the parser will really read."""
    members = check_directory(payload, file_name)
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as package:
            for member in members:
                _read_capped(package, member, file_name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        if isinstance(exc, ArchiveRefused):
            raise
        raise ArchiveRefused(f"{file_name} is not a readable Office package ({exc}).") from exc


def _read_capped(package: zipfile.ZipFile, member: zipfile.ZipInfo, file_name: str) -> None:
    read = 0
    with package.open(member) as stream:  # zipfile stops at the declared size and checks the CRC
        while chunk := stream.read(CHUNK):
            read += len(chunk)
            if read > member.file_size:
                raise ArchiveRefused(
                    f"{file_name}: part {member.filename[:200]!r} holds more than the "
                    f"{member.file_size:,} bytes it declares."
                )
