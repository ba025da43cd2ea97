"""Capture latency, side by side: figtrail's client, the official gofigr client and MLflow's log_figure.

Run with no arguments (``make bench``), or ``.venv/bin/python benchmarks/capture_latency.py --rounds 10``.
In one run on this machine it records the same ~200 KB matplotlib scatter three ways:

* **figtrail**: ``figtrail.Publisher(analysis=...)``, ``h = pub.publish(fig)``. Measured: how long
  ``publish()`` blocks, and the time from calling it until the revision is stored on the server, as a
  reader sees it: read back with ``GET revision/<h.api_id>/`` (its own requests session, in a separate
  process, so it takes no GIL from the client's sender thread) until the revision's data list has every
  image format the publisher renders ("stored"); also when a PNG was first readable, when its row was
  committed, and when the client's handle said "sent" (``h.wait()`` returning). To know when to GET, it
  watches the server's SQLite file every ``--poll-ms`` (2 ms; a query costs microseconds) and GETs only
  when the database shows something new. ``--watch api`` polls the API alone instead, but each GET costs
  the server ~5 ms of CPU: at 5 ms intervals that is most of a CPU taken from the upload it is timing,
  which on 2 CPUs slowed figtrail's measured time to stored by 20-45% in trials here.
* **gofigr** 2.3.4, the official client: ``Publisher(gf=GoFigr(url=..., api_key=...), analysis=...)``;
  ``pub.publish(fig)`` is synchronous, so its blocking time is its time to stored (checked afterwards,
  untimed, by reading the revision back).
* **MLflow**: ``mlflow.log_figure(fig, "fig-....png")`` inside one run, against a local ``mlflow server``
  (SQLite backend store, artifacts proxied by the server into a local folder) on a free port. It is
  synchronous too. MLflow lives only in the benchmark's own virtualenv ``.venv-bench`` (``make bench``
  creates it), and runs there as a worker process (``_capture_worker.py``) that answers "go" commands,
  so the rounds interleave.

figtrail and gofigr publish to one ``figtrail serve`` started here (temporary home, random port, a fresh
user and API key), figtrail with a fresh outbox (FIGTRAIL_OUTBOX) and config file (FIGTRAIL_CONFIG) in a
temporary folder; every client runs with its defaults. Each round draws a new figure from the round's
seed (the same pixels for the three clients, drawn before the clock starts) and times each client once,
in a rotating order; between two clients the previous one is drained (figtrail's outbox flushed,
unmeasured), so no client competes with another's background work.

After the rounds, a burst: ``--burst`` figures (50) published back to back (a "Run all"), timed until
the last one is stored: each revision's time from the server's own clock (``created_on``, and
``updated_on`` when its other formats came as a later PATCH), and when a reader listing the figure had
them all. MLflow's burst is run too (gofigr's would only be the sum of its synchronous calls).

Options: ``--rounds`` (30, or BENCH_CAPTURE_ROUNDS), ``--warmup`` (3), ``--burst`` (50; 0: none),
``--clients figtrail,gofigr,mlflow``, ``--watch db|api``, ``--poll-ms`` (0: trust ``h.wait()``, read back
once afterwards), ``--burst-poll-ms``. MLflow's interpreter: BENCH_MLFLOW_PYTHON, else .venv-bench's;
without either the MLflow side is skipped, with a note.

The target (figtrail no slower than MLflow at p50) compares like with like: MLflow's call has stored one
PNG when it returns; figtrail's revision is on the server when its row is committed, with its PNG, code
and metadata in the same transaction. The time until every format is in is printed beside it.

It prints p50/p95 per client, the ratios, the load average and the machine, and what the servers and
the figtrail client spent in CPU per figure. It asserts nothing and exits 0 whenever it could measure;
the servers and worker processes are always stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from _capture_worker import close_figure, make_figure, png_bytes  # noqa: E402
from _server import BenchServer, load_average, machine_line, percentile, sqlite_description  # noqa: E402

REPO = BENCH_DIR.parent
HOST = "127.0.0.1"
STORE_TIMEOUT = 120.0  # seconds a revision may take to appear before the round counts as lost
TARGET_BLOCK_P95_MS = 50.0  # issue 11: publish() blocks < 50 ms p95 ...
TARGET_STORED_RATIO = 1.0  # ... and its time to stored p50 is no slower than MLflow's log_figure p50
CLIENTS = ("figtrail", "gofigr", "mlflow")
BURST_TITLE = "Capture latency burst"  # the burst's revisions make a figure of their own


# -- the poller (a separate process: it must not compete with figtrail's sender for the GIL) ------------


# Django's tables for the catalog app; a UUIDField is 32 hex digits on SQLite
REVISION_ROW = "SELECT 1 FROM catalog_revision WHERE api_id = ?"
IMAGE_FORMATS = (
    "SELECT json_extract(metadata, '$.format') FROM catalog_data WHERE revision_id = ? AND type = 'image'"
)


def open_database(path: str | None):
    """A read-only connection to the figtrail server's SQLite file, or None when it has no revision table."""
    if not path:
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        db.execute(REVISION_ROW, (uuid.uuid4().hex,)).fetchone()
        db.execute(IMAGE_FORMATS, (uuid.uuid4().hex,)).fetchall()
        return db
    except sqlite3.Error:
        return None


