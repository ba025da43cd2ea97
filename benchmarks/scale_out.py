"""Scale-out: load.py's publishers through a reverse proxy onto two app servers sharing PostgreSQL and S3.

Run with no arguments (``make bench``). It starts, all on loopback and all stopped at the end:
- one PostgreSQL database: FIGTRAIL_DATABASE_URL or FIGTRAIL_TEST_DATABASE_URL as load.py reads them,
  else a throw-away cluster from scripts/postgres.sh (as ``make test-postgres``) when PostgreSQL is
  installed; with none of these it prints a note and measures nothing;
- one S3-compatible store: moto's standalone server with one new bucket (tests/server/s3.py, as the
  S3 tests use);
- two ``figtrail serve`` (benchmarks/_server.py, each on a random port, the default workers and
  threads) with the same database, bucket and FIGTRAIL_SECRET_KEY, started one after the other (the
  first migrates);
- the round-robin reverse proxy of the tests (tests/server/proxy.py), in this process.

Then load.py's run, every request through the proxy: 8 publishers x 200 revisions (``--publishers``,
``--revisions``, or BENCH_LOAD_REVISIONS), retried with the same ``client_id`` on a 5xx or a
connection error. Afterwards it checks over the API, through the proxy, that every revision is stored
exactly once (as load.py), that each one's payload reads back as sent (``GET data/<id>/``), and that
its blob is in the bucket under its blake3 name with its size; and prints the rate, the requests and
5xx each app server answered, the CPU each process used, and the machine. It asserts nothing and
exits 0 when it could measure.
"""

from __future__ import annotations

import argparse
import base64
import glob
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import blake3
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))
from _server import BenchServer, load_average, machine_line, tree_cpu_seconds  # noqa: E402
from load import (  # noqa: E402
    PAYLOAD_BYTES,
    PUBLISHERS,
    REVISIONS_EACH,
    TIME_LIMIT,
    LoadRun,
    make_figures,
    new_database,
    postgres_url,
    print_rates,
    publish_concurrently,
    read_back,
    signed_in,
)
from tests.server.proxy import RoundRobinProxy  # noqa: E402
from tests.server.s3 import S3Server, start_s3, stop_s3  # noqa: E402

APP_SERVERS = 2
READERS = 8  # threads reading the payloads back


