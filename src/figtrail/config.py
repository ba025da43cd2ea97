"""One place that reads figtrail's environment: ``FIGTRAIL_*`` variables, then defaults.

Kept free of Django so that both the CLI and the server settings can use it.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
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


EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "none": "django.core.mail.backends.dummy.EmailBackend",
}


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


def _email_backend(name: str) -> str:
    if name in EMAIL_BACKENDS:
        return EMAIL_BACKENDS[name]
    if "." in name:  # any Django email backend by its dotted path
        return name
    choices = ", ".join(EMAIL_BACKENDS)
    raise ValueError(f"FIGTRAIL_EMAIL_BACKEND must be one of {choices} or a dotted path, got {name!r}")


def email_config(home: Path) -> EmailConfig:
    if _env_bool("SMTP_USE_TLS", False) and _env_bool("SMTP_USE_SSL", False):
        raise ValueError("set FIGTRAIL_SMTP_USE_TLS or FIGTRAIL_SMTP_USE_SSL, not both")
    return EmailConfig(
        backend=_email_backend((_env("EMAIL_BACKEND") or "console").strip().lower()),
        file_path=Path(_env("EMAIL_FILE_PATH") or home / "mail").expanduser(),
        from_address=_env("EMAIL_FROM") or "figtrail <figtrail@localhost>",
        smtp_host=_env("SMTP_HOST") or "localhost",
        smtp_port=_env_int("SMTP_PORT", 25),
        smtp_user=_env("SMTP_USER") or "",
        smtp_password=_env("SMTP_PASSWORD") or "",
        smtp_use_tls=_env_bool("SMTP_USE_TLS", False),
        smtp_use_ssl=_env_bool("SMTP_USE_SSL", False),
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
    bucket = (_env("S3_BUCKET") or "").strip()
    if not bucket:
        return None
    style = (_env("S3_ADDRESSING_STYLE") or "").strip().lower() or None
    if style not in {None, "path", "virtual", "auto"}:
        raise ValueError(f"FIGTRAIL_S3_ADDRESSING_STYLE must be path, virtual or auto, got {style!r}")
    return S3Config(
        bucket=bucket,
        endpoint_url=_env("S3_ENDPOINT_URL") or None,
        access_key_id=_env("S3_ACCESS_KEY_ID") or None,
        secret_access_key=_env("S3_SECRET_ACCESS_KEY") or None,
        region=_env("S3_REGION") or None,
        prefix=(_env("S3_PREFIX") or "").strip("/"),
        addressing_style=style,
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

    provider: str = "offline"  # offline | openai | bedrock
    model: str = ""  # provider's model id; each provider has a default
    base_url: str = ""  # openai: e.g. https://api.openai.com/v1 or a local vLLM/Ollama endpoint
    api_key: str = ""  # openai
    region: str = ""  # bedrock: AWS region (credentials come from the usual AWS chain)
    timeout_seconds: int = 120
    max_tokens: int = 1024
    rate: str = "30/min"  # AI requests per user (FIGTRAIL_AI_RATE), like FIGTRAIL_LOGIN_RATE
    monthly_quota: int = 1000  # AI requests per user per calendar month; 0 = unlimited
    # Named plans (FIGTRAIL_AI_PLANS, JSON) a server operator gives organizations with `figtrail org plan`;
    # their members get the most generous plan among their organizations, others the limits above.
    plans: dict[str, AIPlan] = field(default_factory=dict)

    @property
    def default_plan(self) -> AIPlan:
        return AIPlan(self.rate, self.monthly_quota)


def ai_config() -> AIConfig:
    provider = (_env("AI_PROVIDER") or "offline").strip().lower()
    if provider not in {"offline", "openai", "bedrock"}:
        raise ValueError(f"FIGTRAIL_AI_PROVIDER must be offline, openai or bedrock, got {provider!r}")
    return AIConfig(
        provider=provider,
        model=_env("AI_MODEL") or "",
        base_url=(_env("AI_BASE_URL") or "").rstrip("/"),
        api_key=_env("AI_API_KEY") or "",
        region=_env("AI_REGION") or _env("S3_REGION") or "",
        timeout_seconds=_env_int("AI_TIMEOUT", 120),
        max_tokens=_env_int("AI_MAX_TOKENS", 1024),
        rate=_rate("FIGTRAIL_AI_RATE", _env("AI_RATE") or "30/min"),
        monthly_quota=_env_int("AI_MONTHLY_QUOTA", 1000),
        plans=_ai_plans(_env("AI_PLANS") or ""),
    )


def _ai_plans(raw: str) -> dict[str, AIPlan]:
    """``{"pro": {"rate": "120/min", "monthly_quota": 20000}, ...}``; a clear error names what is wrong."""
    if not raw.strip():
        return {}
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"FIGTRAIL_AI_PLANS must be a JSON object: {exc}") from None
    if not isinstance(given, dict):
        raise ValueError("FIGTRAIL_AI_PLANS must be a JSON object of plan name -> {rate, monthly_quota}")
    plans = {}
    for name, plan in given.items():
        quota = plan.get("monthly_quota", 0) if isinstance(plan, dict) else None
        if not isinstance(plan, dict) or not isinstance(quota, int) or quota < 0 or "rate" not in plan:
            example = '{"rate": "60/min", "monthly_quota": 5000}'
            raise ValueError(f"FIGTRAIL_AI_PLANS[{name!r}] must look like {example}")
        plans[name] = AIPlan(_rate(f"FIGTRAIL_AI_PLANS[{name!r}].rate", str(plan["rate"])), quota)
    return plans


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
    login_rate: str = "20/min"  # failed sign-ins per client address and username (FIGTRAIL_LOGIN_RATE)
    # Where background tasks run (FIGTRAIL_TASK_MODE): "inline" in a thread of each app server (the
    # embedded default), "worker" only in `figtrail worker` processes (scale-out).
    task_mode: str = "inline"
    # A running task whose row was not touched for this long lost its runner and is queued again.
    task_abandoned_seconds: int = 60
    # Decompression bombs: images are never decoded above this many pixels (FIGTRAIL_MAX_IMAGE_PIXELS),
    # and Office imports are refused above these zip-directory limits (FIGTRAIL_MAX_ARCHIVE_*).
    max_image_pixels: int = 50_000_000
    max_archive_members: int = 2000
    max_archive_member_bytes: int = 100 * 1024 * 1024
    max_archive_total_bytes: int = 500 * 1024 * 1024
    # Strict-Transport-Security max-age, sent only when public_url is https (FIGTRAIL_HSTS_SECONDS; 0: off)
    hsts_seconds: int = 365 * 24 * 3600

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


def default_home() -> Path:
    """``~/.figtrail``, unless that is the client's config file (``figtrail config`` on the same machine):
    then ``~/.figtrail-server``, so that client and server can share a home directory."""
    home = Path.home() / ".figtrail"
    return Path.home() / ".figtrail-server" if home.is_file() else home


def server_config() -> ServerConfig:
    home = Path(_env("HOME") or default_home()).expanduser()
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
        email=email_config(home),
        s3=s3_config(),
        login_rate=_login_rate(_env("LOGIN_RATE") or "20/min"),
        task_mode=_task_mode(_env("TASK_MODE") or "inline"),
        task_abandoned_seconds=_env_int("TASK_ABANDONED_SECONDS", 60),
        max_image_pixels=_positive("MAX_IMAGE_PIXELS", 50_000_000),
        max_archive_members=_positive("MAX_ARCHIVE_MEMBERS", 2000),
        max_archive_member_bytes=_positive("MAX_ARCHIVE_MEMBER_BYTES", 100 * 1024 * 1024),
        max_archive_total_bytes=_positive("MAX_ARCHIVE_TOTAL_BYTES", 500 * 1024 * 1024),
        hsts_seconds=_env_int("HSTS_SECONDS", 365 * 24 * 3600),
    )


def _positive(name: str, default: int) -> int:
    value = _env_int(name, default)
    if value <= 0:
        raise ValueError(f"FIGTRAIL_{name} must be a positive integer, got {value}")
    return value


def _task_mode(raw: str) -> str:
    mode = raw.strip().lower()
    if mode not in {"inline", "worker"}:
        raise ValueError(f"FIGTRAIL_TASK_MODE must be inline or worker, got {raw!r}")
    return mode


def _login_rate(raw: str) -> str:
    """Failed sign-ins allowed per client address and username and period."""
    return _rate("FIGTRAIL_LOGIN_RATE", raw)


def _rate(variable: str, raw: str) -> str:
    """A DRF throttle rate such as ``20/min``: a count per period (s, min, hour, day)."""
    count, _, period = raw.strip().partition("/")
    if not count.isdigit() or int(count) < 1 or period[:1] not in {"s", "m", "h", "d"}:
        raise ValueError(f"{variable} must look like 20/min (count/s|min|hour|day), got {raw!r}")
    return f"{int(count)}/{period}"
