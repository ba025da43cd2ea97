"""figtrail at scale: read times in a large workspace, and the publish rate there against an empty server.

Run with no arguments (``make bench``: 10,000 revisions), or ``.venv/bin/python benchmarks/scale.py
--revisions 100000``; ``--database-url postgresql://...`` runs it on PostgreSQL (a database the script may
fill; it should be empty), else on SQLite. It starts its own ``figtrail serve`` (temporary
FIGTRAIL_HOME, random port), makes a user, an API key and a workspace over the API, then builds the
large workspace quickly through the ORM in bulk, as publishing would have left it:

* analyses of 50 figures each (one analysis of 1,000 figures, to list), figures of 10 revisions each
  (one figure of 1,000 revisions, to page through), every revision with metadata that varies (``lr``,
  ``epochs``, ``seed``, a git commit), a PNG and its code as data objects (the bytes stored once each);
* data files: 1 asset per 100 figures, 3 revisions each, the figures' revisions linked to them;
* a comment per 20 revisions and an activity entry per revision.

Then it times, over real HTTP on loopback (so the time is the server's), p50 and p95 of ``--requests``
GETs each: the figure of 1,000 revisions (``figure/<id>/`` and its web page), its parameter table, an
analysis of 1,000 figures (``figure/?analysis=`` and the web grid), workspace bootstrap and dashboard,
activity, a revision's detail, the web search by a figure-name word and by a metadata value; and the
publish rate of 8 publishers of small revisions for ``--publish-seconds`` in this workspace, beside the
same on a fresh, empty server on the same kind of database (on PostgreSQL a ``<name>_empty`` database
beside the given one, dropped afterwards). It prints the targets (listing and detail p95 < 50 ms, search
p95 < 200 ms, publish rate within 20% of the empty one) marked PASS or MISS and always exits 0.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import random
import re
import statistics
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import BenchServer, machine_line, percentile, sqlite_description  # noqa: E402

FIGURES_PER_ANALYSIS = 50
REVISIONS_PER_FIGURE = 10
BIG = 1000  # the figure with this many revisions, the analysis with this many figures
BATCH = 5000
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f00f0005fe02fea7d6a8ab0000000049454e44ae426082"
)
CODE = b"import matplotlib.pyplot as plt\nplt.plot(losses)\nplt.title('Loss')\n"
TARGETS = {"listing": 50.0, "detail": 50.0, "search": 200.0}


def setup(server: BenchServer) -> tuple[requests.Session, str, str, str]:
    username, password = "scale", "pw-scale-benchmark-0123"
    server.add_user(username, password)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {server.jwt(username, password)}"
    key = api.post(server.api + "api_key/", json={"name": "scale"}, timeout=30).json()["token"]
    workspace = api.post(server.api + "workspace/", json={"name": "Lab"}, timeout=30).json()["api_id"]
    return api, key, workspace, username


def seed(home: Path, database_url: str | None, workspace_id: str, username: str, revisions: int) -> dict:
    """Fill the workspace through the ORM, in bulk; returns the ids the timings need."""
    os.environ["FIGTRAIL_HOME"] = str(home)
    if database_url:
        os.environ["FIGTRAIL_DATABASE_URL"] = database_url
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from figtrail.server import blobs
    from figtrail.server.activity.models import LogEntry
    from figtrail.server.catalog.models import (
        Analysis,
        Asset,
        AssetLink,
        AssetRevision,
        CodeText,
        Data,
        Figure,
        Revision,
    )
    from figtrail.server.social.models import Comment

    user = get_user_model().objects.get(username=username)
    png_hash, code_hash = blobs.put(PNG), blobs.put(CODE)
    CodeText.objects.get_or_create(hash=code_hash, defaults={"text": CODE.decode()})  # as publishing does
    csv_hashes = [blobs.put(f"day,volume\n1,{n}\n".encode()) for n in range(3)]
    rng = random.Random(7)
    figures_wanted = max(BIG + 1, revisions // REVISIONS_PER_FIGURE)
    now = timezone.now()
    with transaction.atomic():
        analyses = [
            Analysis(workspace_id=workspace_id, name=f"Study {n}", created_by=user)
            for n in range(max(2, figures_wanted // FIGURES_PER_ANALYSIS))
        ]
        Analysis.objects.bulk_create(analyses, batch_size=BATCH)
        big_analysis, rest = analyses[0], analyses[1:]
        figures = [
            Figure(analysis=big_analysis, name=f"panel {n} of the big analysis", created_by=user)
            for n in range(BIG)
        ]
        figures += [
            Figure(
                analysis=rest[n % len(rest)],
                name=f"{rng.choice(['loss', 'accuracy', 'survival', 'growth'])} curve {n}",
                created_by=user,
            )
            for n in range(figures_wanted - BIG)
        ]
        Figure.objects.bulk_create(figures, batch_size=BATCH)
        assets = [
            Asset(workspace_id=workspace_id, name=f"data-{n}.csv", created_by=user)
            for n in range(max(1, len(figures) // 100))
        ]
        Asset.objects.bulk_create(assets, batch_size=BATCH)
        versions = [
            AssetRevision(asset=a, revision_index=i + 1, created_by=user, size_bytes=20)
            for a in assets
            for i in range(3)
        ]
        AssetRevision.objects.bulk_create(versions, batch_size=BATCH)
        Data.objects.bulk_create(
            [
                Data(
                    asset_revision=v,
                    position=0,
                    name=v.asset.name,
                    type="file",
                    hash=csv_hashes[v.revision_index - 1],
                    size_bytes=20,
                    metadata={"path": v.asset.name},
                )
                for v in versions
            ],
            batch_size=BATCH,
        )
        # the last figure gets BIG revisions, the others share the rest
        counts: dict = {figures[-1].pk: BIG}
        left = max(0, revisions - BIG)
        for n in range(left):
            figure = figures[n % (len(figures) - 1)]
            counts[figure.pk] = counts.get(figure.pk, 0) + 1
        by_pk = {f.pk: f for f in figures}
        made = 0
        rows, data, links, comments, entries = [], [], [], [], []

        def flush() -> None:
            Revision.objects.bulk_create(rows, batch_size=BATCH)
            Data.objects.bulk_create(data, batch_size=BATCH)
            AssetLink.objects.bulk_create(links, batch_size=BATCH)
            Comment.objects.bulk_create(comments, batch_size=BATCH)
            LogEntry.objects.bulk_create(entries, batch_size=BATCH)
            for bucket in (rows, data, links, comments, entries):
                bucket.clear()

        for figure_pk, count in counts.items():
            figure = by_pk[figure_pk]
            for index in range(1, count + 1):
                made += 1
                when = now - timedelta(seconds=revisions - made)
                metadata = {
                    "lr": 10 ** -(made % 5),
                    "epochs": made % 7,
                    "seed": made,
                    "git": {"hash": uuid.uuid4().hex + "0" * 8, "branch": "main", "dirty": made % 3 == 0},
                    "python_version": "3.11.7",
                }
                rev = Revision(
                    figure=figure,
                    revision_index=index,
                    metadata=metadata,
                    created_by=user,
                    created_on=when,
                    size_bytes=len(PNG) + len(CODE),
                )
                rows.append(rev)
                data.append(
                    Data(
                        revision=rev,
                        position=0,
                        name="figure",
                        type="image",
                        hash=png_hash,
                        size_bytes=len(PNG),
                        metadata={"format": "png"},
                    )
                )
                data.append(
                    Data(
                        revision=rev,
                        position=1,
                        name="train.py",
                        type="code",
                        hash=code_hash,
                        size_bytes=len(CODE),
                        metadata={"format": "text", "language": "Python"},
                    )
                )
                links.append(
                    AssetLink(
                        figure_revision=rev,
                        asset_revision=versions[(made // 7) % len(versions)],
                        use_type="indirect",
                    )
                )
                if made % 20 == 0:
                    comments.append(
                        Comment(
                            target_type="figure_revision",
                            revision=rev,
                            author=user,
                            content=f"Note {made}: the loss plateaus after epoch {made % 7}",
                        )
                    )
                entries.append(
                    LogEntry(
                        timestamp=when,
                        user=user,
                        action="create",
                        target_type="revision",
                        target_id=rev.pk,
                        target_name=f"{figure.name} #{index}",
                        workspace_id=workspace_id,
                        analysis_id=figure.analysis_id,
                        analysis_name="",
                    )
                )
                if len(rows) >= BATCH:
                    flush()
        flush()
    from django.db import connection

    with connection.cursor() as cursor:  # the statistics a database that grew this way has by now
        cursor.execute("ANALYZE")
    return {
        "big_figure": str(figures[-1].pk),
        "big_analysis": str(big_analysis.pk),
        "revision": str(
            Revision.objects.filter(figure=figures[-1])
            .order_by("-revision_index")
            .values_list("pk", flat=True)
            .first()
        ),
        "revisions": Revision.objects.filter(figure__analysis__workspace_id=workspace_id).count(),
        "figures": len(figures),
    }


def web_session(server: BenchServer, username: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(server.url + "/signin", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    session.post(
        server.url + "/signin",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": server.url + "/signin"},
        timeout=30,
    )
    return session


def timed(session: requests.Session, url: str, count: int) -> tuple[float, float]:
    session.get(url, timeout=120).raise_for_status()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        session.get(url, timeout=120).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.95)


def publish_rate(server: BenchServer, key: str, figure: str, seconds: float, publishers: int = 8) -> float:
    done, stop = [0], time.monotonic() + seconds
    lock = threading.Lock()

    def work() -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {key}"
            while time.monotonic() < stop:
                body = {
                    "figure": figure,
                    "client_id": str(uuid.uuid4()),
                    "metadata": {"seed": random.random()},
                    "data": [
                        {
                            "name": "figure",
                            "type": "image",
                            "metadata": {"format": "png"},
                            "data": base64.b64encode(PNG + uuid.uuid4().bytes).decode(),
                        }
                    ],
                }
                if session.post(server.api + "revision/", json=body, timeout=60).status_code == 201:
                    with lock:
                        done[0] += 1

    threads = [threading.Thread(target=work) for _ in range(publishers)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - start)


def new_figure(api: requests.Session, server: BenchServer, workspace: str) -> str:
    analysis = api.post(
        server.api + "analysis/", json={"name": "publish", "workspace": workspace}, timeout=30
    ).json()["api_id"]
    return api.post(
        server.api + "figure/", json={"name": "publish", "analysis": analysis}, timeout=30
    ).json()["api_id"]


@contextlib.contextmanager
def empty_database(database_url: str | None):
    """A new, empty database beside ``database_url``'s (``<name>_empty``, dropped afterwards), for the
    publish rate of an empty server on PostgreSQL; None (SQLite) without a URL."""
    if not database_url:
        yield None
        return
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_empty"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--revisions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--publish-seconds", type=float, default=5.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    extra = {"FIGTRAIL_DATABASE_URL": args.database_url} if args.database_url else {}
    with empty_database(args.database_url) as empty_url:  # the empty server on the same kind of database
        with BenchServer(extra_env={"FIGTRAIL_DATABASE_URL": empty_url} if empty_url else {}) as empty:
            e_api, e_key, e_workspace, _ = setup(empty)
            empty_figure = new_figure(e_api, empty, e_workspace)
            empty_rate = publish_rate(empty, e_key, empty_figure, args.publish_seconds)
    with BenchServer(extra_env=extra) as server:
        api, key, workspace, username = setup(server)
        started = time.perf_counter()
        ids = seed(server.home, args.database_url, workspace, username, args.revisions)
        built = time.perf_counter() - started
        web = web_session(server, username, "pw-scale-benchmark-0123")
        a, w = server.api, server.url
        reads = [
            ("listing", "API figure/<id>/ (1,000 revisions)", api, f"{a}figure/{ids['big_figure']}/"),
            ("listing", "web figure page (1,000 revisions)", web, f"{w}/figure/{ids['big_figure']}"),
            ("listing", "web parameter table", web, f"{w}/figure/{ids['big_figure']}/table"),
            (
                "listing",
                "API figure/?analysis= (1,000 figures)",
                api,
                f"{a}figure/?analysis={ids['big_analysis']}",
            ),
            ("listing", "web analysis grid (1,000 figures)", web, f"{w}/analysis/{ids['big_analysis']}"),
            ("listing", "API bootstrap/", api, f"{a}bootstrap/"),
            ("listing", "API workspace dashboard", api, f"{a}workspace/{workspace}/dashboard/"),
            ("listing", "API workspace activity", api, f"{a}workspace/{workspace}/log/"),
            ("detail", "API revision detail", api, f"{a}revision/{ids['revision']}/"),
            ("detail", "web revision page", web, f"{w}/revision/{ids['revision']}"),
            ("search", "web search: a name word", web, f"{w}/workspace/{workspace}/search?q=survival"),
            ("search", "web search: a metadata value", web, f"{w}/workspace/{workspace}/search?q=0.001"),
            ("search", "web search: a comment word", web, f"{w}/workspace/{workspace}/search?q=plateaus"),
        ]
        database = "PostgreSQL" if args.database_url else sqlite_description()
        print(f"scale: {ids['revisions']:,} revisions in {ids['figures']:,} figures (built in {built:.0f} s)")
        print(f"  machine: {machine_line(database)}")
        print(f"  {'ms':44s} {'p50':>8s} {'p95':>8s}  target")
        for kind, label, session, url in reads:
            p50, p95 = timed(session, url, args.requests)
            target = TARGETS[kind]
            verdict = "PASS" if p95 < target else "MISS"
            print(f"  {label:44s} {p50:8.1f} {p95:8.1f}  {verdict} (p95 < {target:.0f})")
        rate = publish_rate(server, key, new_figure(api, server, workspace), args.publish_seconds)
        ratio = rate / empty_rate if empty_rate else 0.0
        verdict = "PASS" if ratio >= 0.8 else "MISS"
        print(f"  publish rate, 8 publishers: {rate:.0f} rev/s here, {empty_rate:.0f} on an empty server")
        print(f"    {ratio:.2f}x: {verdict} (target >= 0.80x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