def poller(conn, api: str, token: str, interval: float, database: str | None) -> None:
    """Answers each request ({"ids": [...], "formats": [...]}) with when each revision became readable,
    in ``time.monotonic()`` seconds (CLOCK_MONOTONIC, the same clock in every process). Revisions are
    awaited in the order given: a later one is first polled once the earlier ones are stored.

    With ``database`` (``--watch db``), it first watches the server's SQLite file for the revision's
    committed row (a query costs microseconds, where a GET costs the server milliseconds of CPU), then
    reads the revision back over the API; without, it polls the API alone every ``interval``."""
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    db = open_database(database)
    conn.send({"watch": "db" if db is not None else "api"})
    while True:
        request = conn.recv()
        if request is None:
            break
        if request.get("cost"):  # polls of a revision that does not exist, back to back
            missing = uuid.uuid4()
            started = time.monotonic()
            for _ in range(request["cost"]):
                session.get(f"{api}revision/{missing}/", timeout=30)
            api_seconds, db_seconds = time.monotonic() - started, float("nan")
            if db is not None:
                started = time.monotonic()
                for _ in range(request["cost"]):
                    db.execute(REVISION_ROW, (missing.hex,)).fetchone()
                db_seconds = time.monotonic() - started
            conn.send({"seconds": api_seconds, "db_seconds": db_seconds})
            continue
        if request.get("burst"):
            conn.send(_poll_burst(session, api, request))
            continue
        wanted = set(request["formats"])
        deadline = time.monotonic() + request.get("timeout", STORE_TIMEOUT)
        results, polls, checks = [], 0, 0
        for api_id in request["ids"]:
            found = _await_revision(session, db, api, api_id, wanted, interval, deadline)
            polls, checks = polls + found.pop("polls"), checks + found.pop("checks")
            results.append(found)
        conn.send({"results": results, "polls": polls, "checks": checks})
    session.close()


def _read_back(session: requests.Session, api: str, found: dict, wanted: set[str]) -> None:
    """GET the revision and record, in ``found``, when a reader first saw it, its PNG, all its images."""
    response = session.get(f"{api}revision/{found['id']}/", timeout=30)
    now = time.monotonic()
    found["polls"] += 1
    if response.status_code == 200:
        data = response.json().get("data") or []
        images = _image_formats({"data": data})
        found["seen"] = found["seen"] or now
        if "png" in images and found["png"] is None:
            found["png"] = now
        if images and wanted <= images:
            found["complete"] = now
            found["data"] = [
                [item["type"], (item.get("metadata") or {}).get("format"), item["size_bytes"]]
                for item in data
            ]
    elif response.status_code != 404:
        found["error"] = f"HTTP {response.status_code}: {response.text[:200]}"


def _await_revision(session, db, api: str, api_id: str, wanted: set[str], interval: float, deadline: float):
    found = {"id": api_id, "row": None, "seen": None, "png": None, "complete": None, "data": None}
    found.update(error=None, polls=0, checks=0)
    key = uuid.UUID(api_id).hex
    while True:
        if db is None:
            _read_back(session, api, found, wanted)
        else:  # look in the database; GET only when it shows something new
            if found["row"] is None and db.execute(REVISION_ROW, (key,)).fetchone():
                found["row"] = time.monotonic()
            formats = {row[0] for row in db.execute(IMAGE_FORMATS, (key,)).fetchall()}
            found["checks"] += 1
            if ("png" in formats and found["png"] is None) or (formats and wanted <= formats):
                _read_back(session, api, found, wanted)
        if found["complete"] is not None:
            return found
        if time.monotonic() > deadline:
            found["error"] = found["error"] or "not stored within the time limit"
            return found
        time.sleep(interval)


def _image_formats(revision: dict) -> set[str]:
    return {
        (item.get("metadata") or {}).get("format")
        for item in revision.get("data") or []
        if item["type"] == "image"
    }


def _poll_burst(session: requests.Session, api: str, request: dict) -> dict:
    """For a burst, where one GET per revision and poll would load the server too much: find the burst's
    figure (GET each revision in turn until one exists), then list that figure's revisions (one GET) every
    ``interval`` until all are complete. Answers, per revision, when a reader first saw it complete
    (monotonic) and the server's own ``created_on`` (epoch seconds: exact, whatever the poll interval)."""
    ids, wanted, interval = request["burst"], set(request["formats"]), request["interval"]
    deadline = time.monotonic() + request["timeout"]
    figure, polls, index = None, 0, 0
    while figure is None and time.monotonic() < deadline:
        response = session.get(f"{api}revision/{ids[index % len(ids)]}/", timeout=30)
        polls += 1
        if response.status_code == 200:
            figure = response.json()["figure"]
        else:
            index += 1
            time.sleep(request["interval"] / len(ids))
    seen: dict[str, float] = {}
    created: dict[str, float] = {}
    updated: dict[str, float] = {}
    while figure is not None and len(seen) < len(ids) and time.monotonic() < deadline:
        response = session.get(f"{api}revision/", params={"figure": figure}, timeout=60)
        now = time.monotonic()
        polls += 1
        if response.status_code == 200:
            for revision in response.json():
                api_id = revision["api_id"]
                if api_id in ids and api_id not in seen and wanted <= _image_formats(revision):
                    seen[api_id] = now
                    created[api_id] = datetime.fromisoformat(revision["created_on"]).timestamp()
                    changed = revision.get("updated_on") or revision["created_on"]  # a later PATCH of formats
                    updated[api_id] = max(created[api_id], datetime.fromisoformat(changed).timestamp())
        if len(seen) < len(ids):
            time.sleep(interval)
    return {
        "seen": [seen.get(i) for i in ids],
        "created": [created.get(i) for i in ids],
        "updated": [updated.get(i) for i in ids],
        "polls": polls,
    }


