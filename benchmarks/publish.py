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
    stopped_early: bool = False

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall > 0 else 0.0

    def ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000


def session_for(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    session.headers["Content-Type"] = "application/json"
    return session


def run_requests(
    name: str, make_call, bodies: list[bytes] | int, workers: int, time_limit: float = PHASE_TIME_LIMIT
) -> Result:
    """Send each body (or ``bodies`` bodiless calls) from ``workers`` threads; time each call.

    ``make_call(session, body)`` performs one request and returns the response.
    """
    result = Result(name)
    items = list(bodies) if not isinstance(bodies, int) else [None] * bodies
    lock = threading.Lock()
    position = 0
    deadline = time.monotonic() + time_limit

    def worker(session: requests.Session) -> None:
        nonlocal position
        while True:
            with lock:
                if position >= len(items) or time.monotonic() > deadline:
                    if position < len(items):
                        result.stopped_early = True
                    return
                body = items[position]
                items[position] = None  # let large bodies go as soon as they are sent
                position += 1
            started = time.perf_counter()
            try:
                response = make_call(session, body)
                elapsed = time.perf_counter() - started
                if response.status_code in (200, 201):
                    with lock:
                        result.latencies.append(elapsed)
                else:
                    with lock:
                        result.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
            except requests.RequestException as exc:
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}"[:200])

    sessions = [SESSION_FACTORY() for _ in range(workers)]
    threads = [threading.Thread(target=worker, args=(session,), daemon=True) for session in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_limit + REQUEST_TIMEOUT + 10)
    result.wall = time.perf_counter() - started
    for session in sessions:
        session.close()
    return result


SESSION_FACTORY = requests.Session  # replaced in main() once the API key exists


def post_revision(api: str):
    url = api + "revision/"
    return lambda session, body: session.post(url, data=body, timeout=REQUEST_TIMEOUT)


# -- setup ---------------------------------------------------------------------------------------------


def check(response: requests.Response, expected: int = 201) -> dict:
    if response.status_code != expected:
        raise RuntimeError(
            f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:500]}"
        )
    return response.json()


def setup(server: BenchServer) -> dict:
    username, password = "bench", "pw-" + secrets.token_urlsafe(16)
    server.add_user(username, password)
    jwt = server.jwt(username, password)
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {jwt}"
        key = check(session.post(server.api + "api_key/", json={"name": "bench"}, timeout=30))["token"]
    session = session_for(key)
    workspace = check(session.post(server.api + "workspace/", json={"name": "Bench", "organization": None}))
    analysis = check(
        session.post(
            server.api + "analysis/",
            json={"name": "Bench", "description": "", "workspace": workspace["api_id"]},
        )
    )
    figures = {}
    for name in ("warmup", "single", "concurrent", "listing"):
        figures[name] = check(
            session.post(server.api + "figure/", json={"name": name, "analysis": analysis["api_id"]})
        )["api_id"]
    prefix = session.post(server.api + "short_id_prefix/reserve/", json={}, timeout=30)
    short_prefix = prefix.json().get("prefix") if prefix.status_code == 201 else None
    session.close()
    return {"key": key, "figures": figures, "short_prefix": short_prefix}


# -- report --------------------------------------------------------------------------------------------


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def report(machine: str, config: str, results: dict[str, Result], png_size: int) -> None:
    single, concurrent, listing = results["single"], results["concurrent"], results["listing"]
    lines = [
        "",
        "figtrail publish benchmark (loopback HTTP, fresh server)",
        f"machine: {machine}",
        f"server:  {config}",
        f"payload: {png_size / 1024:.0f} KB PNG + ~{len(CODE) + 16} B code object a revision, base64 in JSON",
        "",
        f"{'measurement':<44} {'n':>5} {'err':>4} {'rate/s':>8} {'p50 ms':>8} {'p95 ms':>8}  target",
        "-" * 100,
    ]

    def row(label: str, result: Result, target: str) -> str:
        early = " (time limit hit)" if result.stopped_early else ""
        return (
            f"{label:<44} {result.ok:>5} {len(result.errors):>4} {result.rate:>8.1f} "
            f"{result.ms(0.50):>8.1f} {result.ms(0.95):>8.1f}  {target}{early}"
        )

    concurrent_ok = concurrent.rate >= TARGET_PUBLISH_RATE and not concurrent.errors
    listing_ok = listing.ok > 0 and listing.ms(0.95) < TARGET_LISTING_P95_MS and not listing.errors
    lines.append(row("publish 200 KB PNG, 1 publisher", single, "-"))
    lines.append(
        row(
            f"publish 200 KB PNG, {CONCURRENT_PUBLISHERS} publishers",
            concurrent,
            f">= {TARGET_PUBLISH_RATE:.0f} rev/s: {verdict(concurrent_ok)}",
        )
    )
    lines.append(
        row(
            f"GET figure/<id>/ with {results['fill'].ok} revisions",
            listing,
            f"p95 < {TARGET_LISTING_P95_MS:.0f} ms: {verdict(listing_ok)}",
        )
    )
    fill = results["fill"]
    lines.append(row(f"(setup) fill: small revisions, {CONCURRENT_PUBLISHERS} publishers", fill, "-"))
    lines.append("-" * 100)
    for result in results.values():
        for error in result.errors[:3]:
            lines.append(f"error in {result.name}: {error}")
    print("\n".join(lines), flush=True)


