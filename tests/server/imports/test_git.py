"""``upload/`` with ``kind=git`` and ``git/check_access/``, against a repository made here and served over
git's "dumb" HTTP protocol on 127.0.0.1, by a server whose admin allows private networks.

Needs the ``git`` command (Debian package ``git``) on the test machine and for the server.
"""

from __future__ import annotations

import base64
import shutil

import pytest

from tests.conftest import start_server, stop_server
from tests.server.helpers import finished_task, new_user, read_db
from tests.server.imports.builders import (
    RecordingHandler,
    git,
    image_of,
    picture,
    publish_bare,
    serve_folder,
)

ADA, BOB = ("Ada Lovelace", "ada@example.org"), ("Bob Builder", "bob@example.org")
RED, BLUE, GREEN, PURPLE = (
    picture((200, 0, 0)),
    picture((0, 0, 200)),
    picture((0, 150, 0)),
    picture((120, 0, 120)),
)
PHOTO = picture((10, 120, 200), image_format="JPEG")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


@pytest.fixture(scope="module", autouse=True)
def git_installed():
    if shutil.which("git") is None:
        pytest.fail("these tests need the git command: apt-get install git")


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    server = start_server(
        tmp_path_factory.mktemp("figtrail-private"), {"FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS": "1"}
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def api(private_server):
    return new_user(private_server)


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """A history: Ada adds two images, Bob changes one (and a text file), Ada deletes one and adds an SVG."""
    work = tmp_path_factory.mktemp("work")
    public = tmp_path_factory.mktemp("public")
    git(work, "init", "--quiet", "-b", "main")
    (work / "figures").mkdir()
    (work / "figures" / "a.png").write_bytes(RED)
    (work / "plots").mkdir()
    (work / "plots" / "b.jpg").write_bytes(PHOTO)
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "Add the first figures\n\nWith a body line.", author=ADA)
    (work / "figures" / "a.png").write_bytes(BLUE)
    (work / "README.md").write_text("not an image")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "Recolour a", author=BOB)
    git(work, "rm", "--quiet", "plots/b.jpg")
    (work / "c.svg").write_bytes(SVG)
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "Drop b, add c", author=ADA)
    publish_bare(work, public, "repo.git")
    server, base = serve_folder(public)
    yield {"work": work, "public": public, "url": f"{base}/repo.git", "base": base}
    server.shutdown()


def commits(work) -> list[str]:
    return git(work, "rev-list", "--reverse", "HEAD").split()


def import_into(api, analysis_id: str, url: str, **extra) -> dict:
    response = api.post("upload/", {"kind": "git", "analysis_id": analysis_id, "url": url, **extra})
    assert response.status_code == 202, response.text
    return finished_task(api, response.json()["task"]["api_id"])


def figures_by_name(api, analysis_id: str) -> dict[str, list[dict]]:
    figures = api.ok(f"figure/?analysis={analysis_id}")
    return {figure["name"]: api.ok(f"revision/?figure={figure['api_id']}") for figure in figures}


def test_history_becomes_figures_and_revisions(api, repository):
    workspace = api.workspace()
    analysis = api.analysis(workspace["api_id"])
    task = import_into(api, analysis["api_id"], repository["url"])
    assert task["status"] == "succeeded", task
    assert task["kind"] == "import.git" and task["progress"] == 1.0
    assert task["result"]["revisions_created"] == 4
    figures = figures_by_name(api, analysis["api_id"])
    assert set(figures) == {"figures/a.png", "plots/b.jpg", "c.svg"}
    first, second, third = commits(repository["work"])

    red, blue = figures["figures/a.png"]
    assert [image_of(api, red), image_of(api, blue)] == [RED, BLUE]
    assert [red["revision_index"], blue["revision_index"]] == [0, 1]
    assert red["metadata"] == {
        "import": "git",
        "repository": repository["url"],
        "commit": first,
        "author_name": ADA[0],
        "author_email": ADA[1],
        "commit_date": red["metadata"]["commit_date"],
        "message": "Add the first figures\n\nWith a body line.",
        "path": "figures/a.png",
    }
    assert blue["metadata"]["commit"] == second
    assert (blue["metadata"]["author_name"], blue["metadata"]["author_email"]) == BOB
    assert blue["metadata"]["message"] == "Recolour a"

    (photo,) = figures["plots/b.jpg"]  # its deletion is not a revision
    assert image_of(api, photo) == PHOTO and photo["metadata"]["commit"] == first
    (vector,) = figures["c.svg"]
    assert image_of(api, vector) == SVG and vector["metadata"]["commit"] == third
    assert vector["data"][0]["metadata"]["format"] == "svg"


