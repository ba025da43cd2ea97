"""``figtrail gc [--dry-run] [--min-age MINUTES]``: remove blobs that nothing references any more.

A blob is kept while a data row (of a revision or an asset revision) names its hash. Thumbnails and pixel
diffs are blobs too, but only a cache names them: the server makes one again when it is asked for it and
finds it gone, so they go like any other unreferenced blob. The code search's index rows
(``catalog.CodeText``) of code no data row stores any more go too.

A publish writes its blobs first and commits its rows afterwards, so a blob can be unreferenced for a
moment while it is on its way in; a blob that a publish finds already stored is reused, and its age
renewed (on the folder and on S3). So a blob is only removed when it is older than ``--min-age`` minutes
(default 60), and its references and age are checked once more just before it goes; what remains is a
window of milliseconds between that last check and the delete.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from figtrail.cli.errors import CliError

HASH = re.compile(r"[0-9a-f]{64}")
TEMPORARY = ".incoming-"  # the folder store's files being written (left behind only by a crash)


def register(commands) -> None:
    parser = commands.add_parser(
        "gc",
        help="remove blobs no data row references (older than --min-age minutes)",
        description=(
            "Remove blobs that no revision or asset revision references, and the blob folder's leftover "
            "temporary files. Never removes a referenced blob. Blobs written in the last --min-age "
            "minutes are kept: a revision being published writes its blobs before its rows commit."
        ),
    )
    parser.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    parser.add_argument(
        "--min-age",
        type=float,
        default=60,
        metavar="MINUTES",
        help="keep blobs written less than this many minutes ago (default 60; publishes in flight)",
    )
    parser.set_defaults(handler=run)


def blob_names(storage, folder: str = "blobs") -> Iterator[str]:
    """Every file under ``folder`` in the storage (the blob folder or the S3 bucket), depth first."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for name in sorted(dirs):
        yield from blob_names(storage, f"{folder}/{name}")


def run(args: argparse.Namespace) -> int:

    if args.min_age < 0:
        raise CliError("--min-age must be 0 or more minutes")
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from django.core.files.storage import storages

    from figtrail.server.catalog.models import CodeText, Data

    storage = storages["default"]
    cutoff = datetime.now(UTC) - timedelta(minutes=args.min_age)
    listed = list(blob_names(storage))  # listed before the references are read: a new row's blob is listed
    referenced = set(Data.objects.values_list("hash", flat=True).distinct())
    removed = kept_young = kept_referenced = 0
    removed_bytes = 0
    verb = "would remove" if args.dry_run else "removed"
    for name in listed:
        base = name.rsplit("/", 1)[-1]
        is_blob = bool(HASH.fullmatch(base))
        if not is_blob and not base.startswith(TEMPORARY):
            continue  # not ours: leave it alone
        if is_blob and base in referenced:
            kept_referenced += 1
            continue
        try:
            if storage.get_modified_time(name) > cutoff:
                kept_young += 1
                continue
            size = storage.size(name)
        except FileNotFoundError:
            continue  # removed meanwhile (another gc)
        if not args.dry_run:
            # Last checks right before the delete: a publish may have reused the blob since the listing.
            if is_blob and Data.objects.filter(hash=base).exists():
                kept_referenced += 1
                continue
            if storage.get_modified_time(name) > cutoff:
                kept_young += 1
                continue
            storage.delete(name)
        removed += 1
        removed_bytes += size
        print(f"{verb} {name} ({size} bytes)", flush=True)
    print(
        f"{verb} {removed} blob(s), {removed_bytes} bytes; kept {kept_referenced} referenced and "
        f"{kept_young} younger than {args.min_age:g} minutes",
        flush=True,
    )
    # A publish writes a code blob's index row in the transaction of its data row: none is ever orphaned
    # on its way in. One that a publish found here and reused while this deletes it is indexed again by
    # the next search that meets it (catalog/code_search.py).
    orphans = CodeText.objects.exclude(hash__in=Data.objects.values("hash"))
    indexed = orphans.count() if args.dry_run else orphans.delete()[0]
    print(f"{verb} {indexed} code search index row(s) of code nothing stores", flush=True)
    return 0
