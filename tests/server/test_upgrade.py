"""An upgrade from each earlier release (figtrail.server.releases): a database built with that release's
schema and filled the way it stored data is migrated to today's schema by ``figtrail serve``, and every
object reads back over the API, with the fields added since at their defaults.

The old rows are written through the migration state's historical models (the exact tables and columns
of that release), so the test needs no old copy of the code. It runs on SQLite, and on PostgreSQL in the
``make test-postgres`` run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from figtrail.server.releases import RELEASES
from tests.conftest import fresh_database_url, start_server, stop_server
from tests.server.helpers import Api, finished_task, png_bytes
from tests.web.helpers import web_session

DJANGO_ADMIN = str(Path(sys.executable).with_name("django-admin"))

FILL_OLD_DATABASE = textwrap.dedent(
    """
    import json, sys
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from figtrail.server import blobs
    from figtrail.server.releases import RELEASES

    release, password, image_path = sys.argv[1], sys.argv[2], sys.argv[3]
    targets = list(RELEASES[release].items())
    old = MigrationExecutor(connection).loader.project_state(targets).apps

    user = old.get_model("accounts", "User").objects.create(
        username="veteran", email="veteran@example.org", password=make_password(password), is_active=True
    )
    workspace = old.get_model("catalog", "Workspace").objects.create(
        name="Old workspace", workspace_type="primary", created_by=user
    )
    old.get_model("catalog", "WorkspaceMembership").objects.create(
        workspace=workspace, user=user, membership_type="owner"
    )
    analysis = old.get_model("catalog", "Analysis").objects.create(
        name="Old analysis", workspace=workspace, created_by=user
    )
    figure = old.get_model("catalog", "Figure").objects.create(
        name="Old figure", analysis=analysis, created_by=user
    )
    revision = old.get_model("catalog", "Revision").objects.create(
        figure=figure, metadata={"kept": True}, created_by=user, short_id="oldrev1"
    )
    image = open(image_path, "rb").read()
    old.get_model("catalog", "Data").objects.create(
        revision=revision, name="figure", type="image", hash=blobs.put(image), size_bytes=len(image),
        metadata={"format": "png", "is_watermarked": False},
    )
    code = b"frame = old_release_loader('cohort.csv')\\n"
    old.get_model("catalog", "Data").objects.create(
        revision=revision, position=1, name="analysis.py", type="code", hash=blobs.put(code),
        size_bytes=len(code), metadata={"language": "python"},
    )
    comment = old.get_model("social", "Comment").objects.create(
        target_type="figure_revision", revision=revision, author=user, content="Written by 0.1.0"
    )
    task = old.get_model("tasks", "Task").objects.create(
        kind="import.git", created_by=user, status="succeeded", result={"figures": 3}, progress=1.0
    )
    print(json.dumps({"workspace": str(workspace.pk), "figure": str(figure.pk), "revision": str(revision.pk),
                      "comment": str(comment.pk), "task": str(task.pk)}))
    """
)


def admin(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DJANGO_ADMIN, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_a_database_of_an_earlier_release_upgrades_and_reads_back(release, tmp_path):
    env = {
        **os.environ,
        **fresh_database_url(),
        "FIGTRAIL_HOME": str(tmp_path),
        "FIGTRAIL_SECRET_KEY": "upgrade-test",
        "DJANGO_SETTINGS_MODULE": "figtrail.server.settings",
    }
    for app, last in RELEASES[release].items():
        done = admin(env, "migrate", app, last, "--no-input")
        assert done.returncode == 0, done.stdout + done.stderr
    image = png_bytes(90, 60, (10, 120, 200))
    (tmp_path / "image.png").write_bytes(image)
    filled = subprocess.run(
        [
            sys.executable,
            "-c",
            FILL_OLD_DATABASE,
            release,
            "a long old password",
            str(tmp_path / "image.png"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert filled.returncode == 0, filled.stderr
    ids = json.loads(filled.stdout.strip().splitlines()[-1])

    server = start_server(tmp_path, {k: v for k, v in env.items() if k.startswith("FIGTRAIL_")})  # migrates
    try:
        veteran = Api.of(server.sign_in("veteran", "a long old password"))
        revision = veteran.ok(f"revision/{ids['revision']}/")
        assert revision["metadata"] == {"kept": True}
        assert revision["figure"] == ids["figure"]
        [data] = [d for d in revision["data"] if d["type"] == "image"]
        assert veteran.ok(f"data/{data['api_id']}/")["data"] is not None or data["data"] is not None
        figure = veteran.ok(f"figure/{ids['figure']}/")
        assert figure["name"] == "Old figure"
        assert figure.get("ai_title") is None  # a field added after the release, at its default
        comments = veteran.ok(f"comment/?target_type=figure_revision&target_id={ids['revision']}")
        assert [c["content"] for c in comments] == ["Written by 0.1.0"]
        task = veteran.ok(f"task/{ids['task']}/")
        assert (task["kind"], task["status"], task["result"]) == ("import.git", "succeeded", {"figures": 3})
        assert veteran.ok(f"workspace/{ids['workspace']}/")["name"] == "Old workspace"
        # its code, stored before the code search's index, is indexed once a search asks
        session = web_session(server, "veteran", "a long old password")
        search = f"{server.url}/workspace/{ids['workspace']}/search?q=old_release_loader"
        page = session.get(search, timeout=30).text
        assert "The code of 1 revision is still being indexed" in page
        deadline = time.monotonic() + 60
        while 'id="code-indexing"' in page and time.monotonic() < deadline:
            time.sleep(0.3)
            page = session.get(search, timeout=30).text
        assert 'Revisions by code <span class="muted count">(1)' in page
        assert "frame = <mark>old_release_loader</mark>(&#x27;cohort.csv&#x27;)" in page
    finally:
        stop_server(server)


FILL_OLD_QUEUE = textwrap.dedent(
    """
    import json, sys
    from datetime import timedelta
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    old = MigrationExecutor(connection).loader.project_state([("tasks", "0002_queue")]).apps
    user = old.get_model("accounts", "User").objects.create(
        username="queuer", email="queuer@example.org", password=make_password(sys.argv[1]), is_active=True
    )
    Task = old.get_model("tasks", "Task")
    long_ago = timezone.now() - timedelta(hours=2)
    gone = "00000000-0000-4000-8000-000000000001"  # a story deleted before its task ran
    rows = {
        "done": dict(kind="import.git", status="succeeded", result={"figures": 2}, progress=1.0,
                     attempts=1, claimed_by="old-host:1"),
        "failed": dict(kind="ai.describe", status="failed", error="the provider said no", progress=0.3,
                       attempts=1, claimed_by="old-host:1"),
        "queued": dict(kind="story.generate", payload={"story": gone}),
        # its runner stopped for the upgrade: abandoned, so queued again and run
        "running": dict(kind="story.generate", status="running", payload={"story": gone}, attempts=1,
                        claimed_by="old-host:2", progress=0.4),
        "unknown": dict(kind="import.svn", payload={"url": "svn://example.org/repo"}),
    }
    ids = {}
    for name, fields in rows.items():
        task = Task.objects.create(created_by=user, created_on=long_ago, updated_on=long_ago, **fields)
        ids[name] = str(task.pk)
    print(json.dumps(ids))
    """
)


def test_tasks_of_the_home_made_queue_move_to_the_framework_queue(tmp_path):
    """A database whose tasks were queued, run and finished by figtrail's former home-made queue (tasks
    0002) is migrated onto Django's Tasks framework: finished tasks read back unchanged, the queued and
    the abandoned running one run on the new queue, a kind no process knows stays queued."""
    env = {
        **os.environ,
        **fresh_database_url(),
        "FIGTRAIL_HOME": str(tmp_path),
        "FIGTRAIL_SECRET_KEY": "upgrade-test",
        "DJANGO_SETTINGS_MODULE": "figtrail.server.settings",
    }
    done = admin(env, "migrate", "tasks", "0002_queue", "--no-input")
    assert done.returncode == 0, done.stdout + done.stderr
    filled = subprocess.run(
        [sys.executable, "-c", FILL_OLD_QUEUE, "a long queue password"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert filled.returncode == 0, filled.stderr
    ids = json.loads(filled.stdout.strip().splitlines()[-1])

    server = start_server(tmp_path, {k: v for k, v in env.items() if k.startswith("FIGTRAIL_")})  # migrates
    try:
        queuer = Api.of(server.sign_in("queuer", "a long queue password"))
        done = queuer.ok(f"task/{ids['done']}/")
        assert (done["kind"], done["status"], done["result"], done["progress"]) == (
            "import.git", "succeeded", {"figures": 2}, 1.0,
        )  # fmt: skip
        failed = queuer.ok(f"task/{ids['failed']}/")
        assert (failed["status"], failed["error"]) == ("failed", "the provider said no")
        assert failed["progress"] == 0.3
        for name in ("queued", "running"):
            ran = finished_task(queuer, ids[name])
            assert (ran["status"], ran["error"]) == ("failed", "The story was deleted before it was written.")
        assert queuer.ok(f"task/{ids['unknown']}/")["status"] == "queued"
        assert {t["api_id"] for t in queuer.ok("task/?status=succeeded")} == {ids["done"]}
    finally:
        stop_server(server)