@contextmanager
def postgres() -> Iterator[tuple[str, str, int | None] | None]:
    """(database URL, description, the cluster's postmaster pid if started here), or None."""
    given = postgres_url()
    if given:
        yield given[0], given[1], None
        return
    if not glob.glob("/usr/lib/postgresql/*/bin"):
        yield None
        return
    directory = tempfile.mkdtemp(prefix="figtrail-pg-")
    script = str(ROOT / "scripts" / "postgres.sh")
    try:
        started = subprocess.run(
            ["bash", script, "start", directory], capture_output=True, text=True, timeout=120
        )
        if started.returncode != 0:
            print(f"(scripts/postgres.sh could not start a cluster: {started.stderr.strip()[-500:]})")
            yield None
            return
        url, description = new_database(started.stdout.strip())
        try:
            pid = int((Path(directory) / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = None
        yield url, description.replace("(a new database)", "(a throw-away cluster)"), pid
    finally:
        subprocess.run(["bash", script, "stop", directory], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


def moto_version() -> str:
    try:
        from importlib.metadata import version

        return version("moto")
    except Exception:  # noqa: BLE001 - only a description
        return "?"


def check_payloads(
    api: str, token: str, revision_ids: set[str], run: LoadRun, s3: S3Server, bucket: str
) -> tuple[int, int]:
    """How many of the revisions read back their payload as sent (through the proxy), and how many
    have that payload's blob in the bucket (by its blake3 name, and its size)."""
    digests = run.digests
    sizes = {key.rsplit("/", 1)[-1]: size for key, size in s3.objects(bucket).items()}
    in_bucket = sum(1 for rid in revision_ids if sizes.get(digests.get(rid, "")) == PAYLOAD_BYTES)
    local = threading.local()

    def readable(revision_id: str) -> bool:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["Authorization"] = f"Bearer {token}"
        try:
            revision = local.session.get(api + f"revision/{revision_id}/", timeout=60).json()
            item = next(d for d in revision["data"] if d["name"] == "payload.bin")
            data = local.session.get(api + f"data/{item['api_id']}/", timeout=60).json()
            return blake3.blake3(base64.b64decode(data["data"])).hexdigest() == digests.get(revision_id)
        except (requests.RequestException, ValueError, KeyError, StopIteration):
            return False

    with ThreadPoolExecutor(READERS) as pool:
        read_ok = sum(pool.map(readable, sorted(revision_ids)))
    return read_ok, in_bucket


def run_scale_out(
    database_url: str, database: str, postgres_pid: int | None, publishers: int, revisions: int
) -> None:
    print(
        f"\n== {publishers} publishers x {revisions} revisions through a round-robin proxy onto "
        f"{APP_SERVERS} app servers; {database}; S3 on moto_server"
    )
    scratch = Path(tempfile.mkdtemp(prefix="figtrail-scale-out-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, scratch, True)
        s3 = start_s3(scratch)
        stack.callback(stop_s3, s3)
        bucket = s3.new_bucket()
        shared = {
            "FIGTRAIL_DATABASE_URL": database_url,
            "FIGTRAIL_SECRET_KEY": secrets.token_urlsafe(40),
            **s3.env(bucket),
        }
        servers = [stack.enter_context(BenchServer(shared)) for _ in range(APP_SERVERS)]  # in turn
        proxy = stack.enter_context(RoundRobinProxy([server.url for server in servers]))

        password = "load-" + secrets.token_urlsafe(12)
        servers[0].add_user("loader", password)
        token, session = signed_in(proxy.url, "loader", password)
        figures = make_figures(session, proxy.api)

        processes = {f"app server {i + 1}": s.process.pid for i, s in enumerate(servers) if s.process}
        processes["moto_server"] = s3.process.pid
        if postgres_pid:
            processes["PostgreSQL"] = postgres_pid
        cpu_before = {name: tree_cpu_seconds(pid) for name, pid in processes.items()}
        own_before = time.process_time()
        answered_before, errors_before = list(proxy.answered), list(proxy.server_errors)
        bad_gateway_before = proxy.bad_gateway
        run = publish_concurrently(proxy.api, token, figures, publishers, revisions)
        own_cpu = time.process_time() - own_before
        cpu_after = {name: tree_cpu_seconds(pid) for name, pid in processes.items()}
        answered = [after - before for after, before in zip(proxy.answered, answered_before, strict=True)]
        errors = [after - before for after, before in zip(proxy.server_errors, errors_before, strict=True)]
        bad_gateway = proxy.bad_gateway - bad_gateway_before

        stored = read_back(session, proxy.api, figures, run)
        read_ok, in_bucket = check_payloads(proxy.api, token, set(stored.stored), run, s3, bucket)

        print(
            f"machine: {machine_line(database)}; S3 moto_server {moto_version()}; "
            f"load average {load_average()}"
        )
        settings = servers[0].settings()
        print(
            f"servers: {APP_SERVERS} x figtrail serve, {settings['workers']} workers x "
            f"{settings['threads']} threads each, behind tests/server/proxy.py (round-robin per request)"
        )
        print(stored.line())
        distinct = len(set(stored.stored))
        print(
            f"payloads: {read_ok} of {distinct} read back as sent through the proxy; "
            f"{in_bucket} of {distinct} blobs in the bucket with their size"
        )
        print_rates(run)
        print(
            "requests answered while publishing: "
            + ", ".join(
                f"app server {i + 1}: {n} ({e} 5xx)"
                for i, (n, e) in enumerate(zip(answered, errors, strict=True))
            )
            + f"; proxy 502 (no app server answered): {bad_gateway}"
        )
        acknowledged = len(run.acknowledged)
        if acknowledged:
            used = {
                name: (cpu_after[name] - cpu_before[name]) * 1000 / acknowledged
                for name in processes
                if cpu_before[name] is not None and cpu_after[name] is not None
            }
            servers_ms = [ms for name, ms in used.items() if name.startswith("app server")]
            others = [f"{name} {ms:.1f}" for name, ms in used.items() if not name.startswith("app server")]
            print(
                f"CPU ms per revision (each process over all revisions): app servers {sum(servers_ms):.1f} "
                f"({' + '.join(f'{ms:.1f}' for ms in servers_ms)}), "
                + ", ".join(others)
                + f", publishers + proxy (this process) {own_cpu * 1000 / acknowledged:.1f}"
            )
        if time.monotonic() > run.deadline:
            print(f"(stopped early: the {TIME_LIMIT:.0f} s limit was reached)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--publishers", type=int, default=PUBLISHERS)
    parser.add_argument("--revisions", type=int, default=REVISIONS_EACH, help="per publisher")
    args = parser.parse_args()
    with postgres() as database:
        if database is None:
            print(
                "\n(no scale-out run: it needs PostgreSQL. Set FIGTRAIL_DATABASE_URL or "
                "FIGTRAIL_TEST_DATABASE_URL, or install PostgreSQL for scripts/postgres.sh)"
            )
            return 0
        run_scale_out(*database, args.publishers, args.revisions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
