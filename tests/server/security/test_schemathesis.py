"""schemathesis against the live server's OpenAPI schema: no request it generates gets a 5xx.

It runs as a subprocess (its CLI) against a server of its own, so that its fuzzing (creating and
deleting objects) cannot disturb the other tests, with a few examples per operation and a time budget.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import start_server, stop_server

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
TIME_BUDGET = 50  # seconds of generation; the whole test stays well under 90 s on 2 cores


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("figtrail-fuzz"))
    yield server
    stop_server(server)


def test_no_server_errors(fuzz_server, tmp_path):
    username, password = fuzz_server.add_user()
    token = fuzz_server.login(username, password).headers["Authorization"]
    command = [
        SCHEMATHESIS,
        "run",
        fuzz_server.url + "/api/schema/",
        "--url",
        fuzz_server.url,
        "--checks",
        "not_a_server_error",
        "--header",
        f"Authorization: {token}",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "5",
        "--max-time",
        str(TIME_BUDGET),
        "--request-timeout",
        "20",
        "--workers",
        "1",  # hypothesis's lambda descriptions are not thread-safe on Python 3.11
        "--seed",
        "7",
        "--no-color",
        "--continue-on-failure",
        "--suppress-health-check",
        "all",
        "--warnings",
        "off",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIME_BUDGET + 120, cwd=tmp_path)
    output = done.stdout + done.stderr
    log = (fuzz_server.home / "server.log").read_text(errors="replace")
    assert "Internal Server Error" not in log, log[-5000:]  # Django logs every 500 it answers
    # A check failure (here: a 5xx) is listed under "Failures:"; schemathesis's own errors (a schema it
    # cannot generate data for, an internal error) exit 1 too but say nothing about the server.
    assert "Failures:" not in output and "Server error" not in output, output[-20000:]
    assert done.returncode in (0, 1), output[-20000:]
    tested = re.search(r"Tested: (\d+)", output)
    assert tested and int(tested.group(1)) >= 100, output[-5000:]  # every operation of the schema ran
