"""A Git repository's image history into figures: one figure per image path, one revision per commit."""

from __future__ import annotations

from collections.abc import Callable

from figtrail.server.catalog.models import Analysis
from figtrail.server.imports import writer
from figtrail.server.imports.git import Credentials, GitError, GitSession
from figtrail.server.imports.git_history import BLOB_BATCH, ImageChange, image_changes, read_blobs
from figtrail.server.imports.network import check_url


def import_repository(
    analysis: Analysis,
    user,
    url: str,
    credentials: Credentials,
    branch: str | None,
    globs: list[str],
    report: Callable[[float], None],
) -> dict:
    remote = check_url(url)  # again at run time: DNS may have changed since the request was accepted
    with GitSession(remote, credentials) as session:
        repository = session.clone(branch)
        report(0.15)
        changes = image_changes(session, repository, branch or "HEAD", globs)
        done = writer.imported_commits(analysis)
        todo = [change for change in changes if (change.path, change.commit.sha) not in done]
        report(0.2)
        counts = {"figures": set(), "revisions": 0}
        for start in range(0, len(todo), BLOB_BATCH):
            batch = todo[start : start + BLOB_BATCH]
            payloads = read_blobs(session, repository, (change.blob for change in batch))
            for change in batch:
                if change.blob not in payloads:
                    raise GitError(f"git could not read {change.path} at commit {change.commit.sha}.")
                _store(analysis, user, remote.url, change, payloads[change.blob], counts)
            report(0.2 + 0.8 * min(1.0, (start + len(batch)) / len(todo)))
    return {
        "analysis": str(analysis.pk),
        "repository": remote.url,
        "branch": branch,
        "image_changes": len(changes),
        "revisions_created": counts["revisions"],
        "skipped": len(changes) - len(todo),
        "figures": sorted(counts["figures"]),
    }


def _store(analysis: Analysis, user, url: str, change: ImageChange, payload: bytes, counts: dict) -> None:
    figure, _made = writer.figure_named(analysis, user, change.path)
    writer.add_image_revision(figure, user, payload, change.format, commit_metadata(url, change))
    counts["figures"].add(str(figure.pk))
    counts["revisions"] += 1


def commit_metadata(url: str, change: ImageChange) -> dict:
    commit = change.commit
    return {
        "import": "git",
        "repository": url,
        "commit": commit.sha,
        "author_name": commit.author_name,
        "author_email": commit.author_email,
        "commit_date": commit.date,
        "message": commit.message,
        "path": change.path,
    }
