"""Publishing throughput and figure-listing latency, against a fresh local server over real HTTP.

Run with no arguments (``make bench``). It starts its own ``figtrail serve`` (temporary FIGTRAIL_HOME,
random port on 127.0.0.1), creates a user, an API key, a workspace, an analysis and figures, then:

1. publishes revisions carrying a ~200 KB PNG (random noise, made unique per revision) plus a small
   code object, as the official client does (``POST revision/`` with base64 data and a client-chosen
   ``client_id``), with 1 publisher and with 8 concurrent publishers (threads, one session each);
2. fills a second figure with 1,000 small revisions and times ``GET figure/<id>/``.

It prints a table with the targets marked PASS or MISS, and always exits 0 on a miss: it measures,
it does not judge. Everything is bounded in count and in time, and the server is always stopped.

Environment knobs, for profiling only (the defaults are what ``make bench`` measures):
BENCH_WORKERS / BENCH_THREADS pass --workers / --threads to ``figtrail serve``; BENCH_SCALE (default 1)
multiplies the number of requests.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import secrets
import signal
import struct
import sys
import tempfile
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import BenchServer, load_average, machine_line, percentile, sqlite_description  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1") or 1)
PNG_TARGET_BYTES = 200 * 1024
SINGLE_PUBLISHER_REVISIONS = max(20, int(150 * SCALE))
CONCURRENT_PUBLISHERS = 8
CONCURRENT_REVISIONS = max(40, int(400 * SCALE))
LISTING_REVISIONS = 1000
LISTING_REQUESTS = max(20, int(100 * SCALE))
WARMUP_REQUESTS = 16
PHASE_TIME_LIMIT = 120.0  # seconds; a phase stops early (and says so) if the server is very slow
REQUEST_TIMEOUT = 60.0

TARGET_PUBLISH_RATE = 150.0  # revisions/s with 8 publishers
TARGET_LISTING_P95_MS = 50.0  # GET figure/<id>/ with 1,000 revisions

CODE = b'import matplotlib.pyplot as plt\nplt.imshow(noise)\nplt.title("bench")\n'
BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# -- payloads ------------------------------------------------------------------------------------------


def noise_png(target_bytes: int) -> bytes:
    """A real PNG of random RGB noise (incompressible, so its size is ~3 bytes a pixel)."""
    from PIL import Image

    side = int((target_bytes / 3) ** 0.5)
    rng = random.Random(20240601)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def unique_png(base: bytes, nonce: str) -> bytes:
    """``base`` with a tEXt chunk after IHDR: still a valid PNG, but with its own content hash.

    Identical bytes would be stored once by the content-addressed blob store, which is not what a
    stream of new figures looks like.
    """
    ihdr_end = 8 + 4 + 4 + 13 + 4  # signature, then IHDR's length, type, 13-byte body and CRC
    return base[:ihdr_end] + png_chunk(b"tEXt", b"bench\x00" + nonce.encode()) + base[ihdr_end:]


def b64(payload: bytes) -> str:
    return base64.b64encode(payload).decode("ascii")


def base62(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
        if number == 0:
            return digits


class Bodies:
    """Makes ``POST revision/`` bodies in the shape the official client sends (gofigr-client.md §2.17)."""

    def __init__(self, figure_id: str, short_prefix: str | None, png: bytes | None) -> None:
        self.figure_id = figure_id
        self.short_prefix = short_prefix
        self.png = png
        self.counter = 0

    def make(self) -> bytes:
        revision_id = str(uuid.uuid4())
        number = self.counter
        self.counter += 1
        code = CODE + f"# revision {number}\n".encode()
        data = [
            {
                "name": "Jupyter Cell",
                "type": "code",
                "is_clean_room": False,
                "metadata": {
                    "language": "Python",
                    "format": "text",
                    "encoding": "utf-8",
                    "local_id": str(uuid.uuid4()),
                },
                "data": b64(code),
            }
        ]
        if self.png is not None:
            data.append(
                {
                    "name": "figure",
                    "type": "image",
                    "is_clean_room": False,
                    "metadata": {"is_watermarked": False, "format": "png", "local_id": str(uuid.uuid4())},
                    "data": b64(unique_png(self.png, revision_id)),
                }
            )
        body = {
            "api_id": revision_id,
            "metadata": {
                "notebook_name": "Bench.ipynb",
                "notebook_path": "/bench/Bench.ipynb",
                "kernel": sys.executable,
                "python_version": sys.version,
                "cell_id": None,
                "backend": "matplotlib",
            },
            "figure": self.figure_id,
            "assets": [],
            "data": data,
            "client_id": revision_id,
        }
        if self.short_prefix:
            body["short_id"] = self.short_prefix + base62(number)
        return json.dumps(body).encode()


# -- measuring -----------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float | None = None  # seconds of server CPU (all workers) during the phase
    stopped_early: bool = False

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall > 0 else 0.0

    def ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000

    @property
    def cpu_ms(self) -> float:
        """Server CPU per successful request: unlike rates and latencies, barely moved by other load."""
        if self.server_cpu is None or not self.ok:
            return float("nan")
        return self.server_cpu * 1000 / self.ok


class Client:
    """Sessions for the benchmark user, and timed batches of requests against the server."""

    def __init__(self, server: BenchServer, api_key: str) -> None:
        self.server = server
        self.api = server.api
        self.api_key = api_key

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.api_key}"
        session.headers["Content-Type"] = "application/json"
        return session

    def publish(self, session: requests.Session, body: bytes) -> requests.Response:
        return session.post(self.api + "revision/", data=body, timeout=REQUEST_TIMEOUT)

    def figure(self, figure_id: str) -> dict:
        with self.session() as session:
            return check(session.get(self.api + f"figure/{figure_id}/", timeout=REQUEST_TIMEOUT), 200)

    def run(
        self, name: str, call, bodies: list, workers: int, time_limit: float = PHASE_TIME_LIMIT
    ) -> Result:
        """Send every body with ``call(session, body)`` from ``workers`` threads; time each call."""
        result = Result(name)
        items = list(bodies)
        lock = threading.Lock()
        position = 0
        deadline = time.monotonic() + time_limit

        def worker(session: requests.Session) -> None:
            nonlocal position
            while True:
                with lock:
                    if position >= len(items) or time.monotonic() > deadline:
                        result.stopped_early = result.stopped_early or position < len(items)
                        return
                    body, items[position] = items[position], None  # large bodies go once sent
                    position += 1
                started = time.perf_counter()
                try:
                    response = call(session, body)
                    elapsed = time.perf_counter() - started
                    with lock:
                        if response.status_code in (200, 201):
                            result.latencies.append(elapsed)
                        else:
                            result.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                except requests.RequestException as exc:
                    with lock:
                        result.errors.append(f"{type(exc).__name__}: {exc}"[:200])

        sessions = [self.session() for _ in range(workers)]
        threads = [threading.Thread(target=worker, args=(session,), daemon=True) for session in sessions]
        cpu_before = self.server.cpu_seconds()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=time_limit + REQUEST_TIMEOUT + 10)
        result.wall = time.perf_counter() - started
        cpu_after = self.server.cpu_seconds()
        if cpu_before is not None and cpu_after is not None:
            result.server_cpu = cpu_after - cpu_before
        for session in sessions:
            session.close()
        return result


def check(response: requests.Response, expected: int = 201) -> dict:
    if response.status_code != expected:
        raise RuntimeError(
            f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:500]}"
        )
    return response.json()


def integrity(client: Client, figure_id: str, published: int) -> str | None:
    """None if the figure lists exactly the revisions published, numbered 0..n-1 (the API counts from 0,
    as GoFigr's clients do); else what is wrong."""
    revisions = client.figure(figure_id).get("revisions") or []
    indexes = sorted(revision["revision_index"] for revision in revisions)
    if len(revisions) != published:
        return f"{published} revisions published, {len(revisions)} listed"
    if indexes != list(range(published)):
        return f"revision_index values are not 0..{published - 1} (duplicates or gaps)"
    return None


# -- setup ---------------------------------------------------------------------------------------------


def setup(server: BenchServer) -> tuple[Client, dict[str, str], str | None]:
    """A user, an API key, a workspace, an analysis, the figures and a short-id prefix."""
    username, password = "bench", "pw-" + secrets.token_urlsafe(16)
    server.add_user(username, password)
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {server.jwt(username, password)}"
        key = check(session.post(server.api + "api_key/", json={"name": "bench"}, timeout=30))["token"]
    client = Client(server, key)
    with client.session() as session:

        def create(path: str, body: dict) -> str:
            return check(session.post(server.api + path, json=body, timeout=30))["api_id"]

        workspace = create("workspace/", {"name": "Bench", "organization": None})
        analysis = create("analysis/", {"name": "Bench", "description": "", "workspace": workspace})
        figures = {
            name: create("figure/", {"name": name, "analysis": analysis})
            for name in ("warmup", "single", "concurrent", "listing")
        }
        prefix = session.post(server.api + "short_id_prefix/reserve/", json={}, timeout=30)
    return client, figures, prefix.json().get("prefix") if prefix.status_code == 201 else None


# -- report --------------------------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def report(header: list[str], results: dict[str, Result], problems: list[str]) -> None:
    single, concurrent, listing, fill = (results[k] for k in ("single", "concurrent", "listing", "fill"))
    width = 118
    lines = [
        "",
        "figtrail publish benchmark (loopback HTTP, fresh server)",
        *header,
        "",
        f"{'measurement':<44} {'n':>5} {'err':>4} {'rate/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'srv CPU ms/req':>14}  target",
        "-" * width,
    ]

    def row(label: str, result: Result, target: str) -> str:
        early = " (time limit hit)" if result.stopped_early else ""
        return (
            f"{label:<44} {result.ok:>5} {len(result.errors):>4} {result.rate:>7.1f} "
            f"{result.ms(0.50):>7.1f} {result.ms(0.95):>7.1f} {result.cpu_ms:>14.1f}  {target}{early}"
        )

    concurrent_ok = concurrent.rate >= TARGET_PUBLISH_RATE and not concurrent.errors and not problems
    listing_ok = listing.ok > 0 and listing.ms(0.95) < TARGET_LISTING_P95_MS and not listing.errors
    lines += [
        row("publish 200 KB PNG, 1 publisher", single, "-"),
        row(
            f"publish 200 KB PNG, {CONCURRENT_PUBLISHERS} publishers",
            concurrent,
            f">= {TARGET_PUBLISH_RATE:.0f} rev/s: {verdict(concurrent_ok)}",
        ),
        row(
            f"GET figure/<id>/ with {fill.ok} revisions",
            listing,
            f"p95 < {TARGET_LISTING_P95_MS:.0f} ms: {verdict(listing_ok)}",
        ),
        row(f"(setup) small revisions, {CONCURRENT_PUBLISHERS} publishers", fill, "-"),
        "-" * width,
    ]
    cpus = os.cpu_count() or 1
    if concurrent.cpu_ms == concurrent.cpu_ms:  # not NaN
        lines.append(
            f"CPU-bound ceiling for publishing on this machine: ~{cpus * 1000 / concurrent.cpu_ms:.0f} rev/s "
            f"({cpus} CPUs / {concurrent.cpu_ms:.1f} ms of server CPU a revision, not counting other load)"
        )
    lines.append(
        "integrity: " + ("; ".join(problems) if problems else "every published revision listed, indexes 1..n")
    )
    for result in results.values():
        for error in result.errors[:3]:
            lines.append(f"error in {result.name}: {error}")
    print("\n".join(lines), flush=True)


def main() -> int:
    workers, threads = os.environ.get("BENCH_WORKERS"), os.environ.get("BENCH_THREADS")
    serve_args = [*(["--workers", workers] if workers else []), *(["--threads", threads] if threads else [])]
    load_before = load_average()
    print("generating payloads ...", flush=True)
    png = noise_png(PNG_TARGET_BYTES)
    print(f"starting a fresh server ({len(png) / 1024:.0f} KB PNG payload) ...", flush=True)
    results: dict[str, Result] = {}
    problems: list[str] = []
    with BenchServer(serve_args=serve_args) as server:
        client, figures, prefix = setup(server)
        big = Bodies(figures["warmup"], prefix, png)
        print("warming up ...", flush=True)
        client.run(
            "warmup", client.publish, [big.make() for _ in range(WARMUP_REQUESTS)], CONCURRENT_PUBLISHERS
        )

        for name, count, publishers in (
            ("single", SINGLE_PUBLISHER_REVISIONS, 1),
            ("concurrent", CONCURRENT_REVISIONS, CONCURRENT_PUBLISHERS),
        ):
            big.figure_id = figures[name]
            bodies = [big.make() for _ in range(count)]
            print(f"publishing {count} revisions with {publishers} publisher(s) ...", flush=True)
            results[name] = client.run(name, client.publish, bodies, publishers)
            del bodies
            if problem := integrity(client, figures[name], results[name].ok):
                problems.append(f"{name}: {problem}")

        small = Bodies(figures["listing"], None, None)
        print(f"filling a figure with {LISTING_REVISIONS} small revisions ...", flush=True)
        fill_bodies = [small.make() for _ in range(LISTING_REVISIONS)]
        results["fill"] = client.run("fill", client.publish, fill_bodies, CONCURRENT_PUBLISHERS)
        if problem := integrity(client, figures["listing"], results["fill"].ok):
            problems.append(f"fill: {problem}")

        figure_url = client.api + f"figure/{figures['listing']}/"
        print(
            f"timing {LISTING_REQUESTS} x GET figure/<id>/ ({results['fill'].ok} revisions) ...", flush=True
        )
        results["listing"] = client.run(
            "listing",
            lambda session, _body: session.get(figure_url, timeout=REQUEST_TIMEOUT),
            [None] * LISTING_REQUESTS,
            1,
        )
        settings = server.settings()
    header = [
        f"machine: {machine_line(sqlite_description())}",
        f"load:    1/5/15-min load average {load_before} before, {load_average()} after (2 CPUs = 2.0 busy)",
        f"server:  figtrail serve, gunicorn gthread, {settings['workers']} workers x {settings['threads']} "
        f"threads, API-key auth, database and blobs under {tempfile.gettempdir()}",
        f"payload: {len(png) / 1024:.0f} KB noise PNG (unique per revision) + ~{len(CODE) + 16} B code, "
        "base64 in JSON",
    ]
    report(header, results, problems)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so the server is stopped too
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
