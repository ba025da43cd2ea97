"""One place that reads figtrail's environment: ``FIGTRAIL_*`` variables, then defaults.

Kept free of Django so that both the CLI and the server settings can use it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 8470  # not 8000 or 9090: the official client rewrites those when it builds app links


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"FIGTRAIL_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"FIGTRAIL_{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ServerConfig:
    """The server's settings as read from the environment."""

    home: Path
    database_url: str | None
    blob_dir: Path
    debug: bool
    allowed_hosts: list[str]
    max_body_bytes: int
    access_token_seconds: int
    refresh_token_seconds: int
    workers: int
    threads: int
    public_url: str | None

    @property
    def sqlite_path(self) -> Path:
        return self.home / "figtrail.sqlite3"

    def secret_key(self) -> str:
        """The signing key: FIGTRAIL_SECRET_KEY, or one generated once and kept (0600) in the home folder."""
        explicit = _env("SECRET_KEY")
        if explicit:
            return explicit
        path = self.home / "secret_key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            try:
                os.link(tmp, path)  # first writer wins; never overwrite a key already in use
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        return path.read_text().strip()


def server_config() -> ServerConfig:
    home = Path(_env("HOME") or Path.home() / ".figtrail").expanduser()
    return ServerConfig(
        home=home,
        database_url=_env("DATABASE_URL") or None,
        blob_dir=Path(_env("BLOB_DIR") or home / "blobs").expanduser(),
        debug=_env_bool("DEBUG", False),
        allowed_hosts=[h.strip() for h in (_env("ALLOWED_HOSTS") or "*").split(",") if h.strip()],
        max_body_bytes=_env_int("MAX_BODY_BYTES", 512 * 1024 * 1024),
        access_token_seconds=_env_int("ACCESS_TOKEN_SECONDS", 60 * 60),
        refresh_token_seconds=_env_int("REFRESH_TOKEN_SECONDS", 14 * 24 * 60 * 60),
        workers=_env_int("WORKERS", 2),
        threads=_env_int("THREADS", 4),
        public_url=_env("PUBLIC_URL") or None,
    )
