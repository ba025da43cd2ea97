"""``task/``: background tasks as their runner records them, read by their owner only.

Tasks are made by server code, not through the API, so these tests run the real runner
(``figtrail.server.tasks.runner``, on Django's Tasks framework and its database backend) in a separate
process against the live server's database, as a worker would, then read the results over HTTP.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.server.helpers import no_such, refusal, when

MISSING = "00000000-0000-4000-8000-000000000000"

RUN_TASKS = textwrap.dedent(
    """
    import json, sys
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from django.contrib.auth import get_user_model
    from figtrail.server.catalog.models import Workspace
    from figtrail.server.tasks import runner
    from figtrail.server.tasks.registry import TaskFailed, background

    username, workspace_id = sys.argv[1], sys.argv[2]
    user = get_user_model().objects.get(username=username)
    workspace = Workspace.objects.get(pk=workspace_id)

    @background("test.count_rows")
    def count_rows(task, report, *, rows):
        for step in range(1, 5):
            report(step / 4)
        return {"rows": rows}

    @background("test.halfway_then_fail")
    def halfway_then_fail(task, report):
        report(0.5)
        raise TaskFailed("the repository is private")

    @background("test.crash")
    def crash(task, report):
        return 1 / 0

    done = runner.submit("test.count_rows", user, workspace, payload={"rows": 4})
    failed = runner.submit("test.halfway_then_fail", user, workspace)
    crashed = runner.submit("test.crash", user, workspace)
    assert runner.run_pending("test-runner") == 3
    waiting = runner.submit("test.count_rows", user, payload={"rows": 1})
    print(json.dumps({"done": str(done.pk), "failed": str(failed.pk), "crashed": str(crashed.pk),
                      "waiting": str(waiting.pk)}))
    """
)


@pytest.fixture(scope="module")
def tasks(live_server, owner) -> dict:
    workspace = owner.primary()
    # worker mode: submit() only queues, and this script runs the queue itself
    env = {
        **live_server.env,
        "DJANGO_SETTINGS_MODULE": "figtrail.server.settings",
        "FIGTRAIL_TASK_MODE": "worker",
    }
    result = subprocess.run(
        [sys.executable, "-c", RUN_TASKS, owner.username, workspace["api_id"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]) | {"workspace": workspace["api_id"]}


def test_a_finished_task_shows_its_result(owner, tasks):
    task = owner.ok(f"task/{tasks['done']}/")
    assert task["kind"] == "test.count_rows"
    assert task["status"] == "succeeded"
    assert task["progress"] == 1.0
    assert task["result"] == {"rows": 4}
    assert task["error"] is None
    assert task["created_by"] == owner.username
    assert task["workspace"] == tasks["workspace"]
    assert when(task["updated_on"]) >= when(task["created_on"])


def test_a_failed_task_keeps_its_progress_and_error(owner, tasks):
    task = owner.ok(f"task/{tasks['failed']}/")
    assert task["status"] == "failed"
    assert task["progress"] == 0.5
    assert task["error"] == "the repository is private"  # TaskFailed: the message as written
    assert task["result"] is None


def test_an_unexpected_exception_is_named_in_the_error(owner, tasks):
    task = owner.ok(f"task/{tasks['crashed']}/")
    assert (task["status"], task["error"]) == ("failed", "ZeroDivisionError: division by zero")


def test_a_task_no_runner_claimed_stays_queued(owner, tasks):
    waiting = owner.ok(f"task/{tasks['waiting']}/")
    assert (waiting["status"], waiting["progress"], waiting["workspace"]) == ("queued", 0.0, None)


def test_list_is_the_callers_own_newest_first(owner, stranger, tasks):
    listed = owner.ok("task/")
    assert [t["api_id"] for t in listed] == [
        tasks["waiting"],
        tasks["crashed"],
        tasks["failed"],
        tasks["done"],
    ]
    assert owner.ok("tasks/") == listed  # GoFigr's spelling
    assert [t["api_id"] for t in owner.ok("task/?status=failed")] == [tasks["crashed"], tasks["failed"]]
    assert len(owner.ok("task/?limit=2")) == 2
    assert stranger.ok("task/") == []


def test_bad_filters_name_the_parameter(owner, tasks):
    assert list(owner.get("task/?status=exploded").json()) == ["status"]
    assert list(owner.get("task/?limit=0").json()) == ["limit"]


def test_others_tasks_are_forbidden_and_unknown_ones_missing(owner, stranger, tasks):
    assert refusal(stranger.get(f"task/{tasks['done']}/"), 403) == "This task belongs to someone else."
    assert refusal(owner.get(f"task/{MISSING}/"), 404) == no_such("task", MISSING)


def test_tasks_are_read_only(owner, tasks):
    assert refusal(owner.post("task/", {"kind": "x"}), 405) == 'Method "POST" not allowed.'
    assert refusal(owner.delete(f"task/{tasks['done']}/"), 405) == 'Method "DELETE" not allowed.'
