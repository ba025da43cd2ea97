"""``figtrail config``: point the client at a server, once per machine.

Asks for the server URL, a username and password, trades them for a new API key (the password is
never stored), lets you choose a default workspace, and writes the config file with mode 0600.
Every question can also be answered by a flag, for scripted set-ups.
"""

from __future__ import annotations

import argparse
import getpass
import platform
import sys
import time

import requests

from figtrail.cli.errors import CliError
from figtrail.client.config import config_path, load_config, normalize_url, write_config_file

DEFAULT_URL = "http://127.0.0.1:8470"
TIMEOUT = 15


def register(commands) -> None:
    parser = commands.add_parser(
        "config", help="connect the figtrail client to a server (writes ~/.figtrail)"
    )
    parser.add_argument("--url", help="the server's URL, e.g. http://127.0.0.1:8470")
    parser.add_argument("--username", help="your username (to create an API key)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--api-key", help="use this existing API key instead of signing in")
    parser.add_argument("--workspace", help="default workspace: its number in the list, its name or its id")
    parser.add_argument("--key-name", help="name for the new API key (default: figtrail config on <host>)")
    parser.add_argument("--path", help="write this file instead of ~/.figtrail (or FIGTRAIL_CONFIG)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    existing = _existing_url()
    url = normalize_url(args.url or _ask(f"Server URL [{existing}]: ") or existing)
    _check_server(url, CliError)
    api_key = args.api_key or _new_api_key(url, args, CliError)
    workspaces = _workspaces(url, api_key, CliError)
    workspace = _choose_workspace(workspaces, args.workspace, CliError)
    path = write_config_file({"url": url, "api_key": api_key, "workspace": workspace["api_id"]}, _path(args))
    print(f"Wrote {path} (mode 0600). Default workspace: {workspace['name']}.")
    print("Publish with `%load_ext figtrail` in a notebook, or figtrail.Publisher() in a script.")
    return 0


def _existing_url() -> str:
    try:
        return load_config().url or DEFAULT_URL
    except Exception:
        return DEFAULT_URL


def _path(args: argparse.Namespace):
    from pathlib import Path

    return Path(args.path).expanduser() if args.path else config_path()


def _ask(prompt: str) -> str:
    """A prompt that also works with answers piped on standard input."""
    print(prompt, end="", flush=True, file=sys.stderr)
    line = sys.stdin.readline()
    if not line:
        return ""
    return line.strip()


def _ask_password(prompt: str, from_stdin: bool) -> str:
    if not from_stdin and sys.stdin.isatty():
        return getpass.getpass(prompt)
    if not from_stdin:
        print(prompt, end="", flush=True, file=sys.stderr)
    return sys.stdin.readline().rstrip("\n")


def _check_server(url: str, error: type[Exception]) -> None:
    try:
        response = requests.get(f"{url}/api/v1.4.1/info/", timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise error(f"cannot reach a figtrail server at {url} ({type(exc).__name__}); check the URL") from exc
    if response.status_code != 200:
        raise error(f"{url} answered {response.status_code} for /api/v1.4.1/info/; is it a figtrail server?")


def _new_api_key(url: str, args: argparse.Namespace, error: type[Exception]) -> str:
    """Sign in once with the password and create an API key; only the key is kept."""
    username = args.username or _ask("Username: ")
    if not username:
        raise error("a username is needed to create an API key (or pass --api-key)")
    password = _ask_password("Password: ", args.password_stdin)
    response = requests.post(
        f"{url}/api/token/", data={"username": username, "password": password}, timeout=TIMEOUT
    )
    if response.status_code != 200:
        raise error(f"the server refused the username or password for {username!r}; try again")
    access = response.json()["access"]
    name = (
        args.key_name or f"figtrail config on {platform.node() or 'this machine'} {time.strftime('%Y-%m-%d')}"
    )
    created = requests.post(
        f"{url}/api/v1.4.1/api_key/",
        json={"name": name},
        headers={"Authorization": f"Bearer {access}"},
        timeout=TIMEOUT,
    )
    if created.status_code != 201:
        raise error(f"could not create an API key ({created.status_code}): {created.text[:200]}")
    print(f"Created API key {name!r}.", file=sys.stderr)
    return created.json()["token"]


def _workspaces(url: str, api_key: str, error: type[Exception]) -> list[dict]:
    response = requests.get(
        f"{url}/api/v1.4.1/workspace/", headers={"Authorization": f"Token {api_key}"}, timeout=TIMEOUT
    )
    if response.status_code == 401:
        raise error(
            "the server refused the API key; create a new one (run `figtrail config` without --api-key)"
        )
    if response.status_code != 200:
        raise error(f"could not list workspaces ({response.status_code}): {response.text[:200]}")
    return sorted(response.json(), key=lambda ws: (ws.get("workspace_type") != "primary", ws.get("name", "")))


def _choose_workspace(workspaces: list[dict], answer: str | None, error: type[Exception]) -> dict:
    if not workspaces:
        raise error("this account has no workspace; create one in the web UI first")
    if answer is None:
        for number, ws in enumerate(workspaces, 1):
            kind = " (primary)" if ws.get("workspace_type") == "primary" else ""
            print(f"  [{number}] {ws['name']}{kind}  {ws['api_id']}", file=sys.stderr)
        answer = _ask("Default workspace [1]: ") or "1"
    for number, ws in enumerate(workspaces, 1):
        if answer in (str(number), ws["api_id"], ws["name"]):
            return ws
    raise error(f"no workspace {answer!r}; give its number, name or id")
