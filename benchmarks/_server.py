"""Shared by the benchmark scripts: a fresh figtrail server on loopback, and facts about the machine.

The server gets its own temporary FIGTRAIL_HOME and a random free port, and inherits no FIGTRAIL_*
settings from the caller, so that a benchmark always measures the defaults a new install gets.
(Benchmarks only; the test suite has its own fixture in tests/conftest.py.)
"""

from __future__ import annotations

import math
import os
import platform
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

FIGTRAIL = str(Path(sys.executable).with_name("figtrail"))
API_PREFIX = "/api/v1.4.1/"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class BenchServer:
    """``figtrail serve`` in a temporary home; use as a context manager so it is always stopped."""

    def __init__(self, extra_env: dict[str, str] | None = None, serve_args: list[str] | None = None) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="figtrail-bench-"))
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        base = {key: value for key, value in os.environ.items() if not key.startswith("FIGTRAIL_")}
        self.env = {
            **base,
            "FIGTRAIL_HOME": str(self.home),
            "FIGTRAIL_SECRET_KEY": secrets.token_urlsafe(40),
            **(extra_env or {}),
        }
        self.serve_args = serve_args or []
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def api(self) -> str:
        return self.url + API_PREFIX

    def __enter__(self) -> BenchServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        self._log = open(self.home / "server.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [FIGTRAIL, "serve", "--host", HOST, "--port", str(self.port), *self.serve_args],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log_text()
                self.stop()  # its temporary home and log go too
                raise RuntimeError(f"figtrail serve exited early:\n{log}")
            try:
                if requests.get(self.api + "info/", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        log = self.log_text()
        self.stop()
        raise RuntimeError(f"figtrail serve did not start within {timeout:.0f} s:\n{log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.home, ignore_errors=True)

    def settings(self) -> dict[str, object]:
        """The server's effective workers/threads, as figtrail.config reads them from its environment."""
        from unittest import mock

        from figtrail.config import server_config

        with mock.patch.dict(os.environ, self.env, clear=True):
            config = server_config()
        workers, threads = config.workers, config.threads
        args = self.serve_args
        if "--workers" in args:
            workers = int(args[args.index("--workers") + 1])
        if "--threads" in args:
            threads = int(args[args.index("--threads") + 1])
        return {"workers": workers, "threads": threads}

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by the server and its workers; None without /proc."""
        if self.process is None:
            return None
        return tree_cpu_seconds(self.process.pid)

    def log_text(self) -> str:
        try:
            return (self.home / "server.log").read_text(errors="replace")[-4000:]
        except OSError:
            return "(no server log)"

    def add_user(self, username: str, password: str) -> None:
        subprocess.run(
            [FIGTRAIL, "user", "add", username, "--email", f"{username}@example.org", "--password-stdin"],
            input=password + "\n",
            text=True,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def jwt(self, username: str, password: str) -> str:
        response = requests.post(
            self.url + "/api/token/", data={"username": username, "password": password}, timeout=30
        )
        response.raise_for_status()
        return response.json()["access"]


def tree_cpu_seconds(root: int) -> float | None:
    """CPU time (user + system) used so far by process ``root`` and its descendants; None without /proc."""
    try:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # the process ended meanwhile
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    except OSError:
        return None
    tree, added = {root}, True
    while added:
        children = {pid for pid, (ppid, _) in stats.items() if ppid in tree} - tree
        tree |= children
        added = bool(children)
    ticks = sum(stats[pid][1] for pid in tree if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def load_average() -> str:
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "n/a"


def machine_line(database: str) -> str:
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}); Python {platform.python_version()} "
        f"on {platform.system()} {platform.release()}; database {database}"
    )


def sqlite_description() -> str:
    return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation); ``values`` need not be sorted."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


if __name__ == "__main__":  # `make bench` runs every benchmarks/*.py; this one only serves the others
    print("helper module for the benchmarks (nothing to measure here)")
