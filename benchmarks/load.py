"""Load: 8 concurrent publishers x 200 revisions each, then a check that every revision is stored once.

Run with no arguments (``make bench``). It starts its own ``figtrail serve`` (temporary FIGTRAIL_HOME,
random port on 127.0.0.1) on SQLite, and a second time on PostgreSQL when it is given a database:
FIGTRAIL_DATABASE_URL (used as it is) or FIGTRAIL_TEST_DATABASE_URL (an admin URL, as in
``make test-postgres``: a new database is created for the run).

Each publisher signs in, then publishes revisions (a unique 16 KB payload and a small code object each)
with a ``client_id`` it chose, to one of two figures that four publishers share (so revision numbering is
contended). A request that fails (connection error or 5xx) is retried with the same ``client_id``, and a
409 ``duplicate_client_id`` on a retry means the first try was stored. Afterwards it reads both figures
back and prints: whether every revision is stored exactly once (no missing, no duplicate, numbers
0..N-1 as the API counts, with no gap), the number of 5xx answers, and the rate. It asserts nothing
and always exits 0. benchmarks/scale_out.py runs the same publishers through a proxy onto two servers.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import blake3
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import BenchServer, load_average, machine_line, percentile, sqlite_description  # noqa: E402

PUBLISHERS = 8
REVISIONS_EACH = int(os.environ.get("BENCH_LOAD_REVISIONS", "200") or 200)
FIGURES = 2
PAYLOAD_BYTES = 16 * 1024
RETRIES = 5
REQUEST_TIMEOUT = 60.0
TIME_LIMIT = 300.0  # seconds for the whole publishing phase; stops early (and says so) beyond it


def b64(payload: bytes) -> str:
    return base64.b64encode(payload).decode()


def postgres_url() -> tuple[str, str] | None:
    """(database URL, description) for the PostgreSQL run, or None."""
    if url := os.environ.get("FIGTRAIL_DATABASE_URL"):
        return url, "PostgreSQL (FIGTRAIL_DATABASE_URL)"
    admin = os.environ.get("FIGTRAIL_TEST_DATABASE_URL")
    if not admin:
        return None
    return new_database(admin)


def new_database(admin: str) -> tuple[str, str]:
    """A new empty database on the cluster of the admin URL ``admin``: its URL, and a description."""
    import psycopg

    name = f"figtrail_load_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        version = connection.execute("SHOW server_version").fetchone()[0]
    return admin.rsplit("/", 1)[0] + "/" + name, f"PostgreSQL {version} (a new database)"


class Publisher(threading.Thread):
    def __init__(self, api: str, token: str, figure_id: str, deadline: float, revisions: int) -> None:
        super().__init__(daemon=True)
        self.api, self.figure_id, self.deadline, self.revisions = api, figure_id, deadline, revisions
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.sent: list[str] = []  # client ids the server acknowledged (201, or 409 on a retry)
        self.lost: list[str] = []  # client ids given up on after RETRIES tries
        self.digests: dict[str, str] = {}  # client id -> blake3 of its payload (the name of its blob)
        self.latencies: list[float] = []
        self.server_errors = 0
        self.other_errors = 0

    def run(self) -> None:
        for _ in range(self.revisions):
            if time.monotonic() > self.deadline:
                return
            client_id = str(uuid.uuid4())
            payload = os.urandom(PAYLOAD_BYTES)
            self.digests[client_id] = blake3.blake3(payload).hexdigest()
            body = {
                "figure": self.figure_id,
                "client_id": client_id,
                "metadata": {"load": True},
                "data": [
                    {"type": "file", "name": "payload.bin", "data": b64(payload)},
                    {"type": "code", "name": "code", "data": b64(f"print({client_id!r})".encode())},
                ],
            }
            for attempt in range(RETRIES):
                started = time.perf_counter()
                try:
                    response = self.session.post(self.api + "revision/", json=body, timeout=REQUEST_TIMEOUT)
                except requests.RequestException:
                    self.other_errors += 1
                    continue
                if response.status_code >= 500:
                    self.server_errors += 1
                    continue
                if response.status_code == 201 or (response.status_code == 409 and attempt > 0):
                    self.latencies.append(time.perf_counter() - started)
                    self.sent.append(client_id)
                    break
                self.other_errors += 1
                break
            else:
                self.lost.append(client_id)


def signed_in(url: str, username: str, password: str) -> tuple[str, requests.Session]:
    """A JWT for the user from the server (or proxy) at ``url``, and a session carrying it."""
    response = requests.post(
        url + "/api/token/", data={"username": username, "password": password}, timeout=30
    )
    response.raise_for_status()
    token = response.json()["access"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return token, session


def make_figures(session: requests.Session, api: str) -> list[str]:
    """FIGURES new figures in a new analysis of the user's primary workspace; their ids."""
    workspaces = session.get(api + "workspace/", timeout=30).json()
    workspace = next(w for w in workspaces if w["workspace_type"] == "primary")
    analysis = session.post(
        api + "analysis/", json={"name": "load", "workspace": workspace["api_id"]}, timeout=30
    ).json()
    return [
        session.post(
            api + "figure/", json={"name": f"load {i}", "analysis": analysis["api_id"]}, timeout=30
        ).json()["api_id"]
        for i in range(FIGURES)
    ]