# -- CPU accounting from /proc ---------------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far), for every process we can read."""
    table, tick = {}, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return table


def _subtree(table: dict[int, tuple[int, float]], root: int) -> set[int]:
    tree, added = {root}, True
    while added:
        children = {pid for pid, (ppid, _) in table.items() if ppid in tree} - tree
        tree |= children
        added = bool(children)
    return tree


class CpuMeter:
    """CPU seconds so far of: this process, its helper children (figtrail's render process: any child
    not listed as ``known``), and each named server's process tree."""

    def __init__(self) -> None:
        self.servers: dict[str, int] = {}
        self.known: set[int] = set()

    def sample(self) -> dict[str, float]:
        try:
            table = _proc_table()
        except OSError:
            return {}
        me = os.getpid()
        sample = {"client": time.process_time()}
        helpers = [pid for pid, (ppid, _) in table.items() if ppid == me and pid not in self.known]
        sample["helpers"] = sum(table[pid][1] for root in helpers for pid in _subtree(table, root))
        for name, root in self.servers.items():
            if root in table:
                sample[name] = sum(table[pid][1] for pid in _subtree(table, root) if pid in table)
        return sample


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before[key] for key in before if key in after}


# -- servers ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def stop_group(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM to the process's whole group, then SIGKILL if it is not gone within ``timeout``."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):  # workers that outlived their parent
        os.killpg(process.pid, signal.SIGKILL)


def mlflow_env(root: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "FIGTRAIL_", "GF_"))}
    return {
        **base,
        "HOME": str(root / "home"),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        # Its job runner (huey consumers for the GenAI features) polls while idle: ~0.5 CPU here, which
        # would tax every client in the run; log_figure does not use it.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "DO_NOT_TRACK": "true",
        "MPLBACKEND": "Agg",
        "PYTHONUNBUFFERED": "1",
    }


