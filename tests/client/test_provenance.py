"""What a revision records is true of the moment ``publish()`` was called, not of the moment it is sent.

A real script in a real git repository publishes, then commits, four times over, faster than the
background sender finishes the revisions. Each revision must carry the commit, the dirty state and the
source of its own moment.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.capture.test_annotators import git

SCRIPT = """
import subprocess, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import figtrail

pub = figtrail.Publisher(analysis="Moving repository")
handles = []
for step in range(4):
    if step % 2 == 0:
        with open("notes.txt", "a") as notes:
            notes.write(f"step {step}\\n")  # a tracked file changes: the checkout is dirty
    plt.figure(); plt.plot([step, step + 1]); plt.title(f"Step {step}")
    handles.append(pub.publish(plt.gcf()))
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-am", f"after step {step}"], check=True)
    if step == 1:
        with open(__file__, "a") as me:
            me.write("# edited after step 1\\n")  # the script itself moves on
        subprocess.run(["git", "commit", "-q", "-am", "edit the script"], check=True)
assert pub.flush(120), "not delivered"
for handle in handles:
    print(handle.api_id)
"""


def test_each_revision_records_the_commit_and_source_of_its_own_moment(account, tmp_path):
    repo = tmp_path / "study"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.org")
    git(repo, "config", "user.name", "T")
    (repo / "plot.py").write_text(SCRIPT)
    (repo / "notes.txt").write_text("start\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    first = git(repo, "rev-parse", "HEAD")

    env = {**os.environ, "FIGTRAIL_URL": account.url, "FIGTRAIL_API_KEY": account.api_key}
    done = subprocess.run(
        [sys.executable, "plot.py"], cwd=repo, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ids = done.stdout.split()
    history = git(repo, "log", "--reverse", "--format=%H %s").splitlines()
    commits = {subject: sha for sha, subject in (line.split(" ", 1) for line in history)}
    expected_heads = [first, commits["after step 0"], commits["edit the script"], commits["after step 2"]]

    revisions = [account.revision(api_id) for api_id in ids]
    assert [r["metadata"]["git"]["hash"] for r in revisions] == expected_heads
    assert [r["metadata"]["git"]["dirty"] for r in revisions] == [True, False, True, False]
    assert {r["metadata"]["git"]["branch"] for r in revisions} == {"main"}
    sources = [
        account.payload(next(d["api_id"] for d in r["data"] if d["name"] == "plot.py")).decode()
        for r in revisions
    ]
    assert [source.endswith("# edited after step 1\n") for source in sources] == [False, False, True, True]
