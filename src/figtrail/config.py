"""The server's and the CLI's settings objects, built from the ``FIGTRAIL_*`` table.

Each variable is declared (parser, default, meaning) in :mod:`figtrail.settings_table`; this module groups
them into the objects the server uses and checks what one variable alone cannot (TLS and SSL together).
Kept free of Django so that both the CLI and the server settings can use it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figtrail.settings_table import SettingError, read, setting

DEFAULT_PORT = 8470  # not 8000 or 9090: the official client rewrites those when it builds app links


def _default(name: str) -> Any:
    """A field's default, as the table declares it (so that no default is written twice)."""
    return setting(name).default


@dataclass(frozen=True)
class EmailConfig:
    """Where the server's mail (comment mentions) goes: printed to the console unless told otherwise."""

    backend: str  # a Django email backend's dotted path
    file_path: Path
    from_address: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_use_tls: bool
    smtp_use_ssl: bool


def email_config(home: Path) -> EmailConfig:
    if read("FIGTRAIL_SMTP_USE_TLS") and read("FIGTRAIL_SMTP_USE_SSL"):
        raise SettingError("set FIGTRAIL_SMTP_USE_TLS or FIGTRAIL_SMTP_USE_SSL, not both")
    return EmailConfig(
        backend=read("FIGTRAIL_EMAIL_BACKEND"),
        file_path=read("FIGTRAIL_EMAIL_FILE_PATH") or home / "mail",
        from_address=read("FIGTRAIL_EMAIL_FROM"),
        smtp_host=read("FIGTRAIL_SMTP_HOST"),
        smtp_port=read("FIGTRAIL_SMTP_PORT"),
        smtp_user=read("FIGTRAIL_SMTP_USER"),
        smtp_password=read("FIGTRAIL_SMTP_PASSWORD"),
        smtp_use_tls=read("FIGTRAIL_SMTP_USE_TLS"),
        smtp_use_ssl=read("FIGTRAIL_SMTP_USE_SSL"),
    )


@dataclass(frozen=True)
class S3Config:
    """An S3-compatible bucket for blobs (FIGTRAIL_S3_*); the secret is never shown in a repr or a log."""

    bucket: str
    endpoint_url: str | None
    access_key_id: str | None
    secret_access_key: str | None = field(repr=False)
    region: str | None
    prefix: str
    addressing_style: str | None


def s3_config() -> S3Config | None:
    """None unless FIGTRAIL_S3_BUCKET is set: then blobs go to that bucket instead of the blob folder."""
    bucket = (read("FIGTRAIL_S3_BUCKET") or "").strip()
    if not bucket:
        return None
    return S3Config(
        bucket=bucket,
        endpoint_url=read("FIGTRAIL_S3_ENDPOINT_URL"),
        access_key_id=read("FIGTRAIL_S3_ACCESS_KEY_ID"),
        secret_access_key=read("FIGTRAIL_S3_SECRET_ACCESS_KEY"),
        region=read("FIGTRAIL_S3_REGION"),
        prefix=(read("FIGTRAIL_S3_PREFIX") or "").strip("/"),
        addressing_style=read("FIGTRAIL_S3_ADDRESSING_STYLE"),
    )


@dataclass(frozen=True)
class AIPlan:
    """How much AI a user may ask for: ``rate`` per period (DRF style) and requests per month."""

    rate: str
    monthly_quota: int  # 0 = unlimited


@dataclass(frozen=True)
class AIConfig:
    """Which AI provider answers, and how much each user may ask of it (FIGTRAIL_AI_*).

    The default is the offline provider: no network, no key, deterministic answers built from what the
    server stored. ``api_key`` is never logged or returned by the API.
    """

    provider: str = _default("FIGTRAIL_AI_PROVIDER")  # offline | openai | bedrock
    model: str = ""  # provider's model id; each provider has a default
    base_url: str = ""  # openai: e.g. https://api.openai.com/v1 or a local vLLM/Ollama endpoint
    api_key: str = ""  # openai
    region: str = ""  # bedrock: AWS region (credentials come from the usual AWS chain)
    timeout_seconds: int = _default("FIGTRAIL_AI_TIMEOUT")
    max_tokens: int = _default("FIGTRAIL_AI_MAX_TOKENS")
    rate: str = _default("FIGTRAIL_AI_RATE")  # AI requests per user, like FIGTRAIL_LOGIN_RATE
    monthly_quota: int = _default("FIGTRAIL_AI_MONTHLY_QUOTA")  # per calendar month; 0 = unlimited
    # Named plans (FIGTRAIL_AI_PLANS, JSON) a server operator gives organizations with `figtrail org plan`;
    # their members get the most generous plan among their organizations, others the limits above.
    plans: dict[str, AIPlan] = field(default_factory=dict)

    @property
    def default_plan(self) -> AIPlan:
        return AIPlan(self.rate, self.monthly_quota)