class MlflowServer:
    """``mlflow server`` of .venv-bench: SQLite backend store and proxied artifacts in ``root``."""

    def __init__(self, python: Path, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.artifacts = root / "mlartifacts"
        self.command = [
            str(python.with_name("mlflow")),
            "server",
            "--backend-store-uri",
            f"sqlite:///{root / 'mlflow.db'}",
            "--artifacts-destination",
            str(self.artifacts),
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        self.process: subprocess.Popen | None = None
        self.log_path = root / "mlflow-server.log"

    def start(self, timeout: float = 120) -> None:
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.root,
                env=mlflow_env(self.root),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop_group() ends uvicorn's workers too
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited early:\n{self.log_text()}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"mlflow server did not start within {timeout:.0f} s:\n{self.log_text()}")

    def stop(self) -> None:
        stop_group(self.process)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def stored_files(self) -> int:
        return sum(1 for path in self.artifacts.rglob("*.png") if path.is_file())


class MlflowWorker:
    """``_capture_worker.py --mlflow`` in .venv-bench: one JSON command per line, one answer per line."""

    def __init__(self, python: Path, server: MlflowServer) -> None:
        self.log = open(server.root / "mlflow-worker.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(python), str(BENCH_DIR / "_capture_worker.py"), "--mlflow", server.url],
            cwd=server.root,
            env=mlflow_env(server.root),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        self.hello = self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the MLflow worker ended:\n{self.log_text()}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"the MLflow worker failed: {answer['error']}\n{self.log_text()}")
        return answer

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                self.ask(cmd="quit")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        stop_group(self.process)
        self.log.close()

    def log_text(self) -> str:
        self.log.flush()
        try:
            return Path(self.log.name).read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"


def bench_python() -> Path | None:
    """The interpreter of the benchmark-only virtualenv (BENCH_MLFLOW_PYTHON, or .venv-bench's)."""
    given = os.environ.get("BENCH_MLFLOW_PYTHON")
    candidate = Path(given).absolute() if given else REPO / ".venv-bench" / "bin" / "python"
    return candidate if candidate.exists() else None  # absolute, not resolved: a venv's python is a symlink


# -- measurements ----------------------------------------------------------------------------------------


@dataclass
class Series:
    block: list[float] = field(default_factory=list)  # ms publish()/log_figure() blocked
    stored: list[float] = field(default_factory=list)  # ms from the call until stored (readable)
    sent: list[float] = field(default_factory=list)  # figtrail: ms until the handle said "sent"
    png: list[float] = field(default_factory=list)  # figtrail: ms until a PNG was readable
    row: list[float] = field(default_factory=list)  # figtrail, --watch db: ms until its row was committed
    cpu: list[dict[str, float]] = field(default_factory=list)
    lost: int = 0
    errors: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, args: argparse.Namespace, server: BenchServer, token: str, root: Path) -> None:
        self.args = args
        self.server = server
        self.token = token
        self.root = root
        self.meter = CpuMeter()
        self.series = {name: Series() for name in CLIENTS}
        self.stored_data: dict[str, list] = {}
        self.notes: list[str] = []
        self.polling = args.poll_ms > 0
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    # figtrail ---------------------------------------------------------------------------------------

    def figtrail_round(self, seed: int, record: bool) -> None:
        fig = make_figure(seed)
        before = self.meter.sample()
        started = time.monotonic()
        handle = self.figtrail.publish(fig)
        returned = time.monotonic()
        sent_at: list[float] = []
        watcher = threading.Thread(
            target=lambda: handle.wait(STORE_TIMEOUT) and sent_at.append(time.monotonic()), daemon=True
        )
        watcher.start()
        if self.polling:
            self.poll.send({"ids": [handle.api_id], "formats": self.formats})
            answer = self.poll.recv()
            watcher.join(STORE_TIMEOUT)
        else:  # --poll-ms 0: the client's word ("sent"), checked by one read back afterwards
            watcher.join(STORE_TIMEOUT)
            self.poll.send({"ids": [handle.api_id], "formats": self.formats, "timeout": 5})
            answer = self.poll.recv()
        after = self.meter.sample()
        close_figure(fig)
        self.figtrail.flush(60)  # drained before the next client's turn (unmeasured)
        found = answer["results"][0]
        series = self.series["figtrail"]
        if not record:
            return
        series.block.append((returned - started) * 1000)
        if found["complete"] is None:
            series.lost += 1
            series.errors.append(found["error"] or "not stored")
            return
        if self.polling:
            series.stored.append((found["complete"] - started) * 1000)
            if found["png"] is not None:
                series.png.append((found["png"] - started) * 1000)
            if found["row"] is not None:
                series.row.append((found["row"] - started) * 1000)
        elif sent_at:
            series.stored.append((sent_at[0] - started) * 1000)
        if sent_at:
            series.sent.append((sent_at[0] - started) * 1000)
        delta = cpu_delta(before, after)
        delta["polls"] = answer["polls"]
        delta["checks"] = answer.get("checks", 0)
        series.cpu.append(delta)
        self.stored_data["figtrail"] = found["data"]

    def figtrail_burst(self, seeds: list[int]) -> dict:
        figures = [make_figure(seed, BURST_TITLE) for seed in seeds]
        blocks, handles = [], []
        wall, started = time.time(), time.monotonic()
        for fig in figures:
            call = time.monotonic()
            handles.append(self.figtrail.publish(fig))
            blocks.append((time.monotonic() - call) * 1000)
        published = time.monotonic()
        self.poll.send(
            {
                "burst": [h.api_id for h in handles],
                "formats": self.formats,
                "interval": self.args.burst_poll_ms / 1000,
                "timeout": 900,
            }
        )
        answer = self.poll.recv()
        for fig in figures:
            close_figure(fig)
        self.figtrail.flush(120)
        seen = [(moment - started) * 1000 for moment in answer["seen"] if moment is not None]
        created = [(moment - wall) * 1000 if moment else None for moment in answer["created"]]
        updated = [(moment - wall) * 1000 if moment else None for moment in answer["updated"]]
        stored = sorted(value for value in created if value is not None)
        complete = sorted(value for value in updated if value is not None)
        order = sorted((value, index) for index, value in enumerate(created) if value is not None)
        return {
            "publish_total": (published - started) * 1000,
            "block_p50": percentile(blocks, 0.5),
            "block_p95": percentile(blocks, 0.95),
            "block_max": max(blocks),
            "first": stored[0] if stored else float("nan"),
            "half": percentile(stored, 0.5),
            "last_created": stored[-1] if stored else float("nan"),
            "complete_first": complete[0] if complete else float("nan"),
            "complete_half": percentile(complete, 0.5),
            "complete_last": complete[-1] if complete else float("nan"),
            "last": max(seen) if seen else float("nan"),
            "lost": len(seeds) - len(seen),
            "in_order": [index for _, index in order] == sorted(index for _, index in order),
            "order": [index + 1 for _, index in order],
            "stored": created,
            "polls": answer["polls"],
        }

    # gofigr -----------------------------------------------------------------------------------------

    def gofigr_round(self, seed: int, record: bool) -> None:
        fig = make_figure(seed)
        before = self.meter.sample()
        started = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()):  # it display()s the watermarked image: a print here
            revision = self.gofigr.publish(fig)
        returned = time.monotonic()
        after = self.meter.sample()
        close_figure(fig)
        if not record:
            return
        series = self.series["gofigr"]
        elapsed = (returned - started) * 1000
        series.block.append(elapsed)
        response = self.session.get(self.server.api + f"revision/{revision.api_id}/", timeout=30)
        if response.status_code != 200 or not any(d["type"] == "image" for d in response.json()["data"]):
            series.lost += 1
            series.errors.append(f"read back: HTTP {response.status_code}")
            return
        series.stored.append(elapsed)
        series.cpu.append(cpu_delta(before, after))
        self.stored_data["gofigr"] = [
            [d["type"], (d.get("metadata") or {}).get("format"), d["size_bytes"]]
            for d in response.json()["data"]
        ]

    # mlflow -----------------------------------------------------------------------------------------

    def mlflow_round(self, seed: int, record: bool) -> None:
        before = self.meter.sample()
        answer = self.mlflow.ask(cmd="go", seed=seed)  # the worker draws the figure before its clock starts
        after = self.meter.sample()
        if not record:
            return
        series = self.series["mlflow"]
        series.block.append(answer["ms"])
        series.stored.append(answer["ms"])
        series.cpu.append(cpu_delta(before, after))

    # ------------------------------------------------------------------------------------------------

    def poll_cost(self, count: int = 200) -> dict[str, float]:
        """What one look that finds nothing costs: a GET (ms of figtrail server CPU, ms round trip), and
        a query of the server's database (ms)."""
        before = self.meter.sample()
        self.poll.send({"cost": count})
        answer = self.poll.recv()
        after = self.meter.sample()
        return {
            "get_cpu": cpu_delta(before, after).get("figtrail-server", float("nan")) * 1000 / count,
            "get_rtt": answer["seconds"] * 1000 / count,
            "query": answer["db_seconds"] * 1000 / count,
        }


