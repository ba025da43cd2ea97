"""Every ``FIGTRAIL_*`` environment setting, declared once: name, parser, default, who reads it, meaning.

Code reads a setting with :func:`read` (``read("FIGTRAIL_RENDER_TIMEOUT")``), never from ``os.environ``;
``figtrail.config`` builds the server's settings objects from it, ``figtrail.client.config`` the client's.
Parsers are strict: a value a parser does not understand raises :class:`SettingError` naming the variable
and what it accepts (``FIGTRAIL_RENDER_TIMEOUT must be a number of seconds, got 'abc'``), never a silent
default. Unset and empty mean the default. ``docs/settings.md`` is generated from this table
(``python -m figtrail.settings_table > docs/settings.md``); ``tests/test_settings_table.py`` checks that
it is current and that every ``FIGTRAIL_*`` name in ``src/`` is declared here.

Imports nothing from figtrail and nothing outside the standard library: the outbox, the capture code, the
client and the server all read it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Part = Literal["client", "server", "both"]


class SettingError(ValueError):
    """A ``FIGTRAIL_*`` variable holds a value its parser refuses; the message names both."""


class _Detail(ValueError):
    """A parser's own explanation, appended to the message (which plan of FIGTRAIL_AI_PLANS is wrong)."""


@dataclass(frozen=True)
class Kind:
    """How a setting's text becomes a value: ``parse`` raises ValueError on text outside ``accepts``."""

    accepts: str  # completes "<variable> must be ..."
    parse: Callable[[str], Any]


TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def _bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise ValueError(raw)


def _bool_or_auto(raw: str) -> bool | None:
    return None if raw.strip().lower() == "auto" else _bool(raw)


def _integer(minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if value < minimum:
            raise ValueError(raw)
        return value

    return parse


def _seconds(raw: str) -> float:
    value = float(raw.strip())
    if not value >= 0:  # also refuses nan
        raise ValueError(raw)
    return value


def _choice(*values: str) -> Kind:
    def parse(raw: str) -> str:
        word = raw.strip().lower()
        if word not in values:
            raise ValueError(raw)
        return word

    return Kind(f"{', '.join(values[:-1])} or {values[-1]}", parse)


def parse_rate(raw: str) -> str:
    """A DRF throttle rate such as ``20/min``: a count per period (s, min, hour, day), normalised."""
    count, _, period = raw.strip().partition("/")
    if not count.isdigit() or int(count) < 1 or period[:1] not in {"s", "m", "h", "d"}:
        raise ValueError(raw)
    return f"{int(count)}/{period}"


def _email_backend(raw: str) -> str:
    name = raw.strip()
    if name.lower() in EMAIL_BACKENDS:
        return EMAIL_BACKENDS[name.lower()]
    if (
        "." in name
    ):  # any Django email backend by its dotted path, kept as written (class names have capitals)
        return name
    raise ValueError(raw)


EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "none": "django.core.mail.backends.dummy.EmailBackend",
}
PLAN_EXAMPLE = '{"rate": "60/min", "monthly_quota": 5000}'


def _ai_plans(raw: str) -> dict[str, dict[str, Any]]:
    """``{"pro": {"rate": "120/min", "monthly_quota": 20000}, ...}`` -> the same, checked and normalised."""
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _Detail(str(exc)) from None
    if not isinstance(given, dict):
        raise ValueError(raw)
    plans = {}
    for name, plan in given.items():
        quota = plan.get("monthly_quota", 0) if isinstance(plan, dict) else None
        if not isinstance(plan, dict) or not isinstance(quota, int) or quota < 0 or "rate" not in plan:
            raise _Detail(f"plan {name!r} must look like {PLAN_EXAMPLE}")
        try:
            rate = parse_rate(str(plan["rate"]))
        except ValueError:
            raise _Detail(f"plan {name!r} has rate {plan['rate']!r}; use e.g. 60/min") from None
        plans[name] = {"rate": rate, "monthly_quota": quota}
    return plans


