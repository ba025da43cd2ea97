"""What a revision records: git state from a real repository, the environment, the cell or the script."""

from __future__ import annotations

import json
import subprocess
import sys

from figtrail.capture.annotators import (
    CellCodeAnnotator,
    EnvironmentAnnotator,
    GitAnnotator,
    HistoryAnnotator,
    ScriptAnnotator,
    SystemAnnotator,
    run_annotators,
)
from figtrail.capture.context import CaptureContext


def git(repo, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def make_repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "analysis")
    git(repo, "config", "user.email", "t@example.org")
    git(repo, "config", "user.name", "T")
    git(repo, "remote", "add", "origin", "https://alice:s3cret-token@git.example.org/lab/study.git")
    (repo / "plot.py").write_text("print('hi')\n")
    git(repo, "add", "plot.py")
    git(repo, "commit", "-q", "-m", "first")
    return repo


def test_git_records_commit_branch_remote_and_dirty_state(tmp_path):
    repo = make_repo(tmp_path)
    info = GitAnnotator().annotate(CaptureContext(cwd=str(repo))).metadata["git"]
    assert info == {
        "hash": git(repo, "rev-parse", "HEAD"),
        "branch": "analysis",
        "remote_url": "https://git.example.org/lab/study.git",  # the token never leaves the machine
        "dirty": False,
    }
    (repo / "plot.py").write_text("print('changed')\n")
    assert GitAnnotator().annotate(CaptureContext(cwd=str(repo))).metadata["git"]["dirty"] is True


def test_outside_a_repository_git_records_nothing(tmp_path):
    assert GitAnnotator().annotate(CaptureContext(cwd=str(tmp_path))).metadata == {}


def test_a_notebook_cell_is_recorded_as_code_with_its_history():
    context = CaptureContext(
        in_notebook=True, cell_code="plt.plot(x)", cell_id="c1", history=["x = 1", "plt.plot(x)"]
    )
    merged, notes = run_annotators([CellCodeAnnotator(), HistoryAnnotator()], context)
    assert notes == [] and merged.metadata == {"cell_id": "c1"}
    cell, history = merged.data
    assert (cell.name, cell.type, cell.content) == ("Jupyter Cell", "code", b"plt.plot(x)")
    assert json.loads(history.content) == ["x = 1", "plt.plot(x)"]


def test_a_script_is_recorded_with_its_source_and_arguments(tmp_path):
    script = tmp_path / "make_plot.py"
    script.write_text("import sys\n")
    result = ScriptAnnotator().annotate(
        CaptureContext(script_path=str(script), argv=["make_plot.py", "--fast"])
    )
    assert result.metadata == {"argv": ["make_plot.py", "--fast"], "script": str(script)}
    assert [(d.name, d.content) for d in result.data] == [("make_plot.py", b"import sys\n")]


def test_environment_and_system_describe_this_process():
    merged, _ = run_annotators([EnvironmentAnnotator(), SystemAnnotator()], CaptureContext())
    assert merged.metadata["python_version"] == sys.version
    assert merged.metadata["kernel"] == sys.executable
    assert "pytest" in merged.metadata["packages"]
    assert merged.metadata["host"] and merged.metadata["os"]
    freeze = next(d for d in merged.data if d.name == "pip freeze").content.decode()
    assert "pytest==" in freeze


def test_a_failing_annotator_leaves_a_note_and_the_rest_still_count():
    class Broken(CellCodeAnnotator):
        def annotate(self, context):
            raise RuntimeError("boom")

    merged, notes = run_annotators([Broken(), SystemAnnotator()], CaptureContext())
    assert notes == ["Broken failed: RuntimeError: boom"] and merged.metadata["host"]