def render_costs(fig, repeats: int = 3) -> dict[str, float]:
    """ms (best of ``repeats``) to turn the figure into each format, once, in this process: what any client
    that stores these formats has to spend somewhere."""
    import logging
    import pickle

    logging.getLogger("matplotlib.backends.backend_ps").setLevel(logging.ERROR)  # "no transparency in EPS"

    def best(action) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            action()
            times.append((time.perf_counter() - started) * 1000)
        return min(times)

    return {
        "png": best(lambda: fig.savefig(io.BytesIO(), format="png")),
        "svg": best(lambda: fig.savefig(io.BytesIO(), format="svg")),
        "eps": best(lambda: fig.savefig(io.BytesIO(), format="eps")),
        "pickle": best(lambda: pickle.dumps(fig)),
    }


def make_users(server: BenchServer) -> tuple[str, str]:
    """A fresh user with two API keys: one for figtrail's client, one for the official client."""
    password = "pw-" + secrets.token_urlsafe(16)
    server.add_user("capture", password)
    jwt = server.jwt("capture", password)
    keys = []
    for name in ("figtrail", "gofigr"):
        response = requests.post(
            server.api + "api_key/",
            json={"name": f"capture-latency {name}"},
            headers={"Authorization": f"Bearer {jwt}"},
            timeout=30,
        )
        response.raise_for_status()
        keys.append(response.json()["token"])
    return keys[0], keys[1]


