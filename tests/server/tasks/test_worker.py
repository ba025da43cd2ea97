"""``figtrail worker`` processes share the database queue: every task runs once, a killed worker's task
is run again by another, and SIGTERM stops a worker cleanly between tasks.

The workers here are the real ``figtrail worker`` command (``figtrail.cli.main``) in their own
processes, started by a wrapper that first registers the test's task kinds, as an app's
``task_handlers`` module would.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import FIGTRAIL, start_server, stop_server
from tests.server.helpers import new_user
from tests.server.insight.figures import publish

HANDLERS = textwrap.dedent(
    """
    import os, sys, time
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from figtrail.server.tasks.registry import background
    from figtrail.server.tasks.runner import runner_id

    @background("test.echo")
    def echo(task, report, *, n):
        time.sleep(0.02)
        if os.environ.get("RUNS_LOG"):  # one line per run, to catch a task run twice
            with open(os.environ["RUNS_LOG"], "a") as runs:
                runs.write(f"{n}\\n")
        return {"n": n, "by": runner_id()}

    @background("test.hang_first_time")
    def hang_first_time(task, report, **_):
        if task.attempts == 1:
            time.sleep(600)  # the worker is killed while here
        return {"attempt": task.attempts, "by": runner_id()}
    """
)

WORKER = HANDLERS + textwrap.dedent(
    """
    from figtrail.cli.main import main
    sys.exit(main(["worker", "--poll", "0.2"] + sys.argv[1:]))
    """
)

SUBMIT = HANDLERS + textwrap.dedent(
    """
    import json
    from django.contrib.auth import get_user_model
    from figtrail.server.tasks import runner

    user = get_user_model().objects.get(username=sys.argv[1])
    kind, count = sys.argv[2], int(sys.argv[3])
    print(json.dumps([str(runner.submit(kind, user, payload={"n": n}).pk) for n in range(count)]))
    """
)


@pytest.fixture
def queue_env(live_server, tmp_path) -> dict[str, str]:
    """The live server's database, with the app servers' part of the work left to workers."""
    return {
        **live_server.env,
        "DJANGO_SETTINGS_MODULE": "figtrail.server.settings",
        "FIGTRAIL_TASK_MODE": "worker",
        "FIGTRAIL_TASK_ABANDONED_SECONDS": "3",
    }


def submit(env: dict, username: str, kind: str, count: int) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SUBMIT, username, kind, str(count)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(owner, task_ids: list[str], status: str, timeout: float = 90) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        tasks = [owner.ok(f"task/{task_id}/") for task_id in task_ids]
        if all(task["status"] == status for task in tasks) or time.monotonic() > deadline:
            return tasks
        time.sleep(0.2)


def test_two_workers_run_every_task_exactly_once(owner, queue_env, tmp_path):
    task_ids = submit(queue_env, owner.username, "test.echo", 30)
    assert {owner.ok(f"task/{t}/")["status"] for t in task_ids} == {"queued"}  # nothing runs them yet
    runs = tmp_path / "runs.log"
    queue_env = {**queue_env, "RUNS_LOG": str(runs)}
    workers = [start_worker(queue_env), start_worker(queue_env)]
    try:
        tasks = wait_for(owner, task_ids, "succeeded")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=30)[0] for worker in workers]
    assert [task["status"] for task in tasks] == ["succeeded"] * 30
    assert sorted(task["result"]["n"] for task in tasks) == list(range(30))
    assert sorted(int(n) for n in runs.read_text().split()) == list(range(30))  # none ran twice
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert all("stopped" in output for output in outputs)
    runners = {task["result"]["by"] for task in tasks}
    assert runners <= {line.split()[2].rstrip(":") for line in (o.splitlines()[0] for o in outputs)}


def test_a_killed_workers_task_is_run_again_by_another(owner, queue_env):
    [task_id] = submit(queue_env, owner.username, "test.hang_first_time", 1)
    first = start_worker(queue_env)
    try:
        [running] = wait_for(owner, [task_id], "running", timeout=60)
        assert running["status"] == "running"
    finally:
        first.kill()  # no clean stop: the task is left "running" with nobody beating for it
        first.communicate(timeout=30)
    second = start_worker(queue_env)
    try:
        [task] = wait_for(owner, [task_id], "succeeded", timeout=60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=30)
    assert task["status"] == "succeeded"
    assert task["result"]["attempt"] == 2
    assert task["result"]["by"].endswith(f":{second.pid}")


ABANDON = HANDLERS + textwrap.dedent(
    """
    import json
    from datetime import timedelta
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult
    from figtrail.server.tasks import runner
    from figtrail.server.tasks.models import Task

    # The claim and/or the last heartbeat 10 s ago: past this script's FIGTRAIL_TASK_ABANDONED_SECONDS (3),
    # not the live server's (60), whose inline runner sweeps too.
    def age(task, started=True, beaten=True):
        past = timezone.now() - timedelta(seconds=10)
        if started:
            DBTaskResult.objects.filter(pk=task.job_id).update(started_at=past)
        if beaten:
            Task.objects.filter(pk=task.pk).update(updated_on=past)

    user = get_user_model().objects.get(username=sys.argv[1])
    dying = runner.submit("test.echo", user, payload={"n": 0})
    sweeps = []
    for attempt in (1, 2, 3):
        assert runner.claim_next(f"dead-{attempt}").pk == dying.job_id
        age(dying)  # nobody beats for it any more
        changed = runner.requeue_abandoned()
        sweeps.append([changed, DBTaskResult.objects.get(pk=dying.job_id).status])
    job = DBTaskResult.objects.get(pk=dying.job_id)

    alive = runner.submit("test.echo", user, payload={"n": 1})
    runner.claim_next("alive")
    age(alive, beaten=False)  # claimed long ago, but its heartbeat is fresh: a long task, not a dead one
    kept = [runner.requeue_abandoned(), DBTaskResult.objects.get(pk=alive.job_id).status]
    print(json.dumps({"sweeps": sweeps, "worker_ids": job.worker_ids, "dying": str(dying.pk),
                      "kept": kept}))
    """
)


def test_abandoned_work_is_made_ready_again_on_the_framework_queue_then_fails(owner, queue_env):
    """The framework's queue row of a task whose runner died goes back to READY (the framework's own
    "ready to be executed again") keeping its claims, twice; the third abandoned claim fails it."""
    done = subprocess.run(
        [sys.executable, "-c", ABANDON, owner.username], env=queue_env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["sweeps"] == [[1, "READY"], [1, "READY"], [1, "FAILED"]]
    assert found["worker_ids"] == ["dead-1", "dead-2", "dead-3"]
    task = owner.ok(f"task/{found['dying']}/")
    assert task["status"] == "failed"
    assert task["error"] == "the process running this task stopped 3 times; not retrying"
    assert found["kept"] == [0, "RUNNING"]


def test_worker_once_drains_the_queue_and_exits(owner, queue_env):
    task_ids = submit(queue_env, owner.username, "test.echo", 3)
    worker = start_worker(queue_env, "--once")
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert [task["status"] for task in wait_for(owner, task_ids, "succeeded", timeout=5)] == ["succeeded"] * 3


def test_scaled_out_app_servers_leave_tasks_to_figtrail_worker(tmp_path):
    """FIGTRAIL_TASK_MODE=worker: a task asked for over the API waits in the queue until a separate
    ``figtrail worker`` process (the installed command, with the real handlers) runs it."""
    server = start_server(tmp_path, {"FIGTRAIL_TASK_MODE": "worker"})
    worker = None
    try:
        api = new_user(server)
        _, _, figure = api.tree()
        revision = publish(api, figure["api_id"])
        asked = api.post(f"revision/{revision['api_id']}/ai_describe/")
        assert asked.status_code == 202, asked.text
        task_id = asked.json()["task"]["api_id"]
        time.sleep(2)
        assert api.ok(f"task/{task_id}/")["status"] == "queued"  # the app server did not run it

        worker = subprocess.Popen(
            [FIGTRAIL, "worker", "--poll", "0.2"], env=server.env, stdout=subprocess.PIPE, text=True
        )
        [task] = wait_for(api, [task_id], "succeeded", timeout=90)
        assert task["status"] == "succeeded", task
        described = api.ok(f"revision/{revision['api_id']}/")
        assert described["ai_title"] and described["ai_description"]
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=30)
            assert worker.returncode == 0, output
            assert "ai.describe" in output.splitlines()[0]  # the kinds it announced on start
        stop_server(server)
