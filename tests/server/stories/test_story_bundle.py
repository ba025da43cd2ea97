"""Stories travel with their workspace through ``figtrail export --workspace`` / ``figtrail import``.

A slide showing a revision of another workspace loses its picture in a workspace bundle (the bundle does
not carry that revision) and keeps its words.
"""

from __future__ import annotations

import os
import subprocess

import requests

from tests.conftest import FIGTRAIL, fresh_database_url, start_server, stop_server
from tests.server.helpers import Api, finished_task, new_user
from tests.server.stories.test_stories import publish


def run(env: dict, *args: str) -> str:
    done = subprocess.run([FIGTRAIL, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_workspace_bundle_carries_its_stories(tmp_path):
    (tmp_path / "source").mkdir()
    server = start_server(tmp_path / "source")
    try:
        owner = new_user(server)
        workspace, analysis, figure = owner.tree()
        first = publish(owner, figure["api_id"], (1, 100, 1))
        second = publish(owner, owner.figure(analysis["api_id"])["api_id"], (100, 1, 1))
        created = owner.post(
            "story/", {"analysis": analysis["api_id"], "revision_ids": [first["api_id"], second["api_id"]]}
        )
        assert created.status_code == 202
        finished_task(owner, created.json()["task"]["api_id"])
        story = owner.ok(f"story/{created.json()['api_id']}/")
        assert owner.post(f"story/{story['api_id']}/share/link/", {"enabled": True}).status_code == 200
    finally:
        stop_server(server)

    bundle = tmp_path / "bundle"
    run(server.env, "export", "--workspace", workspace["api_id"], str(bundle))
    target_home = tmp_path / "target"
    target_home.mkdir()
    env = {**os.environ, "FIGTRAIL_HOME": str(target_home), **fresh_database_url()}
    imported = run(env, "import", str(bundle))
    assert "story: 1" in imported and "story_slide: 2" in imported

    target = start_server(target_home, {k: v for k, v in env.items() if k == "FIGTRAIL_DATABASE_URL"})
    try:
        # the owner came along without a usable password: read the story through its share link
        anonymous = Api(target, requests.Session(), "", "")
        again = anonymous.ok(f"story/{story['api_id']}/")
        assert again["title"] == story["title"] and again["summary"] == story["summary"]
        assert again["provider"] == "offline" and again["task"] is None
        assert [slide["revision"] for slide in again["slides"]] == [first["api_id"], second["api_id"]]
        assert [slide["description"] for slide in again["slides"]] == [
            slide["description"] for slide in story["slides"]
        ]
        for slide in again["slides"]:
            image = anonymous.session.get(target.url + slide["image_url"], timeout=30)
            assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    finally:
        stop_server(target)