def run(args: argparse.Namespace) -> int:
    for key in [k for k in os.environ if k.startswith(("FIGTRAIL_", "GF_"))]:
        del os.environ[key]  # the clients must see only what this run sets
    os.environ.setdefault("MPLBACKEND", "Agg")
    load_before = load_average()
    sample = make_figure(1000)  # the first round's figure
    size = png_bytes(sample)
    costs = render_costs(sample)
    close_figure(sample)
    python = bench_python()

    print("capture_latency: one ~200 KB matplotlib figure, recorded by figtrail, gofigr and MLflow")
    print(f"  machine: {machine_line(sqlite_description())}")
    print(
        f"  figure:  {POINTS_TEXT}, default dpi: {size / 1000:.0f} KB as PNG "
        "(fig.savefig(format='png'), which is what log_figure stores)"
    )
    print(
        "  rendering it once here costs (ms, best of 3): "
        + ", ".join(f"{name} {value:.0f}" for name, value in costs.items())
    )
    root = Path(tempfile.mkdtemp(prefix="figtrail-capture-"))
    mlflow_server: MlflowServer | None = None
    worker: MlflowWorker | None = None
    poll_process = None
    bench: Bench | None = None
    versions: dict[str, str] = {}
    burst: dict[str, dict] = {}
    try:
        with BenchServer() as server:
            figtrail_key, gofigr_key = make_users(server)
            os.environ.update(
                {
                    "FIGTRAIL_URL": server.url,
                    "FIGTRAIL_API_KEY": figtrail_key,
                    "FIGTRAIL_OUTBOX": str(root / "outbox"),
                    "FIGTRAIL_CONFIG": str(root / "figtrail-client.json"),
                }
            )
            bench = Bench(args, server, figtrail_key, root)
            bench.meter.servers["figtrail-server"] = server.process.pid
            bench.meter.known.add(server.process.pid)

            if "mlflow" not in args.clients:
                pass
            elif python is None:
                bench.notes.append(
                    "MLflow skipped: no .venv-bench (run `make bench`, which creates it, or set "
                    "BENCH_MLFLOW_PYTHON to a Python with mlflow)"
                )
            else:
                print("  starting mlflow server and its worker ...", flush=True)
                mlflow_server = MlflowServer(python, root / "mlflow")
                mlflow_server.root.mkdir()
                mlflow_server.start()
                bench.meter.servers["mlflow-server"] = mlflow_server.process.pid
                bench.meter.known.add(mlflow_server.process.pid)
                worker = MlflowWorker(python, mlflow_server)
                bench.meter.known.add(worker.process.pid)
                bench.meter.servers["mlflow-worker"] = worker.process.pid
                bench.mlflow = worker
                versions["mlflow"] = (
                    f"mlflow {worker.hello['mlflow']} (matplotlib {worker.hello['matplotlib']}, numpy "
                    f"{worker.hello['numpy']}, "
                    f"Python {worker.hello['python']}, .venv-bench), server {mlflow_server.url}: "
                    "uvicorn, default workers, job execution off, sqlite backend store,\n  "
                    "  artifacts proxied by the server to a local folder"
                )

            parent, child = multiprocessing.get_context("spawn").Pipe()
            poll_process = multiprocessing.get_context("spawn").Process(
                target=poller,
                args=(
                    child,
                    server.api,
                    figtrail_key,
                    args.poll_ms / 1000,
                    str(server.home / "figtrail.sqlite3") if args.watch == "db" else None,
                ),
                daemon=True,
            )
            poll_process.start()
            bench.poll = parent
            bench.watch = parent.recv()["watch"]
            if bench.watch != args.watch:
                bench.notes.append("--watch db: the server's database has no revision table; polled the API")
            bench.meter.known.add(poll_process.pid)

            from gofigr import GoFigr
            from gofigr.publisher import Publisher as GoFigrPublisher

            import figtrail

            bench.figtrail = figtrail.Publisher(analysis="capture-latency figtrail")
            bench.formats = sorted(bench.figtrail.config.image_formats)  # the defaults: no override here
            bench.gofigr = GoFigrPublisher(
                gf=GoFigr(url=server.url, api_key=gofigr_key), analysis="capture-latency gofigr"
            )
            settings = server.settings()
            versions["figtrail"] = (
                f"figtrail {figtrail.__version__} (this checkout), server {server.url}: figtrail serve, "
                f"{settings['workers']} workers x {settings['threads']} threads; complete = images "
                f"{', '.join(bench.formats)} readable"
            )
            versions["gofigr"] = (
                f"gofigr {metadata.version('gofigr')}, same figtrail server, its default image formats"
            )

            cost = bench.poll_cost()
            rounds = {
                "figtrail": bench.figtrail_round,
                "gofigr": bench.gofigr_round,
                "mlflow": bench.mlflow_round if worker else None,
            }
            order = [name for name in CLIENTS if rounds[name] and name in args.clients]
            total = args.warmup + args.rounds
            print(f"  {args.warmup} warm-up + {args.rounds} measured rounds, one figure per client each ...")
            for index in range(total):
                rotated = order[index % len(order) :] + order[: index % len(order)]
                for name in rotated:
                    rounds[name](1000 + index, index >= args.warmup)
                if (index + 1) % 10 == 0:
                    print(f"    round {index + 1}/{total}", flush=True)

            if args.burst:
                seeds = list(range(5000, 5000 + args.burst))
                print(f"  burst: {args.burst} figures back to back (figtrail, then MLflow) ...", flush=True)
                if "figtrail" in order:
                    burst["figtrail"] = bench.figtrail_burst(seeds)
                if worker and "mlflow" in order:
                    answer = worker.ask(cmd="burst", seeds=seeds, title=BURST_TITLE)
                    burst["mlflow"] = {"total": answer["ms"], "each": answer["each"]}
            bench.figtrail.close()
            if mlflow_server is not None:
                files = mlflow_server.stored_files()
                expected = total + (args.burst if "mlflow" in args.clients else 0)
                if files != expected:
                    bench.notes.append(f"MLflow: {files} PNG artifacts on disk, {expected} logged")
    finally:
        if poll_process is not None and poll_process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                bench.poll.send(None)
            poll_process.join(10)
            if poll_process.is_alive():
                poll_process.kill()
        if worker is not None:
            worker.stop()
        if mlflow_server is not None:
            mlflow_server.stop()
        shutil.rmtree(root, ignore_errors=True)

    report(args, bench, versions, burst, cost, load_before)
    return 0


POINTS_TEXT = "5,000-point scatter, 8 x 6 in"


def ms(values: list[float], fraction: float) -> str:
    value = percentile(values, fraction)
    return f"{value:8.1f}" if value == value else f"{'-':>8}"


