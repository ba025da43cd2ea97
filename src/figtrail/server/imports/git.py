"""Running git against a user-given remote, safely: checked URL, pinned address, no prompts, no secrets
on the command line, only the network protocols we mean.

- ``protocol.allow=never`` then https and ssh (and http when allowed): a redirect, a submodule or an
  ``ext::`` / ``file://`` URL can never reach a local file or run a command;
- ``http.followRedirects=false`` and the address pinned by ``http.curloptResolve`` (or ssh ``HostName``):
  git connects to the address imports.network checked, not to whatever DNS says next;
- a token goes into an ``http.extraHeader`` passed through ``GIT_CONFIG_COUNT``/``KEY``/``VALUE``
  (environment, not argv, so ``ps`` does not show it); an SSH key is written 0600 to a private temporary
  folder with its own known_hosts file, and the folder is removed afterwards;
- no user or system git config, ``GIT_TERMINAL_PROMPT=0`` and ssh ``BatchMode``: never wait for input.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from figtrail.server.imports.config import import_config
from figtrail.server.imports.network import RemoteUrl, pinned_options

LS_REMOTE_TIMEOUT = 30
BRANCH = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/+-]{1,200}$")


class GitError(Exception):
    """git failed; the message is git's own last words (no credentials: none are in its arguments)."""


@dataclass(frozen=True)
class Credentials:
    ssh_private_key: str = field(default="", repr=False)
    username: str = ""
    token: str = field(default="", repr=False)


def protocol_options() -> list[str]:
    allowed = ["https", "ssh"] + (["http"] if import_config().allow_http else [])
    options = ["-c", "protocol.allow=never"]
    for name in allowed:
        options += ["-c", f"protocol.{name}.allow=always"]
    return options + [
        "-c", "http.followRedirects=false",
        "-c", "submodule.recurse=false",
        "-c", "credential.helper=",
        "-c", "core.askPass=",
        "-c", "transfer.fsckObjects=false",
    ]  # fmt: skip


class GitSession:
    """A private temporary folder holding what one import or check needs (key, known_hosts, clone)."""

    def __init__(self, remote: RemoteUrl, credentials: Credentials) -> None:
        self.remote = remote
        self.credentials = credentials
        self.folder = Path(tempfile.mkdtemp(prefix="figtrail-git-"))
        os.chmod(self.folder, 0o700)
        self.env = self._environment()

    def __enter__(self) -> GitSession:
        return self

    def __exit__(self, *exc_info) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _environment(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.folder),
            "LC_ALL": "C",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
        }
        if self.remote.scheme == "ssh":
            env["GIT_SSH_COMMAND"] = self._ssh_command()
            env["GIT_SSH_VARIANT"] = "ssh"
        else:
            env.update(self._auth_header())
        return env

    def _ssh_command(self) -> str:
        known_hosts = self.folder / "known_hosts"
        known_hosts.touch(mode=0o600)
        parts = ["ssh", "-F", os.devnull, "-o", "BatchMode=yes", "-o", "ConnectTimeout=20"]
        parts += ["-o", "StrictHostKeyChecking=accept-new", "-o", f"UserKnownHostsFile={known_hosts}"]
        parts += ["-o", f"HostName={self.remote.pinned_address}", "-o", f"HostKeyAlias={self.remote.host}"]
        if self.credentials.ssh_private_key:
            key_file = self.folder / "id_key"
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(self.credentials.ssh_private_key.strip() + "\n")
            parts += ["-i", str(key_file), "-o", "IdentitiesOnly=yes"]
        return shlex.join(parts)

    def _auth_header(self) -> dict[str, str]:
        token = self.credentials.token or self.remote.password
        if not token:
            return {}
        username = self.credentials.username or self.remote.username or "x-access-token"
        basic = base64.b64encode(f"{username}:{token}".encode()).decode()
        return {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }

    def git(
        self, *args: str, timeout: float | None = None, cwd: Path | None = None, stdin: bytes | None = None
    ) -> bytes:
        """Run one git command with the session's restrictions; its stdout, or GitError."""
        command = ["git", *protocol_options(), *pinned_options(self.remote), *args]
        try:
            done = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                env=self.env,
                cwd=cwd or self.folder,
                timeout=timeout or import_config().git_timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise GitError(f"git {args[0]} took longer than {exc.timeout:.0f} s and was stopped.") from None
        if done.returncode != 0:
            raise GitError(last_words(done.stderr) or f"git {args[0]} failed (exit {done.returncode}).")
        return done.stdout

    def ls_remote(self) -> dict[str, str]:
        """The remote's refs (name -> sha), with ``HEAD`` -> ``ref: refs/heads/<default>`` when told."""
        out = self.git("ls-remote", "--symref", "--", self.remote.url, timeout=LS_REMOTE_TIMEOUT)
        refs: dict[str, str] = {}
        for line in out.decode(errors="replace").splitlines():
            value, _, name = line.partition("\t")
            if value.startswith("ref: "):
                refs[f"symref:{name}"] = value[5:]
            elif name:
                refs[name] = value
        return refs

    def clone(self, branch: str | None) -> Path:
        """A bare, blobless (when the server can filter) clone of the remote; returns its folder."""
        target = self.folder / "repository.git"
        args = ["clone", "--bare", "--filter=blob:none", "--no-tags", "--quiet"]
        if branch:
            args += ["--single-branch", "--branch", branch]
        self.git(*args, "--", self.remote.url, str(target))
        return target


def default_branch(refs: dict[str, str]) -> str | None:
    head = refs.get("symref:HEAD")
    if head and head.startswith("refs/heads/"):
        return head.removeprefix("refs/heads/")
    for name in ("main", "master"):
        if f"refs/heads/{name}" in refs:
            return name
    heads = [name for name in refs if name.startswith("refs/heads/")]
    return heads[0].removeprefix("refs/heads/") if len(heads) == 1 else None


def last_words(stderr: bytes) -> str:
    """git's error lines (``fatal:``/``error:``/``remote:``), short, without progress noise."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    wanted = [line for line in lines if line.startswith(("fatal:", "error:", "remote:", "ERROR"))]
    return " ".join(wanted or lines[-2:])[:500]


def valid_branch(name: str) -> bool:
    return bool(BRANCH.match(name)) and not name.endswith((".lock", "/", ".")) and "//" not in name
