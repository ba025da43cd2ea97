"""Notebooks run by the batch runners, with their default settings, as CI jobs and schedulers run them.

Every runner shuts the kernel down a few seconds after the last cell, and a throw-away container takes
the outbox with it: whatever was not on the server when the runner returned is lost. So each test
reads the revisions back over the API right after the runner returns, without waiting, and asserts
they are complete: every format, the watermark, nothing pending. The last two cells draw a plotly
figure and then a matplotlib one, the case that used to be left behind.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import free_port
from tests.jupyter.conftest import kernel_env, notebook

BIN = Path(sys.executable).parent
CELLS = [
    "%load_ext figtrail",
    "import matplotlib.pyplot as plt\nplt.scatter([1, 2, 3], [3, 1, 2]); plt.title('Opening')\nplt.show()",
    "import plotly.express as px\npx.scatter(x=[1, 2, 3], y=[2, 3, 1], title='Plotly last')",
    "plt.figure(); plt.plot([3, 1, 2]); plt.title('Matplotlib last')\nplt.show()",
]
NBCLIENT_FROM_PYTHON = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb).execute()
nbformat.write(nb, sys.argv[1].replace(".ipynb", ".out.ipynb"))
"""
RUNNERS = {
    "jupyter-execute": lambda path: [str(BIN / "jupyter-execute"), path.name],
    "nbconvert": lambda path: [
        str(BIN / "jupyter-nbconvert"),
        "--to",
        "notebook",
        "--execute",
        path.name,
        "--output",
        "out.ipynb",
    ],
    "papermill": lambda path: [str(BIN / "papermill"), path.name, "out.ipynb"],
    "nbclient": lambda path: [sys.executable, "run.py", path.name],
}


def run_batch(runner: str, cells: list[str], name: str, work: Path, env: dict[str, str]):
    path = work / f"{name}.ipynb"
    nbformat.write(notebook(cells), path)
    (work / "run.py").write_text(NBCLIENT_FROM_PYTHON)
    return subprocess.run(
        RUNNERS[runner](path), cwd=work, env=env, capture_output=True, text=True, timeout=300
    )


