"""What is true at the moment of ``publish()``, read in the caller's thread before the moment passes.

The revision is finished later, on the background sender, when a script may already have committed,
edited its source or imported more modules. So the facts that can change are read here, cheaply, and
travel with the job in the outbox (which also lets another process finish it truthfully):

* git: commit, branch, remote and dirty state, read from ``.git`` itself through libgit2 (pygit2), no
  ``git`` process (a few milliseconds on a repository of thousands of files; the ``git`` command is
  the fallback where pygit2 cannot be imported);
* the script's source (cached by path, size and modification time);
* the names of the top-level modules imported so far, whose versions the annotators look up.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import threading
from typing import Any

GIT_TIMEOUT = 5.0
MAX_SCRIPT_BYTES = 4 * 1024 * 1024

_repositories: dict[str, Any] = {}
_lock = threading.Lock()


def observe(where: str, script_path: str | None) -> dict[str, Any]:
    """Everything a revision records about this moment, as JSON for the job's context."""
    return {
        "git": git_state(os.path.dirname(script_path) if script_path else where),
        "script_source": script_source(script_path) if script_path else None,
        "modules": imported_modules(),
    }


def imported_modules() -> list[str]:
    """Top-level modules imported so far (``numpy``, not ``numpy.linalg``); their versions matter."""
    return sorted(name for name in list(sys.modules) if "." not in name and not name.startswith("_"))


def script_source(path: str) -> str | None:
    """The script's text now; re-read only when the file changed (size or modification time)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if stat.st_size > MAX_SCRIPT_BYTES:
        return None
    return _read_source(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _read_source(path: str, size: int, mtime_ns: int) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def git_state(where: str) -> dict[str, Any] | None:
    """``{hash, branch, remote_url, dirty}`` of the repository ``where`` is in; None outside one
    (or before its first commit). ``dirty`` means tracked files differ from HEAD, staged or not, as
    ``git status --untracked-files=no`` would list them."""
    try:
        import pygit2
    except ImportError:  # no wheel for this platform: ask git itself (slower, same answers)
        return _git_state_by_command(where)
    repo = _repository(pygit2, where)
    if repo is None:
        return None
    try:
        head = repo.head
        status = repo.status(untracked_files="no")
    except (pygit2.GitError, KeyError, ValueError):  # unborn branch, or a broken repository
        return None
    remote = repo.config["remote.origin.url"] if "remote.origin.url" in repo.config else None
    return {
        "hash": str(head.target),
        "branch": "HEAD" if repo.head_is_detached else head.shorthand,
        "remote_url": strip_credentials(remote),
        "dirty": any(flags != pygit2.enums.FileStatus.CURRENT for flags in status.values()),
    }


def _repository(pygit2: Any, where: str) -> Any:
    """The repository containing ``where``, opened once per process (libgit2 re-reads HEAD, refs and
    the index from disk on every call, so a cached handle still sees each new commit)."""
    with _lock:
        if where in _repositories:
            return _repositories[where]
        pygit2.option(pygit2.enums.Option.SET_OWNER_VALIDATION, 0)  # we only read; like safe.directory=*
        try:
            path = pygit2.discover_repository(where)
            repo = pygit2.Repository(path) if path else None
        except (pygit2.GitError, KeyError, ValueError, OSError):
            repo = None
        if repo is not None and repo.is_bare:
            repo = None
        if repo is not None:  # no repository yet: look again next time (``git init`` may come)
            _repositories[where] = repo
        return repo


def _git_state_by_command(where: str) -> dict[str, Any] | None:
    commit = _git(where, "rev-parse", "HEAD")
    if commit is None:
        return None
    return {
        "hash": commit,
        "branch": _git(where, "rev-parse", "--abbrev-ref", "HEAD"),
        "remote_url": strip_credentials(_git(where, "config", "--get", "remote.origin.url")),
        "dirty": bool(_git(where, "status", "--porcelain", "--untracked-files=no")),
    }


def _git(where: str, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", where, *args], capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def strip_credentials(url: str | None) -> str | None:
    """Never record a token embedded in a remote URL (https://user:token@host/...)."""
    return re.sub(r"(?<=://)[^/@]+@", "", url) if url else url