BOOL = Kind("on or off (1/0, true/false, yes/no, on/off)", _bool)
BOOL_OR_AUTO = Kind("auto, on or off (1/0, true/false, yes/no, on/off)", _bool_or_auto)
INT_0 = Kind("an integer of 0 or more", _integer(0))
POSITIVE = Kind("a positive integer", _integer(1))
SECONDS = Kind("a number of seconds", _seconds)
TEXT = Kind("text", str)
URL = Kind("a URL", lambda raw: raw.strip())
PATH = Kind("a path", lambda raw: Path(raw.strip()).expanduser())
HOSTS = Kind("comma-separated host names", lambda raw: tuple(h.strip() for h in raw.split(",") if h.strip()))
RATE = Kind("a rate like 20/min (a count per s, min, hour or day)", parse_rate)
AI_PLANS = Kind(f"a JSON object of plan name -> {PLAN_EXAMPLE}", _ai_plans)
EMAIL_BACKEND = Kind("console, file, smtp, none or a Django email backend's dotted path", _email_backend)


@dataclass(frozen=True)
class Setting:
    """One environment variable: what it accepts, its default, which side of figtrail reads it."""

    name: str
    kind: Kind
    default: Any
    part: Part
    doc: str
    shown_default: str = ""  # for the docs, when the default is worked out elsewhere (``default`` is None)
    secret: bool = False  # never echoed in an error message

    def given(self, environ: Mapping[str, str] | None = None) -> bool:
        """Whether the variable is set to something (unset and empty both mean the default)."""
        return bool((os.environ if environ is None else environ).get(self.name, "").strip())

    def read(self, environ: Mapping[str, str] | None = None) -> Any:
        """The parsed value, or the default when unset or empty; SettingError when refused."""
        if not self.given(environ):
            return self.default
        raw = (os.environ if environ is None else environ)[self.name]
        try:
            return self.kind.parse(raw)
        except ValueError as exc:
            shown = "a value it cannot use" if self.secret else repr(raw)
            detail = f" ({exc})" if isinstance(exc, _Detail) else ""
            raise SettingError(f"{self.name} must be {self.kind.accepts}, got {shown}{detail}") from None


def _server(
    name: str, kind: Kind, doc: str, default: Any = None, shown: str = "", secret: bool = False
) -> Setting:
    return Setting(f"FIGTRAIL_{name}", kind, default, "server", doc, shown, secret)


def _client(
    name: str, kind: Kind, doc: str, default: Any = None, shown: str = "", secret: bool = False
) -> Setting:
    return Setting(f"FIGTRAIL_{name}", kind, default, "client", doc, shown, secret)