def ai_config() -> AIConfig:
    plans = read("FIGTRAIL_AI_PLANS") or {}
    return AIConfig(
        provider=read("FIGTRAIL_AI_PROVIDER"),
        model=read("FIGTRAIL_AI_MODEL"),
        base_url=read("FIGTRAIL_AI_BASE_URL").rstrip("/"),
        api_key=read("FIGTRAIL_AI_API_KEY"),
        region=read("FIGTRAIL_AI_REGION") or read("FIGTRAIL_S3_REGION") or "",
        timeout_seconds=read("FIGTRAIL_AI_TIMEOUT"),
        max_tokens=read("FIGTRAIL_AI_MAX_TOKENS"),
        rate=read("FIGTRAIL_AI_RATE"),
        monthly_quota=read("FIGTRAIL_AI_MONTHLY_QUOTA"),
        plans={name: AIPlan(plan["rate"], plan["monthly_quota"]) for name, plan in plans.items()},
    )


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
    email: EmailConfig
    s3: S3Config | None = None
    login_rate: str = _default("FIGTRAIL_LOGIN_RATE")  # failed sign-ins per client address and username
    # Where background tasks run (FIGTRAIL_TASK_MODE): "inline" in a thread of each app server (the
    # embedded default), "worker" only in `figtrail worker` processes (scale-out).
    task_mode: str = _default("FIGTRAIL_TASK_MODE")
    # A running task whose row was not touched for this long lost its runner and is queued again.
    task_abandoned_seconds: int = _default("FIGTRAIL_TASK_ABANDONED_SECONDS")
    # Decompression bombs: images are never decoded above this many pixels (FIGTRAIL_MAX_IMAGE_PIXELS),
    # and Office imports are refused above these zip-directory limits (FIGTRAIL_MAX_ARCHIVE_*).
    max_image_pixels: int = _default("FIGTRAIL_MAX_IMAGE_PIXELS")
    max_archive_members: int = _default("FIGTRAIL_MAX_ARCHIVE_MEMBERS")
    max_archive_member_bytes: int = _default("FIGTRAIL_MAX_ARCHIVE_MEMBER_BYTES")
    max_archive_total_bytes: int = _default("FIGTRAIL_MAX_ARCHIVE_TOTAL_BYTES")
    # Strict-Transport-Security max-age, sent only when public_url is https (FIGTRAIL_HSTS_SECONDS; 0: off)
    hsts_seconds: int = _default("FIGTRAIL_HSTS_SECONDS")

    @property
    def sqlite_path(self) -> Path:
        return self.home / "figtrail.sqlite3"

    def secret_key(self) -> str:
        """The signing key: FIGTRAIL_SECRET_KEY, or one generated once and kept (0600) in the home folder."""
        explicit = read("FIGTRAIL_SECRET_KEY")
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


def default_home() -> Path:
    """``~/.figtrail``, unless that is the client's config file (``figtrail config`` on the same machine):
    then ``~/.figtrail-server``, so that client and server can share a home directory."""
    home = Path.home() / ".figtrail"
    return Path.home() / ".figtrail-server" if home.is_file() else home


def server_config() -> ServerConfig:
    home = read("FIGTRAIL_HOME") or default_home().expanduser()
    return ServerConfig(
        home=home,
        database_url=read("FIGTRAIL_DATABASE_URL"),
        blob_dir=read("FIGTRAIL_BLOB_DIR") or home / "blobs",
        debug=read("FIGTRAIL_DEBUG"),
        allowed_hosts=list(read("FIGTRAIL_ALLOWED_HOSTS")),
        max_body_bytes=read("FIGTRAIL_MAX_BODY_BYTES"),
        access_token_seconds=read("FIGTRAIL_ACCESS_TOKEN_SECONDS"),
        refresh_token_seconds=read("FIGTRAIL_REFRESH_TOKEN_SECONDS"),
        workers=read("FIGTRAIL_WORKERS"),
        threads=read("FIGTRAIL_THREADS"),
        public_url=read("FIGTRAIL_PUBLIC_URL"),
        email=email_config(home),
        s3=s3_config(),
        login_rate=read("FIGTRAIL_LOGIN_RATE"),
        task_mode=read("FIGTRAIL_TASK_MODE"),
        task_abandoned_seconds=read("FIGTRAIL_TASK_ABANDONED_SECONDS"),
        max_image_pixels=read("FIGTRAIL_MAX_IMAGE_PIXELS"),
        max_archive_members=read("FIGTRAIL_MAX_ARCHIVE_MEMBERS"),
        max_archive_member_bytes=read("FIGTRAIL_MAX_ARCHIVE_MEMBER_BYTES"),
        max_archive_total_bytes=read("FIGTRAIL_MAX_ARCHIVE_TOTAL_BYTES"),
        hsts_seconds=read("FIGTRAIL_HSTS_SECONDS"),
    )
