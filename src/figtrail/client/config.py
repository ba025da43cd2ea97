"""The client's settings, read in one place: arguments, then FIGTRAIL_* variables, then the config file.

Each variable is declared (parser, default, meaning) in :mod:`figtrail.settings_table`; a value it
refuses is a ConfigFileError naming the variable. The config file is JSON written by ``figtrail config``
with mode 0600. It is ``~/.figtrail``, unless that path is a folder (the server's default FIGTRAIL_HOME),
in which case it is ``~/.figtrail/client.json``; FIGTRAIL_CONFIG points elsewhere. It never holds a
password: ``figtrail config`` trades the password for an API key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from figtrail.client.errors import ConfigFileError, NotConfiguredError
from figtrail.files import write_atomic
from figtrail.outbox import default_outbox
from figtrail.settings_table import SettingError, given, read, setting

FILE_KEYS = ("url", "api_key", "workspace", "auto_publish", "default_metadata", "image_formats", "watermark")
DEFAULT_EXIT_WAIT_SECONDS: float = setting("FIGTRAIL_EXIT_WAIT").default
DEFAULT_RENDER_TIMEOUT_SECONDS: float = setting("FIGTRAIL_RENDER_TIMEOUT").default
# The variables that override the config file and the defaults (arguments override them in turn).
ENV_KEYS = {
    "url": "FIGTRAIL_URL",
    "api_key": "FIGTRAIL_API_KEY",
    "workspace": "FIGTRAIL_WORKSPACE",
    "auto_publish": "FIGTRAIL_AUTO_PUBLISH",
    "exit_wait": "FIGTRAIL_EXIT_WAIT",
    "render_timeout": "FIGTRAIL_RENDER_TIMEOUT",
    "strict": "FIGTRAIL_STRICT",
    "batch": "FIGTRAIL_BATCH",  # auto (None) leaves the guess to the notebook extension
}


@dataclass(frozen=True)
class ClientConfig:
    """Where to publish and as whom, plus the few behaviours a user may set once for all notebooks."""

    url: str | None = None
    api_key: str | None = None
    workspace: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    outbox: Path = field(default_factory=lambda: default_outbox())
    auto_publish: bool = True
    default_metadata: dict[str, Any] = field(default_factory=dict)
    image_formats: tuple[str, ...] = ("png", "svg")
    watermark: bool = True
    exit_wait: float = DEFAULT_EXIT_WAIT_SECONDS
    render_timeout: float = DEFAULT_RENDER_TIMEOUT_SECONDS
    strict: bool = False
    batch: bool | None = None  # None: decide from how the notebook is run
    source: str = "defaults"

    @property
    def api_url(self) -> str:
        return f"{self.require_url()}/api/v1.4.1/"

    def require_url(self) -> str:
        if not self.url:
            raise NotConfiguredError("server URL")
        return self.url

    def require_credentials(self) -> None:
        """Fail early, in one line, when there is nothing to sign in with."""
        if not self.url and not (self.api_key or self.username):
            raise NotConfiguredError()
        self.require_url()
        if not self.api_key and not (self.username and self.password):
            raise NotConfiguredError("API key")


def normalize_url(url: str) -> str:
    """Accept ``host:port``, a trailing slash, or a pasted API URL, and keep just the server's root."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    marker = url.find("/api/")
    if marker != -1:
        url = url[:marker]
    return url.removesuffix("/api")


def config_path() -> Path:
    explicit: Path | None = _read("FIGTRAIL_CONFIG")
    if explicit:
        return explicit
    home_entry = Path.home() / ".figtrail"
    return home_entry / "client.json" if home_entry.is_dir() else home_entry


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError) as exc:
        raise ConfigFileError(
            f"{path} is not valid JSON ({exc}); fix it or run `figtrail config` again"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path} must hold a JSON object; run `figtrail config` again")
    return data


def write_config_file(values: Mapping[str, Any], path: Path | None = None) -> Path:
    """Write the settings atomically with mode 0600: the file holds an API key."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = {key: values[key] for key in FILE_KEYS if values.get(key) is not None}
    write_atomic(path, (json.dumps(kept, indent=2) + "\n").encode())  # mode 0600
    return path


def _read(name: str) -> Any:
    try:
        return read(name)
    except SettingError as exc:
        raise ConfigFileError(str(exc)) from None


def _env_values() -> dict[str, Any]:
    values = {key: _read(name) for key, name in ENV_KEYS.items() if given(name)}
    return {key: value for key, value in values.items() if value is not None}


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if "url" in out and out["url"]:
        out["url"] = normalize_url(str(out["url"]))
    if "auto_publish" in out:
        out["auto_publish"] = _parse_bool(out["auto_publish"])
    if "watermark" in out:
        out["watermark"] = _parse_bool(out["watermark"])
    if "image_formats" in out and out["image_formats"] is not None:
        out["image_formats"] = tuple(out["image_formats"])
    if out.get("default_metadata") is None:
        out.pop("default_metadata", None)
    return out


def load_config(**explicit: Any) -> ClientConfig:
    """Settings from ``explicit`` keyword arguments, then FIGTRAIL_* variables, then the config file."""
    path = config_path()
    from_file = {key: value for key, value in read_config_file(path).items() if key in FILE_KEYS}
    from_env = _env_values()
    given = {key: value for key, value in explicit.items() if value is not None}
    merged = {**from_file, **from_env, **given}
    source = "arguments" if given.get("url") else "environment" if from_env.get("url") else str(path)
    if not merged.get("url"):
        source = "defaults"
    return ClientConfig(**_coerce(merged), source=source)