MIB = 1024 * 1024
SETTINGS: tuple[Setting, ...] = (
    # The server: where its data lives.
    _server(
        "HOME",
        PATH,
        "where the database, blobs and secret key live",
        shown="`~/.figtrail` (`~/.figtrail-server` when `~/.figtrail` is the client's config file)",
    ),
    _server(
        "DATABASE_URL",
        URL,
        "the database, e.g. `postgres://user:pass@host/db`",
        shown="SQLite in `FIGTRAIL_HOME`",
        secret=True,
    ),
    _server("BLOB_DIR", PATH, "the blob folder", shown="`$FIGTRAIL_HOME/blobs`"),
    _server("S3_BUCKET", TEXT, "keep blobs in this S3-compatible bucket instead of the blob folder"),
    _server(
        "S3_ENDPOINT_URL",
        URL,
        "the S3 endpoint of MinIO, Ceph, Garage, R2, ... e.g. `https://s3.example.org`",
        shown="AWS",
    ),
    _server("S3_ACCESS_KEY_ID", TEXT, "the bucket's access key id", shown="boto3's own lookup"),
    _server(
        "S3_SECRET_ACCESS_KEY",
        TEXT,
        "the bucket's secret key (never logged)",
        shown="boto3's own lookup",
        secret=True,
    ),
    _server("S3_REGION", TEXT, "the bucket's region", shown="boto3's own lookup"),
    _server("S3_PREFIX", TEXT, "a key prefix (a folder in the bucket) for the blobs"),
    _server(
        "S3_ADDRESSING_STYLE",
        _choice("path", "virtual", "auto"),
        "`path` or `virtual`, for stores that need one",
        shown="boto3's choice",
    ),
    _server(
        "ORG_STORAGE_ALLOW_PRIVATE_NETWORKS",
        BOOL,
        "let organizations' own buckets (`organization/<id>/storage/`) have endpoints on loopback, private "
        "and link-local addresses (a MinIO on the LAN); off, such endpoint URLs get 400 (SSRF guard)",
        default=False,
    ),
    _server(
        "SECRET_KEY",
        TEXT,
        "signs tokens and sessions; keep it secret, the same on every app server",
        shown="generated once into `$FIGTRAIL_HOME/secret_key`",
        secret=True,
    ),
    # The server: who may reach it and how.
    _server(
        "PUBLIC_URL",
        URL,
        "the address users reach the server at, e.g. `https://figs.example.org`: the base of share links, "
        "QR codes and exports, and the only base of links in e-mails (invitations, @mentions); no link is "
        "ever built on a `Host` header the client chose. Unset, links name the requested host only when "
        "`FIGTRAIL_ALLOWED_HOSTS` lists the hosts (no `*`), else the address `figtrail serve` listens on; "
        "e-mails give the path and say the address is not configured, and `figtrail serve` warns at "
        "start-up; an `https://` URL makes cookies secure and, at the root of its host, turns on the device "
        "sign-in of the official clients' `gfconfig` (docs/access.md)",
        shown="none (links: a listed host or the served address; e-mails: a path only)",
    ),
    _server(
        "ALLOWED_HOSTS",
        HOSTS,
        "the host names the server answers to (others get 400)",
        default=("*",),
        shown="`*`",
    ),
    _server(
        "HSTS_SECONDS",
        INT_0,
        "`Strict-Transport-Security` max-age, sent on every answer when `FIGTRAIL_PUBLIC_URL` is `https://` "
        "(TLS ends at your proxy, so the app cannot tell by itself); 0 turns it off",
        default=365 * 24 * 3600,
        shown="31536000 (a year)",
    ),
    _server("DEBUG", BOOL, "Django debug pages (never in production)", default=False),
    _server("ACCESS_TOKEN_SECONDS", POSITIVE, "JWT access token lifetime, in seconds", default=3600),
    _server(
        "REFRESH_TOKEN_SECONDS", POSITIVE, "JWT refresh token lifetime, in seconds", default=14 * 24 * 3600
    ),
    _server(
        "LOGIN_RATE",
        RATE,
        "failed sign-ins (`/api/token/` and the web form) allowed per client address and username; more get "
        "429 (counts kept under `FIGTRAIL_HOME/cache/`). The device sign-in uses the same rate for wrong "
        "codes entered at `/device` (per user) and for new sign-ins at `/oauth/device/code` (per address)",
        default="20/min",
    ),
    # The server: limits on what it accepts.
    _server(
        "MAX_BODY_BYTES",
        INT_0,
        "larger request bodies get 413 (0: no limit)",
        default=512 * MIB,
        shown="536870912 (512 MiB)",
    ),
    _server(
        "MAX_IMAGE_PIXELS",
        POSITIVE,
        "images whose header declares a larger canvas are never decoded: no thumbnail, no story picture, "
        "left out of AI prompts; a pixel difference over it answers 422 `image_too_large` (Pillow's own bomb"
        " check follows it)",
        default=50_000_000,
    ),
    _server(
        "MAX_ARCHIVE_MEMBERS",
        POSITIVE,
        "PowerPoint/Word imports with more parts in their zip are refused with 400 before parsing",
        default=2000,
    ),
    _server(
        "MAX_ARCHIVE_MEMBER_BYTES",
        POSITIVE,
        "... or with one part larger than this, uncompressed",
        default=100 * MIB,
        shown="104857600 (100 MiB)",
    ),
    _server(
        "MAX_ARCHIVE_TOTAL_BYTES",
        POSITIVE,
        "... or with more than this in all, uncompressed",
        default=500 * MIB,
        shown="524288000 (500 MiB)",
    ),
    # The server: processes and background work.
    _server(
        "WORKERS", POSITIVE, "gunicorn processes of `figtrail serve` (`--workers` overrides it)", default=2
    ),
    _server("THREADS", POSITIVE, "threads per gunicorn process (`--threads` overrides it)", default=4),
    _server(
        "TASK_MODE",
        _choice("inline", "worker"),
        "who runs background tasks: `inline` (a thread in each app server) or `worker` (only `figtrail "
        "worker` processes)",
        default="inline",
    ),
    _server(
        "TASK_ABANDONED_SECONDS",
        POSITIVE,
        "a running task whose runner stopped beating this long is queued again (3 tries)",
        default=60,
    ),
    # The server: AI.
    _server(
        "AI_PROVIDER",
        _choice("offline", "openai", "bedrock"),
        "`offline` (no network, deterministic summaries, labelled as such), `openai` (any OpenAI-compatible "
        "endpoint) or `bedrock` (Amazon Bedrock)",
        default="offline",
    ),
    _server(
        "AI_BASE_URL",
        URL,
        "the `openai` endpoint, e.g. `https://api.openai.com/v1`, a vLLM or Ollama server",
        default="",
        shown="none",
    ),
    _server(
        "AI_API_KEY",
        TEXT,
        "the `openai` endpoint's key (never logged or returned)",
        default="",
        shown="none",
        secret=True,
    ),
    _server("AI_MODEL", TEXT, "the model id", default="", shown="the provider's default"),
    _server(
        "AI_REGION",
        TEXT,
        "the `bedrock` region; credentials come from the usual AWS chain",
        shown="`FIGTRAIL_S3_REGION`, then `AWS_REGION`",
    ),
    _server("AI_TIMEOUT", POSITIVE, "seconds one AI call may take", default=120),
    _server("AI_MAX_TOKENS", POSITIVE, "the most tokens one AI answer may have", default=1024),
    _server("AI_RATE", RATE, "AI requests per user per period; more get 429", default="30/min"),
    _server(
        "AI_MONTHLY_QUOTA",
        INT_0,
        "AI requests per user per calendar month (0 = unlimited); more get 429",
        default=1000,
    ),
    _server(
        "AI_PLANS",
        AI_PLANS,
        'named plans, e.g. `{"pro": {"rate": "120/min", "monthly_quota": 20000}}`; `figtrail org plan ORG '
        "pro` puts an organization on one, and its members get the most generous plan of their organizations"
        " instead of `FIGTRAIL_AI_RATE` and `FIGTRAIL_AI_MONTHLY_QUOTA`",
    ),
    _server(
        "AI_AUTO_DESCRIBE",
        BOOL,
        "describe every new revision (its AI title and description) as it is published",
        default=False,
    ),
    # The server: imports.
    _server(
        "IMPORT_ALLOW_PRIVATE_NETWORKS",
        BOOL,
        "let Git imports reach loopback, private and link-local addresses (a Git server on the LAN); off, "
        "such URLs get 400 (SSRF guard)",
        default=False,
    ),
    _server(
        "IMPORT_ALLOW_HTTP",
        BOOL,
        "allow plain `http://` repository URLs",
        default=False,
        shown="off (on with `FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS`)",
    ),
    _server("IMPORT_GIT_TIMEOUT", POSITIVE, "seconds one git command of an import may run", default=600),
    # The server: mail.
    _server(
        "EMAIL_BACKEND",
        EMAIL_BACKEND,
        "where mail (invitations, comment @mentions) goes: `console` (the server log), `file`, `smtp`, "
        "`none`, or a Django backend's dotted path",
        default=EMAIL_BACKENDS["console"],
        shown="`console`",
    ),
    _server(
        "EMAIL_FILE_PATH",
        PATH,
        "the folder the `file` backend writes one file per batch of mail into",
        shown="`$FIGTRAIL_HOME/mail`",
    ),
    _server("EMAIL_FROM", TEXT, "the sender of the server's mail", default="figtrail <figtrail@localhost>"),
    _server("SMTP_HOST", TEXT, "the mail server of the `smtp` backend", default="localhost"),
    _server("SMTP_PORT", POSITIVE, "its port", default=25),
    _server("SMTP_USER", TEXT, "its login, if it needs one", default="", shown="none"),
    _server("SMTP_PASSWORD", TEXT, "its password", default="", shown="none", secret=True),
    _server("SMTP_USE_TLS", BOOL, "STARTTLS (usually port 587)", default=False),
    _server(
        "SMTP_USE_SSL",
        BOOL,
        "TLS from the start (usually port 465); not with `FIGTRAIL_SMTP_USE_TLS`",
        default=False,
    ),
    # The client (scripts, notebooks, `figtrail config` and `figtrail outbox`).
    _client("URL", URL, "the server to publish to (overrides the config file)", shown="the config file's"),
    _client(
        "API_KEY",
        TEXT,
        "the API key to publish with (overrides the config file)",
        shown="the config file's",
        secret=True,
    ),
    _client(
        "WORKSPACE",
        TEXT,
        "the default workspace, by id or name",
        shown="the config file's, else your primary workspace",
    ),
    _client(
        "CONFIG",
        PATH,
        "the client's config file",
        shown="`~/.figtrail`, or `~/.figtrail/client.json` when `~/.figtrail` is the server's data folder",
    ),
    _client(
        "OUTBOX",
        PATH,
        "the outbox folder",
        shown="`$XDG_DATA_HOME/figtrail/outbox` (`~/.local/share/figtrail/outbox`)",
    ),
    _client("AUTO_PUBLISH", BOOL, "in notebooks, publish every figure shown", default=True),
    _client(
        "AUTO_CONFIGURE",
        BOOL,
        "configure from these variables and the config file on `%load_ext figtrail`",
        default=True,
    ),
    _client(
        "STRICT",
        BOOL,
        "fail a batch run whose revisions cannot be delivered; `publish` waits and raises",
        default=False,
    ),
    _client(
        "BATCH",
        BOOL_OR_AUTO,
        "a batch notebook run (wait at the end of each cell); `auto`: on when the runner allows no `input()`"
        " (`jupyter execute`, nbconvert, papermill), off in JupyterLab, Notebook, VS Code",
        shown="`auto`",
    ),
    _client(
        "EXIT_WAIT",
        SECONDS,
        "seconds without progress the client waits for delivery at exit and at the end of a batch cell",
        default=10.0,
    ),
    _client("RENDER_TIMEOUT", SECONDS, "seconds one render, watermark or annotator may take", default=60.0),
    _client(
        "RENDER_PROCESS",
        BOOL,
        "render in helper processes (off, e.g. `0`: on a thread of your process)",
        default=True,
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def setting(name: str) -> Setting:
    """The table's entry; KeyError for a name that is not declared (add it to SETTINGS first)."""
    return BY_NAME[name]


def read(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The value of ``name`` (``"FIGTRAIL_..."``) from ``environ`` (default: this process's environment)."""
    return BY_NAME[name].read(environ)


def given(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``name`` is set to something, for settings that override another source (the config file)."""
    return BY_NAME[name].given(environ)


PART_TITLES = {"server": "The server", "client": "The client", "both": "Client and server"}


def _shown(entry: Setting) -> str:
    if entry.shown_default:
        return entry.shown_default
    value = entry.default
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f"`{value}`"
    return str(value)


def reference_markdown() -> str:
    """docs/settings.md: one table per part, in the order of SETTINGS."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated from src/figtrail/settings_table.py by "
        "`python -m figtrail.settings_table > docs/settings.md`; edit the table, not this page. -->",
        "",
        "Every setting is a `FIGTRAIL_*` environment variable, declared once in",
        "`src/figtrail/settings_table.py`. Unset or empty means the default. A value a setting does not",
        "accept stops the program with a message naming the variable and what it accepts, e.g.",
        "`FIGTRAIL_RENDER_TIMEOUT must be a number of seconds, got 'abc'`; nothing falls back silently.",
        "The client also reads its config file (`figtrail config`): arguments, then these variables, then",
        "the file ([client.md](client.md#set-up-once)).",
    ]
    for part, title in PART_TITLES.items():
        entries = [entry for entry in SETTINGS if entry.part == part]
        if not entries:
            continue
        lines += ["", f"## {title}", "", "| variable | accepts | default | meaning |", "|---|---|---|---|"]
        for entry in entries:
            cells = (f"`{entry.name}`", entry.kind.accepts, _shown(entry), entry.doc)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(reference_markdown())