def test_reimport_adds_only_new_commits(api, repository, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(repository["work"], work)  # a repository of this test's own, since it adds a commit
    publish_bare(work, repository["public"], "copy.git")
    url = repository["base"] + "/copy.git"
    analysis = api.analysis(api.workspace()["api_id"])
    assert import_into(api, analysis["api_id"], url)["status"] == "succeeded"
    again = import_into(api, analysis["api_id"], url)
    assert again["status"] == "succeeded", again
    assert again["result"]["revisions_created"] == 0 and again["result"]["skipped"] == 4
    assert {name: len(revisions) for name, revisions in figures_by_name(api, analysis["api_id"]).items()} == {
        "figures/a.png": 2,
        "plots/b.jpg": 1,
        "c.svg": 1,
    }

    (work / "figures" / "a.png").write_bytes(GREEN)
    git(work, "commit", "--quiet", "-am", "Green a", author=BOB)
    publish_bare(work, repository["public"], "copy.git")
    newer = import_into(api, analysis["api_id"], url)
    assert newer["status"] == "succeeded", newer
    assert newer["result"]["revisions_created"] == 1
    revisions = figures_by_name(api, analysis["api_id"])["figures/a.png"]
    assert [image_of(api, revision) for revision in revisions] == [RED, BLUE, GREEN]
    assert revisions[-1]["metadata"]["commit"] == commits(work)[-1]


def test_paths_glob_and_branch(api, repository):
    analysis = api.analysis(api.workspace()["api_id"])
    task = import_into(api, analysis["api_id"], repository["url"], paths="figures/*", branch="main")
    assert task["status"] == "succeeded", task
    assert set(figures_by_name(api, analysis["api_id"])) == {"figures/a.png"}
    bad = api.post("upload/", {"kind": "git", "analysis_id": analysis["api_id"], "url": repository["url"],
                              "branch": "--upload-pack=x"})  # fmt: skip
    assert bad.status_code == 400 and "branch" in bad.json()


def test_token_travels_in_a_header_and_is_forgotten(api, private_server, repository):
    analysis = api.analysis(api.workspace()["api_id"])
    RecordingHandler.seen_authorization.clear()
    task = import_into(api, analysis["api_id"], repository["url"], username="ci", token="s3cret-token")
    assert task["status"] == "succeeded", task
    expected = "Basic " + base64.b64encode(b"ci:s3cret-token").decode()
    assert expected in RecordingHandler.seen_authorization
    queue_rows = read_db(  # the payload is the keyword arguments on the framework's queue row
        private_server,
        "SELECT job.args_kwargs, job.return_value, job.traceback FROM tasks_task AS task"
        " JOIN django_tasks_database_dbtaskresult AS job ON job.id = task.job_id"
        " WHERE task.kind = 'import.git'",
    )
    assert queue_rows and all("token" not in str(row) and "s3cret" not in str(row) for row in queue_rows)
    assert "s3cret" not in str(task)


def test_missing_repository_fails_the_task(api, repository):
    analysis = api.analysis(api.workspace()["api_id"])
    task = import_into(api, analysis["api_id"], repository["base"] + "/missing.git")
    assert task["status"] == "failed"
    assert task["error"].startswith("git: ")


def test_check_access(api, repository):
    response = api.post("git/check_access/", {"url": repository["url"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["default_branch"] == "main" and "main" in body["branches"]
    missing = api.post("git/check_access/", {"url": repository["base"] + "/missing.git"})
    assert missing.status_code == 200
    assert missing.json()["ok"] is False and missing.json()["detail"]
    refused = api.post("git/check_access/", {"url": "file:///etc"})
    assert refused.status_code == 400 and "url" in refused.json()


def test_redirects_are_not_followed(api, repository):
    moved = repository["base"] + "/moved/repo.git"
    response = api.post("git/check_access/", {"url": moved})
    assert response.status_code == 200
    assert response.json()["ok"] is False


def test_ssh_with_a_stored_key_reports_an_unreachable_host(api):
    key = api.created("ssh_key/", {"name": "deploy", "generate": True})
    body = {"url": "git@127.0.0.1:owner/repo.git", "ssh_key_id": key["api_id"]}
    response = api.post("git/check_access/", body)  # nothing listens on port 22 here
    assert response.status_code == 200, response.text
    assert response.json()["ok"] is False and response.json()["detail"]
    assert "PRIVATE KEY" not in response.text