def running(word: str) -> list[str]:
    """The command lines of running processes that mention ``word`` (from /proc: no pgrep needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, NotADirectoryError):
            continue
        if word in line:
            found.append(line)
    return found


def images(revision: dict) -> set[tuple[str, bool]]:
    return {
        (d["metadata"]["format"], bool(d["metadata"].get("is_watermarked")))
        for d in revision["data"]
        if d["type"] == "image"
    }


def stored(account, analysis: str) -> dict[str, dict]:
    """The one revision of each figure of an analysis, read back in full."""
    found = {}
    for name, figure in account.figures(analysis).items():
        [revision] = figure["revisions"]
        found[name] = account.revision(revision["api_id"])
    return found


@pytest.fixture
def batch_env(account, kernels_dir, tmp_path):
    return kernel_env(
        tmp_path, FIGTRAIL_URL=account.url, FIGTRAIL_API_KEY=account.api_key, JUPYTER_PATH=str(kernels_dir)
    )


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_a_batch_run_delivers_every_figure_before_it_ends(runner, account, batch_env, tmp_path):
    name = f"Batch {runner}"
    done = run_batch(runner, CELLS, name, tmp_path, batch_env)
    assert done.returncode == 0, done.stderr[-3000:]
    revisions = stored(account, name)  # read at once: the runner has returned, the kernel is gone
    assert sorted(revisions) == ["Matplotlib last", "Opening", "Plotly last"]
    for revision in revisions.values():
        assert "figtrail_pending" not in revision["metadata"]
    for title in ("Opening", "Matplotlib last"):
        assert images(revisions[title]) == {("png", False), ("svg", False), ("png", True)}
    assert {("html", False), ("html", True), ("png", False), ("svg", False)} <= images(
        revisions["Plotly last"]
    )
    assert revisions["Matplotlib last"]["metadata"]["notebook_name"] == f"{name}.ipynb"
    assert not list((tmp_path / "outbox" / "jobs").glob("*.json"))


def test_without_chrome_plotly_keeps_its_html_and_nothing_waits_behind_it(account, batch_env, tmp_path):
    """A laptop with no Chrome: kaleido has no browser. The plotly revision says what is missing and
    how to get it; the matplotlib figure after it arrives whole; the hint is given once."""
    cells = [*CELLS, "fig = px.bar(x=['a', 'b'], y=[1, 2], title='Plotly again')\nfig"]
    env = {**batch_env, "BROWSER_PATH": str(tmp_path / "no-such-chrome")}
    done = run_batch("nbconvert", cells, "No Chrome", tmp_path, env)
    assert done.returncode == 0, done.stderr[-3000:]
    revisions = stored(account, "No Chrome")
    for title in ("Plotly last", "Plotly again"):
        assert images(revisions[title]) == {("html", False), ("html", True)}
        [note] = revisions[title]["metadata"]["figtrail_notes"]
        assert "plotly PNG/SVG need kaleido with a Chrome" in note and "plotly_get_chrome" in note
    assert images(revisions["Matplotlib last"]) == {("png", False), ("svg", False), ("png", True)}
    output = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    texts = [o.get("text", "") for cell in output.cells for o in cell.get("outputs", [])]
    assert sum(text.count("plotly_get_chrome") for text in texts) == 1


def test_a_hanging_chrome_costs_its_figure_the_png_after_the_time_limit_and_nothing_else(
    account, batch_env, tmp_path
):
    chrome = tmp_path / "hanging-chrome"
    chrome.write_text("#!/bin/sh\nsleep 600\n")
    chrome.chmod(0o755)
    # the patience (1 s without a delivery) is shorter than the render's time limit: a cell must still
    # wait for a render that is running, not give up on it
    env = {
        **batch_env,
        "BROWSER_PATH": str(chrome),
        "FIGTRAIL_RENDER_TIMEOUT": "4",
        "FIGTRAIL_EXIT_WAIT": "1",
    }
    started = time.monotonic()
    done = run_batch("jupyter-execute", CELLS, "Hanging Chrome", tmp_path, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - started < 120
    revisions = stored(account, "Hanging Chrome")
    assert images(revisions["Plotly last"]) == {("html", False), ("html", True)}
    notes = revisions["Plotly last"]["metadata"]["figtrail_notes"]
    assert any("plotly PNG was not stored" in note and "longer than 4 s" in note for note in notes), notes
    assert images(revisions["Matplotlib last"]) == {("png", False), ("svg", False), ("png", True)}
    assert running(str(chrome)) == []  # the browser was killed with the render helper


@pytest.mark.parametrize("strict", [False, True])
def test_a_batch_run_against_a_dead_server_says_what_waits_and_strict_fails_it(
    strict, account, batch_env, tmp_path
):
    env = {**batch_env, "FIGTRAIL_URL": f"http://127.0.0.1:{free_port()}", "FIGTRAIL_EXIT_WAIT": "2"}
    if strict:
        env["FIGTRAIL_STRICT"] = "1"
    done = run_batch("jupyter-execute", CELLS, "Dead server", tmp_path, env)
    outbox = tmp_path / "outbox"
    assert (
        f"were not delivered (the server is unreachable); they wait in the outbox ({outbox})" in done.stderr
    )
    if strict:
        assert done.returncode != 0
        assert "FIGTRAIL_STRICT is set, so the run fails" in done.stderr + done.stdout
        assert len(list((outbox / "jobs").glob("*.json"))) == 1  # the run stopped at the first figure
    else:
        assert done.returncode == 0, done.stderr[-3000:]
        assert len(list((outbox / "jobs").glob("*.json"))) == 3  # finished, waiting for the server
    left = subprocess.run(
        [str(BIN / "figtrail"), "outbox", "list"], env=env, capture_output=True, text=True
    ).stdout
    assert "revision of 'Opening'" in left


def test_an_interactive_session_never_waits_for_delivery(account, kernels_dir, tmp_path):
    """JupyterLab and VS Code let the kernel ask for input(): a person is there, and the cell returns
    at once even while a render hangs; the figure arrives later."""
    from tests.jupyter.conftest import notebook_client

    chrome = tmp_path / "hanging-chrome"
    chrome.write_text("#!/bin/sh\nsleep 600\n")
    chrome.chmod(0o755)
    env = kernel_env(
        tmp_path,
        FIGTRAIL_URL=account.url,
        FIGTRAIL_API_KEY=account.api_key,
        BROWSER_PATH=str(chrome),
        FIGTRAIL_RENDER_TIMEOUT="20",
        JPY_SESSION_NAME=str(tmp_path / "Interactive.ipynb"),  # as JupyterLab sets it
    )
    cells = [
        *CELLS[:1],
        CELLS[2],
        "from figtrail.jupyter import get_extension\nassert get_extension().publisher.flush(90)",
    ]
    nb = notebook(cells)
    client = notebook_client(nb, kernels_dir, tmp_path)
    with client.setup_kernel(env=env, cwd=str(tmp_path)):
        client.kc.allow_stdin = True  # as JupyterLab sends it
        client.execute_cell(nb.cells[0], 0)
        started = time.monotonic()
        client.execute_cell(nb.cells[1], 1)
        assert time.monotonic() - started < 10  # the PNG hangs for 20 s; the cell does not wait for it
        client.execute_cell(nb.cells[2], 2)
    client.km.shutdown_kernel(now=False)
    revision = stored(account, "Interactive")["Plotly last"]
    assert images(revision) == {("html", False), ("html", True)}