@dataclass
class LoadRun:
    """The publishers of one run, once they have finished, and how long they took."""

    publishers: list[Publisher]
    elapsed: float
    deadline: float

    @property
    def acknowledged(self) -> list[str]:
        return [cid for p in self.publishers for cid in p.sent]

    @property
    def digests(self) -> dict[str, str]:
        return {cid: digest for p in self.publishers for cid, digest in p.digests.items()}


def publish_concurrently(
    api: str, token: str, figures: list[str], publishers: int, revisions: int
) -> LoadRun:
    """``publishers`` threads, each publishing ``revisions`` revisions to one of ``figures`` at ``api``."""
    deadline = time.monotonic() + TIME_LIMIT
    threads = [
        Publisher(api, token, figures[i % len(figures)], deadline, revisions) for i in range(publishers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT + REQUEST_TIMEOUT * RETRIES)
    return LoadRun(threads, time.perf_counter() - started, deadline)


@dataclass
class Stored:
    """What the server holds of a run, read back over the API, against what was acknowledged."""

    acknowledged: int
    stored: list[str]  # the api ids of the figures' revisions
    missing: set[str]
    duplicates: int
    extra: set[str]
    numbers_ok: bool

    @property
    def exactly_once(self) -> bool:
        return not self.missing and not self.duplicates and not self.extra and self.numbers_ok

    def line(self) -> str:
        return (
            f"every revision stored exactly once: {'yes' if self.exactly_once else 'NO'} "
            f"({self.acknowledged} acknowledged, {len(self.stored)} stored, {len(self.missing)} missing, "
            f"{self.duplicates} duplicated, {len(self.extra)} unexpected, numbering 0..N-1 per figure: "
            f"{'yes' if self.numbers_ok else 'NO'})"
        )


def read_back(session: requests.Session, api: str, figures: list[str], run: LoadRun) -> Stored:
    acknowledged = run.acknowledged
    stored: list[str] = []
    numbers_ok = True
    for figure_id in figures:
        revisions = session.get(api + f"figure/{figure_id}/", timeout=120).json()["revisions"]
        stored += [r["api_id"] for r in revisions]
        indexes = sorted(r["revision_index"] for r in revisions)
        numbers_ok &= indexes == list(range(len(indexes)))  # the API counts from 0
    return Stored(
        acknowledged=len(acknowledged),
        stored=stored,
        missing=set(acknowledged) - set(stored),
        duplicates=len(stored) - len(set(stored)),
        extra=set(stored) - set(acknowledged) - {cid for p in run.publishers for cid in p.lost},
        numbers_ok=numbers_ok,
    )


def print_rates(run: LoadRun) -> None:
    """The 5xx and failure counts, and the rate and latencies, of a finished run."""
    latencies = [x for p in run.publishers for x in p.latencies]
    server_errors = sum(p.server_errors for p in run.publishers)
    other_errors = sum(p.other_errors for p in run.publishers)
    lost = sum(len(p.lost) for p in run.publishers)
    print(f"5xx answers: {server_errors}; other failures: {other_errors}; given up: {lost}")
    rate = len(run.acknowledged) / run.elapsed if run.elapsed else float("nan")
    p50, p95, p99 = (percentile(latencies, f) * 1000 for f in (0.5, 0.95, 0.99))
    print(
        f"rate: {rate:.0f} rev/s over {run.elapsed:.1f} s; "
        f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms"
    )


def run_load(extra_env: dict[str, str], database: str) -> None:
    print(f"\n== {PUBLISHERS} publishers x {REVISIONS_EACH} revisions on {database}")
    with BenchServer(extra_env) as server:
        password = "load-" + secrets.token_urlsafe(12)
        server.add_user("loader", password)
        token, session = signed_in(server.url, "loader", password)
        figures = make_figures(session, server.api)
        cpu_before = server.cpu_seconds()
        run = publish_concurrently(server.api, token, figures, PUBLISHERS, REVISIONS_EACH)
        cpu_after = server.cpu_seconds()

        stored = read_back(session, server.api, figures, run)
        print(f"machine: {machine_line(database)}; load average {load_average()}")
        settings = server.settings()
        print(f"server: figtrail serve, {settings['workers']} workers x {settings['threads']} threads")
        print(stored.line())
        print_rates(run)
        acknowledged = run.acknowledged
        if cpu_before is not None and cpu_after is not None and acknowledged:
            print(f"server CPU: {(cpu_after - cpu_before) * 1000 / len(acknowledged):.1f} ms per revision")
        if time.monotonic() > run.deadline:
            print(f"(stopped early: the {TIME_LIMIT:.0f} s limit was reached)")


def main() -> int:
    run_load({}, sqlite_description())
    postgres = postgres_url()
    if postgres:
        run_load({"FIGTRAIL_DATABASE_URL": postgres[0]}, postgres[1])
    else:
        print("\n(no PostgreSQL run: set FIGTRAIL_DATABASE_URL or FIGTRAIL_TEST_DATABASE_URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