def main() -> int:
    global SESSION_FACTORY
    workers, threads = os.environ.get("BENCH_WORKERS"), os.environ.get("BENCH_THREADS")
    serve_args = [*(["--workers", workers] if workers else []), *(["--threads", threads] if threads else [])]
    load_before = load_average()
    print("generating payloads ...", flush=True)
    png = noise_png(PNG_TARGET_BYTES)
    print(f"starting a fresh server ({len(png) / 1024:.0f} KB PNG payload) ...", flush=True)
    results: dict[str, Result] = {}
    with BenchServer(serve_args=serve_args) as server:
        ids = setup(server)
        SESSION_FACTORY = lambda: session_for(ids["key"])  # noqa: E731
        post = post_revision(server.api)
        figures = ids["figures"]
        prefix = ids["short_prefix"]
        # Distinct short-id prefixes per figure would be more realistic, but one counter works as well.
        short = Bodies(figures["warmup"], prefix, png)

        print("warming up ...", flush=True)
        run_requests("warmup", post, [short.make() for _ in range(WARMUP_REQUESTS)], CONCURRENT_PUBLISHERS)

        short.figure_id = figures["single"]
        bodies = [short.make() for _ in range(SINGLE_PUBLISHER_REVISIONS)]
        print(f"publishing {len(bodies)} revisions with 1 publisher ...", flush=True)
        results["single"] = run_requests("single", post, bodies, 1)

        short.figure_id = figures["concurrent"]
        bodies = [short.make() for _ in range(CONCURRENT_REVISIONS)]
        print(f"publishing {len(bodies)} revisions with {CONCURRENT_PUBLISHERS} publishers ...", flush=True)
        results["concurrent"] = run_requests("concurrent", post, bodies, CONCURRENT_PUBLISHERS)
        del bodies

        small = Bodies(figures["listing"], None, None)
        print(f"filling a figure with {LISTING_REVISIONS} small revisions ...", flush=True)
        results["fill"] = run_requests(
            "fill", post, [small.make() for _ in range(LISTING_REVISIONS)], CONCURRENT_PUBLISHERS
        )

        figure_url = server.api + f"figure/{figures['listing']}/"
        listed = requests.get(
            figure_url, headers={"Authorization": f"Token {ids['key']}"}, timeout=REQUEST_TIMEOUT
        )
        count = len(listed.json().get("revisions") or []) if listed.ok else 0
        if count != results["fill"].ok:
            print(
                f"note: the figure lists {count} revisions, {results['fill'].ok} were published", flush=True
            )
        print(f"timing {LISTING_REQUESTS} x GET figure/<id>/ ({count} revisions) ...", flush=True)
        results["listing"] = run_requests(
            "listing",
            lambda session, _body: session.get(figure_url, timeout=REQUEST_TIMEOUT),
            LISTING_REQUESTS,
            1,
        )
        workers_n, threads_n = server.settings()["workers"], server.settings()["threads"]
        config = (
            f"figtrail serve, gunicorn gthread, {workers_n} workers x {threads_n} threads, "
            f"API-key auth, blobs and database under {Path(tempfile.gettempdir())}"
        )
    load = f"load average {load_before} before, {load_average()} after (1/5/15 min)"
    report(machine_line(sqlite_description()) + "; " + load, config, results, len(png))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
