"""The server stops in the middle of a notebook: the notebook finishes, and nothing is lost or doubled.

The notebook runs cell by cell in a real kernel. After the first figure is delivered the server is
stopped; the next figures are shown while it is down (one warning, no error, the cells stay fast);
the kernel shuts down within its bounded wait. The server then comes back on the same port and data,
and ``figtrail outbox flush`` sends what waited: every revision arrives exactly once.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.client.accounts import make_account
from tests.conftest import restart_server, start_server, stop_server
from tests.jupyter.conftest import kernel_env, notebook, notebook_client

FIGTRAIL = str(Path(sys.executable).with_name("figtrail"))

CELLS = [
    """%load_ext figtrail
from figtrail.jupyter import *
configure(analysis=FindByName("Outage", create=True))
import matplotlib.pyplot as plt
plt.plot([1, 2]); plt.title("Before")""",
    "assert get_extension().publisher.flush(60)",
    "plt.plot([2, 1]); plt.title('During one')",
    "plt.plot([3, 1]); plt.title('During two')",
    "get_extension().publisher.flush(10)\nplt.plot([1, 3]); plt.title('During three')",
]


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own, since the test stops and restarts it."""
    home = tmp_path / "server-home"
    home.mkdir()
    server = start_server(home)
    yield server
    stop_server(server)


def cell_text(cell) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_a_notebook_outlives_its_server_and_loses_nothing(own_server, kernels_dir, tmp_path):
    owner = make_account(own_server)
    work = tmp_path / "work"
    work.mkdir()
    env = kernel_env(
        work,
        FIGTRAIL_URL=owner.url,
        FIGTRAIL_API_KEY=owner.api_key,
        FIGTRAIL_EXIT_WAIT="3",
        JPY_SESSION_NAME=str(work / "Outage.ipynb"),
    )
    nb = notebook(CELLS)
    client = notebook_client(nb, kernels_dir, work)
    with client.setup_kernel(env=env, cwd=str(work)):
        for index in (0, 1):
            client.execute_cell(nb.cells[index], index)
        stop_server(own_server)
        timings = []
        for index in (2, 3, 4):
            started = time.monotonic()
            client.execute_cell(nb.cells[index], index)
            timings.append(time.monotonic() - started)
    shutting_down = time.monotonic()
    client.km.shutdown_kernel(now=False)  # as `jupyter execute` ends: a request, then a kill after 5 s
    assert time.monotonic() - shutting_down < 15  # the exit flush gives up quickly on a dead server
    assert max(timings) < 10
    warnings = [line for cell in nb.cells for line in cell_text(cell).splitlines() if "cannot reach" in line]
    assert len(warnings) == 1 and "figtrail outbox flush" in warnings[0]

    outbox_env = {**env, "PATH": "/usr/bin:/bin"}
    waiting = subprocess.run([FIGTRAIL, "outbox", "list"], env=outbox_env, capture_output=True, text=True)
    assert "3 waiting, 0 held" in waiting.stdout, waiting.stdout + waiting.stderr

    restart_server(own_server)
    flushed = subprocess.run([FIGTRAIL, "outbox", "flush"], env=outbox_env, capture_output=True, text=True)
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    again = subprocess.run([FIGTRAIL, "outbox", "flush"], env=outbox_env, capture_output=True, text=True)
    assert "sent 0;" in again.stdout

    figures = owner.figures("Outage")
    assert sorted(figures) == ["Before", "During one", "During three", "During two"]
    assert [len(figure["revisions"]) for figure in figures.values()] == [1, 1, 1, 1]
    during = owner.revision(figures["During two"]["revisions"][0]["api_id"])
    assert during["metadata"]["execution_count"] == 4
    assert {d["metadata"].get("format") for d in during["data"] if d["type"] == "image"} >= {"png", "svg"}
