"""Load: 8 concurrent publishers x 200 revisions each, then a check that every revision is stored once.

Run with no arguments (``make bench``). It starts its own ``figtrail serve`` (temporary FIGTRAIL_HOME,
random port on 127.0.0.1) on SQLite, and a second time on PostgreSQL when it is given a database:
FIGTRAIL_DATABASE_URL (used as it is) or FIGTRAIL_TEST_DATABASE_URL (an admin URL, as in
``make test-postgres``: a new database is created for the run).

Each publisher signs in, then publishes revisions (a unique 16 KB payload and a small code object each)
with a ``client_id`` it chose, to one of two figures that four publishers share (so revision numbering is
contended). A request that fails (connection error or 5xx) is retried with the same ``client_id``, and a
409 ``duplicate_client_id`` on a retry means the first try was stored. Afterwards it reads both figures
back and prints: whether every revision is stored exactly once (no missing, no duplicate, numbers 1..N
with no gap), the number of 5xx answers, and the rate. It asserts nothing and always exits 0.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
import threading
import time
import uuid
from pathlib import Path

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
    import psycopg

    name = f"figtrail_load_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
        version = connection.execute("SHOW server_version").fetchone()[0]
    return admin.rsplit("/", 1)[0] + "/" + name, f"PostgreSQL {version} (a new database)"


class Publisher(threading.Thread):
    def __init__(self, server: BenchServer, token: str, figure_id: str, deadline: float) -> None:
        super().__init__(daemon=True)
        self.server, self.figure_id, self.deadline = server, figure_id, deadline
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.sent: list[str] = []  # client ids the server acknowledged (201, or 409 on a retry)
        self.lost: list[str] = []  # client ids given up on after RETRIES tries
        self.latencies: list[float] = []
        self.server_errors = 0
        self.other_errors = 0

    def run(self) -> None:
        for _ in range(REVISIONS_EACH):
            if time.monotonic() > self.deadline:
                return
            client_id = str(uuid.uuid4())
            body = {
                "figure": self.figure_id,
                "client_id": client_id,
                "metadata": {"load": True},
                "data": [
                    {"type": "file", "name": "payload.bin", "data": b64(os.urandom(PAYLOAD_BYTES))},
                    {"type": "code", "name": "code", "data": b64(f"print({client_id!r})".encode())},
                ],
            }
            for attempt in range(RETRIES):
                started = time.perf_counter()
                try:
                    response = self.session.post(
                        self.server.api + "revision/", json=body, timeout=REQUEST_TIMEOUT
                    )
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


def run_load(extra_env: dict[str, str], database: str) -> None:
    print(f"\n== {PUBLISHERS} publishers x {REVISIONS_EACH} revisions on {database}")
    with BenchServer(extra_env) as server:
        password = "load-" + secrets.token_urlsafe(12)
        server.add_user("loader", password)
        token = server.jwt("loader", password)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        workspaces = session.get(server.api + "workspace/", timeout=30).json()
        workspace = next(w for w in workspaces if w["workspace_type"] == "primary")
        analysis = session.post(
            server.api + "analysis/", json={"name": "load", "workspace": workspace["api_id"]}, timeout=30
        ).json()
        figures = [
            session.post(
                server.api + "figure/", json={"name": f"load {i}", "analysis": analysis["api_id"]}, timeout=30
            ).json()["api_id"]
            for i in range(FIGURES)
        ]
        cpu_before = server.cpu_seconds()
        deadline = time.monotonic() + TIME_LIMIT
        publishers = [Publisher(server, token, figures[i % FIGURES], deadline) for i in range(PUBLISHERS)]
        started = time.perf_counter()
        for publisher in publishers:
            publisher.start()
        for publisher in publishers:
            publisher.join(TIME_LIMIT + REQUEST_TIMEOUT * RETRIES)
        elapsed = time.perf_counter() - started
        cpu_after = server.cpu_seconds()

        acknowledged = [cid for p in publishers for cid in p.sent]
        stored: list[str] = []
        numbers_ok = True
        for figure_id in figures:
            revisions = session.get(server.api + f"figure/{figure_id}/", timeout=120).json()["revisions"]
            stored += [r["api_id"] for r in revisions]
            indexes = sorted(r["revision_index"] for r in revisions)
            numbers_ok &= indexes == list(range(1, len(indexes) + 1))
        missing = set(acknowledged) - set(stored)
        duplicates = len(stored) - len(set(stored))
        extra = set(stored) - set(acknowledged) - {cid for p in publishers for cid in p.lost}
        exactly_once = not missing and not duplicates and not extra and numbers_ok
        latencies = [x for p in publishers for x in p.latencies]
        server_errors = sum(p.server_errors for p in publishers)
        other_errors = sum(p.other_errors for p in publishers)
        lost = sum(len(p.lost) for p in publishers)
        print(f"machine: {machine_line(database)}; load average {load_average()}")
        settings = server.settings()
        print(f"server: figtrail serve, {settings['workers']} workers x {settings['threads']} threads")
        print(
            f"every revision stored exactly once: {'yes' if exactly_once else 'NO'} "
            f"({len(acknowledged)} acknowledged, {len(stored)} stored, {len(missing)} missing, "
            f"{duplicates} duplicated, {len(extra)} unexpected, numbering 1..N per figure: "
            f"{'yes' if numbers_ok else 'NO'})"
        )
        print(f"5xx answers: {server_errors}; other failures: {other_errors}; given up: {lost}")
        rate = len(acknowledged) / elapsed if elapsed else float("nan")
        p50, p95, p99 = (percentile(latencies, f) * 1000 for f in (0.5, 0.95, 0.99))
        print(
            f"rate: {rate:.0f} rev/s over {elapsed:.1f} s; "
            f"latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms"
        )
        if cpu_before is not None and cpu_after is not None and acknowledged:
            print(f"server CPU: {(cpu_after - cpu_before) * 1000 / len(acknowledged):.1f} ms per revision")
        if time.monotonic() > deadline:
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