def report(args, bench: Bench, versions: dict, burst: dict, cost: dict[str, float], load: str) -> None:
    series = bench.series
    ft = series["figtrail"]

    def p50(name: str, kind: str = "stored") -> float:
        return percentile(getattr(series[name], kind), 0.5)

    print()
    for line in versions.values():
        print(f"  {line}")
    print(f"  load: 1/5/15-min load average {load} before, {load_average()} after ({os.cpu_count()} CPUs)")
    print(f"  Python {platform.python_version()} ({sys.executable})")
    print()
    header = f"  {'ms':<34} {'n':>3} {'block p50':>9} {'p95':>8}   {'stored p50':>10} {'p95':>8}  lost"
    print(header)
    print("  " + "-" * (len(header) - 2))
    labels = {
        "figtrail": "figtrail publish() (async)",
        "gofigr": "gofigr 2.3.4 publish() (sync)",
        "mlflow": "MLflow log_figure() (sync)",
    }
    for name in CLIENTS:
        s = series[name]
        if s.block:
            print(
                f"  {labels[name]:<34} {len(s.block):>3} {ms(s.block, 0.5)} {ms(s.block, 0.95)}   "
                f"{ms(s.stored, 0.5):>10} {ms(s.stored, 0.95)}  {s.lost}"
            )
    for label, values in (
        ("  figtrail: row committed (db)", ft.row),
        ("  figtrail: PNG readable (API)", ft.png),
        ("  figtrail: its handle said sent", ft.sent),
    ):
        if values:
            print(
                f"  {label:<34} {len(values):>3} {'':>9} {'':>8}   {ms(values, 0.5):>10} {ms(values, 0.95)}"
            )
    print("  block: how long the call held the caller. stored: from the call until a reader gets the")
    print("  revision, with its images, back over the API. The synchronous clients: the call itself (read")
    if not bench.polling:
        print(
            "  back afterwards). figtrail with --poll-ms 0: when its handle said sent (read back afterwards)."
        )
    elif bench.watch == "db":
        print(
            "  back afterwards). figtrail: a separate process watches the server's SQLite file for the "
            f"revision's row\n  every {args.poll_ms:g} ms, then GETs revision/<id>/ until its images are in."
        )
    else:
        print(
            f"  back afterwards). figtrail: a separate process GETs revision/<id>/ every {args.poll_ms:g} ms"
            " until its images are in."
        )

    print()
    lines = []
    if ft.stored and series["mlflow"].stored:
        # the target compares like with like: MLflow's call stores one PNG; figtrail's revision is on the
        # server, PNG, code and metadata in one committed transaction, when its row is committed
        if ft.row:
            ratio = p50("figtrail", "row") / p50("mlflow")
            verdict = "PASS" if ratio <= TARGET_STORED_RATIO else "MISS"
            lines.append(
                f"figtrail revision on the server (row with its PNG committed) p50 / MLflow log_figure p50: "
                f"{ratio:.2f}x (target <= {TARGET_STORED_RATIO:.1f}x: {verdict})"
            )
        if ft.png:
            ratio = p50("figtrail", "png") / p50("mlflow")
            lines.append(f"figtrail PNG read back by a reader p50 / MLflow log_figure p50: {ratio:.2f}x")
        ratio = p50("figtrail") / p50("mlflow")
        lines.append(f"figtrail every format stored p50 / MLflow log_figure p50: {ratio:.2f}x")
        ratio = p50("figtrail", "block") / p50("mlflow")
        lines.append(f"figtrail publish() block p50 / MLflow log_figure p50: {ratio:.2f}x")
    if ft.block:
        block95 = percentile(ft.block, 0.95)
        verdict = "PASS" if block95 < TARGET_BLOCK_P95_MS else "MISS"
        lines.append(
            f"figtrail publish() block p95: {block95:.1f} ms (target < {TARGET_BLOCK_P95_MS:.0f}: {verdict})"
        )
    if ft.stored and series["gofigr"].stored:
        lines.append(f"gofigr publish p50 / figtrail stored p50: {p50('gofigr') / p50('figtrail'):.2f}x")
        ratio = p50("gofigr") / p50("figtrail", "block")
        lines.append(f"gofigr publish p50 / figtrail publish() block p50: {ratio:.0f}x")
    if series["gofigr"].stored and series["mlflow"].stored:
        lines.append(f"gofigr publish p50 / MLflow log_figure p50: {p50('gofigr') / p50('mlflow'):.2f}x")
    for line in lines:
        print(f"  {line}")

    if burst:
        print()
        b, m = burst.get("figtrail"), burst.get("mlflow")
        if b:
            print(
                f"  burst of {args.burst} back to back ('Run all'), figtrail: the publish() calls took "
                f"{b['publish_total']:.0f} ms in all"
            )
            print(
                f"    (each: p50 {b['block_p50']:.1f}, p95 {b['block_p95']:.1f}, max {b['block_max']:.1f})."
                " The server's own clock (created_on, updated_on), ms after the first publish():"
            )
            print(
                f"    revision created (first image in): first {b['first']:.0f}, half {b['half']:.0f},"
                f" last {b['last_created']:.0f}"
            )
            print(
                f"    complete (every format in):        first {b['complete_first']:.0f}, half"
                f" {b['complete_half']:.0f}, last {b['complete_last']:.0f}"
            )
            print(
                f"    a reader had them all, complete, after {b['last']:.0f} ms (listing the figure every"
                f" {args.burst_poll_ms:g} ms); lost {b['lost']}"
            )
            shown = " ".join(str(index) for index in b["order"][:12])
            more = " ..." if len(b["order"]) > 12 else ""
            print(
                "    stored in publish order" if b["in_order"] else f"    stored in this order: {shown}{more}"
            )
            stored = [value for value in b["stored"] if value is not None]
            if len(stored) > 2:
                steps = sorted(stored)
                gaps = [later - earlier for earlier, later in zip(steps, steps[1:], strict=False)]
                print(
                    f"    between two stored revisions: p50 {percentile(gaps, 0.5):.0f} ms, "
                    f"max {max(gaps):.0f} ms"
                )
        if m:
            print(
                f"  burst, MLflow: the last log_figure returned after {m['total']:.0f} ms "
                f"(each p50 {percentile(m['each'], 0.5):.1f} ms)"
            )
        if b and m:
            print(
                f"  burst, figtrail all created / MLflow all stored: {b['last_created'] / m['total']:.2f}x;"
                f" all complete / MLflow: {b['complete_last'] / m['total']:.2f}x"
            )
        if series["gofigr"].stored:
            estimate = args.burst * p50("gofigr") / 1000
            print(f"  (gofigr's burst would be {args.burst} synchronous calls, ~{estimate:.0f} s: not run)")

    print()
    print("  CPU used during a measured round (ms, p50 over rounds):")
    for name in CLIENTS:
        cpus = series[name].cpu
        parts = []
        for key in ("client", "helpers", "mlflow-worker", "figtrail-server", "mlflow-server"):
            values = [c[key] * 1000 for c in cpus if key in c]
            if values and percentile(values, 0.5) >= 0.5:
                parts.append(f"{key} {percentile(values, 0.5):.0f}")
        if parts:
            print(f"    {name:<9} " + ", ".join(parts))
    print(
        "    client: this process, all threads (figtrail's sender thread, gofigr's whole publish); helpers:"
    )
    print("    figtrail's render processes; mlflow-worker: the one calling log_figure; servers: their trees")
    if ft.cpu:
        polls = percentile([c["polls"] for c in ft.cpu], 0.5)
        checks = percentile([c["checks"] for c in ft.cpu], 0.5)
        looks = f"{polls:.0f} GETs" + (f" and {checks:.0f} database queries" if checks else "")
        print(
            f"  the instrument: a GET finding nothing costs the figtrail server {cost['get_cpu']:.1f} ms CPU"
            f" ({cost['get_rtt']:.1f} ms round trip)"
            + (f", a database query {cost['query']:.3f} ms" if cost["query"] == cost["query"] else "")
        )
        print(f"    a figtrail round made {looks} at p50 (~{polls * cost['get_cpu']:.0f} ms of server CPU)")
        wall = p50("figtrail")
        own = percentile([(c.get("client", 0) + c.get("helpers", 0)) * 1000 for c in ft.cpu], 0.5)
        server = percentile([c.get("figtrail-server", 0) * 1000 for c in ft.cpu], 0.5)
        server = max(server - polls * cost["get_cpu"], 0.0)
        print(
            f"  figtrail: stored after {wall:.0f} ms (p50); meanwhile its client side used {own:.0f} ms CPU"
            f" and the server ~{server:.0f} ms"
        )
        print(
            f"    (GETs taken out): the other ~{max(wall - own - server, 0):.0f} ms were waiting (sleeps, "
            f"queues, or the {os.cpu_count()} CPUs busy with other work)"
        )
    for name in ("figtrail", "gofigr"):
        data = bench.stored_data.get(name)
        if data:
            parts = [f"{kind}/{fmt or '-'} {size / 1000:.0f} KB" for kind, fmt, size in data]
            print(f"  a {name} revision holds: {', '.join(parts)}")
    if series["mlflow"].block:
        print("  an MLflow log_figure stores one PNG artifact in the run")
    for name in CLIENTS:
        for error in series[name].errors[:3]:
            print(f"  error in {name}: {error}")
    for note in bench.notes:
        print(f"  note: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_CAPTURE_ROUNDS", "30")))
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--burst", type=int, default=50, help="figures in the burst (0: none)")
    parser.add_argument(
        "--clients", default=",".join(CLIENTS), type=lambda text: text.split(","), help="e.g. figtrail,mlflow"
    )
    parser.add_argument(
        "--burst-poll-ms", type=float, default=250.0, help="burst: interval of listing the figure's revisions"
    )
    parser.add_argument(
        "--watch",
        choices=("db", "api"),
        default="db",
        help="figtrail: watch the server's database for the revision, then read it back over the API (db),"
        " or poll the API alone (api: each GET costs the server CPU, which it then lacks for the upload)",
    )
    parser.add_argument(
        "--poll-ms", type=float, default=2.0, help="figtrail: interval between two looks (0: trust h.wait())"
    )
    args = parser.parse_args()
    return run(args)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so the servers are stopped too
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
