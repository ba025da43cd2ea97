"""A figure with a long history, in the web UI: the figure page and the parameter table at 1,000 revisions.

Run with no arguments (``make bench``), or ``.venv/bin/python benchmarks/figure_pages.py --revisions 1000``.
It starts its own ``figtrail serve`` (temporary FIGTRAIL_HOME, random port), publishes ``--revisions``
revisions of one figure over the API as a sweep would (a small PNG, its code, and metadata
``{lr, epochs, seed}`` that varies), signs in through the web form, then times ``--requests`` GETs of
each page over real HTTP (loopback: the time is the server's): the figure page (its timeline page,
what changed, the strip of every revision), the parameter table (as is, sorted by a number, filtered)
and, beside them, the API's ``figure/<id>/``. It prints p50/p95 and the target (150 ms) marked PASS
or MISS, and always exits 0: it measures, it does not judge.
"""

from __future__ import annotations

import argparse
import base64
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import BenchServer, machine_line, percentile, sqlite_description  # noqa: E402

TARGET_MS = 150
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f00f0005fe02fea7d6a8ab0000000049454e44ae426082"
    )
).decode()


def publish(api: str, session: requests.Session, figure: str, count: int) -> None:
    for number in range(count):
        code = f"fit(lr={10 ** -(number % 5)}, epochs={number % 7})\n# run {number}\n".encode()
        body = {
            "figure": figure,
            "client_id": str(uuid.uuid4()),
            "metadata": {"lr": 10 ** -(number % 5), "epochs": number % 7, "seed": number},
            "data": [
                {"name": "figure", "type": "image", "metadata": {"format": "png"}, "data": PNG},
                {
                    "name": "sweep.py",
                    "type": "code",
                    "metadata": {"format": "text"},
                    "data": base64.b64encode(code).decode(),
                },
            ],
        }
        session.post(api + "revision/", json=body, timeout=60).raise_for_status()


def signed_in(server: BenchServer, username: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(server.url + "/signin", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    done = session.post(
        server.url + "/signin",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": server.url + "/signin"},
        allow_redirects=False,
        timeout=30,
    )
    if done.status_code != 302:
        raise RuntimeError(f"web sign-in failed: {done.status_code}")
    return session


def timed(session: requests.Session, url: str, count: int) -> list[float]:
    session.get(url, timeout=60).raise_for_status()  # warm
    times = []
    for _ in range(count):
        start = time.perf_counter()
        session.get(url, timeout=60).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with BenchServer() as server:
        username, password = "bench", "pw-figure-pages-0123"
        server.add_user(username, password)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {server.jwt(username, password)}"
        workspace = api.post(server.api + "workspace/", json={"name": "Bench"}, timeout=30).json()["api_id"]
        analysis = api.post(
            server.api + "analysis/", json={"name": "Sweep", "workspace": workspace}, timeout=30
        ).json()["api_id"]
        figure = api.post(
            server.api + "figure/", json={"name": "Loss", "analysis": analysis}, timeout=30
        ).json()
        started = time.perf_counter()
        publish(server.api, api, figure["api_id"], args.revisions)
        seeded = time.perf_counter() - started
        web = signed_in(server, username, password)
        base = f"{server.url}/figure/{figure['api_id']}"
        pages = {
            "figure page": base,
            "parameter table": base + "/table",
            "parameter table, sorted by lr": base + "/table?sort=lr&order=desc",
            "parameter table, filtered": base + "/table?where=epochs=3",
            "API figure/<id>/": None,
        }
        print(f"figure_pages: one figure with {args.revisions} revisions (published in {seeded:.1f} s)")
        print(f"  machine: {machine_line(sqlite_description())}")
        print(f"  {'ms':34s} {'p50':>8s} {'p95':>8s}  target")
        for name, url in pages.items():
            session = web if url else api
            times = timed(session, url or f"{server.api}figure/{figure['api_id']}/", args.requests)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            verdict = ("PASS" if p95 < TARGET_MS else "MISS") if url else "-"
            print(
                f"  {name:34s} {p50:8.1f} {p95:8.1f}  {verdict} (p95 < {TARGET_MS} ms)"
                if url
                else f"  {name:34s} {p50:8.1f} {p95:8.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
