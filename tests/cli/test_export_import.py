"""``figtrail export`` / ``figtrail import``: a populated server survives a round trip into a fresh one.

The source server is filled through the real REST API, stopped, exported; the bundle is imported into a
fresh home (and, on the PostgreSQL run, a fresh database), a server is started on it and everything is
checked over HTTP, payloads byte for byte.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess

import pytest
import requests

from tests.conftest import FIGTRAIL, fresh_database_url, start_server, stop_server
from tests.server.helpers import Api, data_item, new_user, png_bytes, refusal


def cli(env: dict, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([FIGTRAIL, *args], env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def fresh_env(home) -> dict:
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "FIGTRAIL_HOME": str(home), **fresh_database_url()}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A stopped server holding a populated workspace, and what was put into it."""
    server = start_server(tmp_path_factory.mktemp("export-source"))
    try:
        owner, colleague = new_user(server), new_user(server)
        workspace = owner.workspace()
        added = owner.post(
            f"workspace/{workspace['api_id']}/members/add/",
            {"username": colleague.username, "membership_type": "creator"},
        )
        assert added.status_code == 200, added.text
        analysis = owner.analysis(workspace["api_id"])
        figure = owner.figure(analysis["api_id"])
        other = colleague.figure(analysis["api_id"])
        payloads = {
            "image": png_bytes(160, 90),
            "code": b"import matplotlib\nplt.plot([1, 2, 3])\n",
            "table": b"a,b\n1,2\n3,4\n",
            "file": os.urandom(20_000),
            "v1": b"x,y\n1,1\n",
            "v2": b"x,y\n1,1\n2,4\n",
        }
        asset = owner.asset(workspace["api_id"], analysis_id=analysis["api_id"])
        asset_revs = [owner.asset_revision(asset["api_id"], payloads[k]) for k in ("v1", "v2")]
        prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]
        revisions = [
            owner.revision(
                figure["api_id"],
                data_item(payloads["image"], "image", "plot", format="png"),
                data_item(payloads["code"], "code", "source", language="python"),
                short_id=f"{prefix}0",
            ),
            owner.revision(
                figure["api_id"],
                data_item(payloads["table"], "dataframe", "table", format="csv"),
                data_item(payloads["file"], "file", "raw.bin"),
                short_id=f"{prefix}1",
                assets=[
                    {"use_type": "direct", "figure_revision": None, "asset_revision": a["api_id"]}
                    for a in asset_revs
                ],
            ),
            colleague.revision(other["api_id"], data_item(payloads["code"], "code", "shared bytes")),
        ]
        comment = owner.created(
            "comment/", {"target_type": "figure", "target_id": figure["api_id"], "content": "Good **plot**"}
        )
        reply = colleague.created(
            "comment/",
            {
                "target_type": "figure",
                "target_id": figure["api_id"],
                "content": "Agreed",
                "parent": comment["api_id"],
            },
        )
        reacted = colleague.post(f"comment/{comment['api_id']}/reactions/", {"emoji": "👍"})
        assert reacted.status_code in (200, 201), reacted.text
        shared = owner.post(f"figure/{figure['api_id']}/share/link/", {"enabled": True})
        assert shared.status_code == 200, shared.text
        expected = {
            "workspace": owner.ok(f"workspace/{workspace['api_id']}/"),
            "figure": owner.ok(f"figure/{figure['api_id']}/"),
            "revisions": [owner.ok(f"revision/{r['api_id']}/") for r in revisions],
            "asset_revisions": [owner.ok(f"asset_revision/{a['api_id']}/") for a in asset_revs],
            "comments": owner.ok(f"comment/?target_type=figure&target_id={figure['api_id']}"),
            "bytes": {
                item["api_id"]: base64.b64decode(owner.ok(f"data/{item['api_id']}/")["data"])
                for r in revisions + asset_revs
                for item in r["data"]
            },
        }
        assert reply["parent"] == comment["api_id"]
    finally:
        stop_server(server)
    return {"server": server, "owner": owner, "colleague": colleague, "expected": expected}


def test_all_round_trip_into_a_fresh_server(source, tmp_path):
    bundle = tmp_path / "bundle"
    out = cli(source["server"].env, "export", "--all", str(bundle)).stdout
    assert "exported to" in out and (bundle / "manifest.json").is_file()
    expected = source["expected"]
    assert len(list((bundle / "blobs").iterdir())) == len(set(expected["bytes"].values()))

    env = fresh_env(tmp_path / "target")
    imported = cli(env, "import", str(bundle)).stdout
    assert "revision: 3" in imported and "comment: 2" in imported and "reaction: 1" in imported
    assert f"blobs: {len(set(expected['bytes'].values()))}" in imported

    db = {k: v for k, v in env.items() if k == "FIGTRAIL_DATABASE_URL"}
    target = start_server(tmp_path / "target", db)
    try:
        owner = source["owner"]
        # passwords came along: both users sign in with what they had
        me = Api.of(target.sign_in(owner.username, owner.password))
        target.login(source["colleague"].username, source["colleague"].password)
        workspace = me.ok(f"workspace/{expected['workspace']['api_id']}/")
        assert workspace["size_bytes"] == expected["workspace"]["size_bytes"] > 0
        assert workspace["name"] == expected["workspace"]["name"]
        figure = me.ok(f"figure/{expected['figure']['api_id']}/")
        assert figure["size_bytes"] == expected["figure"]["size_bytes"]
        for before in expected["revisions"]:
            after = me.ok(f"revision/{before['api_id']}/")
            for key in ("revision_index", "short_id", "size_bytes", "created_on", "figure", "metadata"):
                assert after[key] == before[key], key
            assert [a["asset_revision"] for a in after["assets"]] == [
                a["asset_revision"] for a in before["assets"]
            ]
            assert [(d["api_id"], d["size_bytes"], d["name"]) for d in after["data"]] == [
                (d["api_id"], d["size_bytes"], d["name"]) for d in before["data"]
            ]
        assert len(expected["revisions"][1]["assets"]) == 2
        for before in expected["asset_revisions"]:
            after = me.ok(f"asset_revision/{before['api_id']}/")
            assert (after["revision_index"], after["size_bytes"]) == (
                before["revision_index"],
                before["size_bytes"],
            )
        for data_id, payload in expected["bytes"].items():
            assert base64.b64decode(me.ok(f"data/{data_id}/")["data"]) == payload
        comments = me.ok(f"comment/?target_type=figure&target_id={figure['api_id']}")
        assert [(c["api_id"], c["parent"], c["content"]) for c in comments] == [
            (c["api_id"], c["parent"], c["content"]) for c in expected["comments"]
        ]
        assert [c["reactions"] for c in comments] == [c["reactions"] for c in expected["comments"]]
        # the link share still opens the figure to anyone
        anonymous = requests.get(f"{target.api}figure/{figure['api_id']}/", timeout=30)
        assert anonymous.status_code == 200
        # the short ids stay resolvable and new revisions number on from the imported ones
        made = me.revision(figure["api_id"], data_item(b"after the move"))
        assert made["revision_index"] == 2
    finally:
        stop_server(target)

    # the same ids again: refused with a clear message and nothing changed, or skipped on request
    refused = cli(env, "import", str(bundle), ok=False)
    assert refused.returncode == 2 and "already exist on this server" in refused.stderr
    assert "--skip-existing" in refused.stderr
    skipped = cli(env, "import", "--skip-existing", str(bundle)).stdout
    assert "revision: 0 (3 existing, kept)" in skipped


def test_workspace_bundle_tampered_then_clean(source, tmp_path):
    workspace_id = source["expected"]["workspace"]["api_id"]
    bundle = tmp_path / "ws"
    cli(source["server"].env, "export", "--workspace", workspace_id, str(bundle))
    rows = (bundle / "rows").iterdir()
    text = "\n".join(path.read_text() for path in rows)
    assert "pbkdf2" not in text and "argon2" not in text  # no password hashes in a workspace bundle

    tampered = tmp_path / "tampered"
    shutil.copytree(bundle, tampered)
    victim = sorted((tampered / "blobs").iterdir())[0]
    victim.write_bytes(victim.read_bytes() + b"!")
    env = fresh_env(tmp_path / "target")
    failed = cli(env, "import", str(tampered), ok=False)
    assert failed.returncode == 2
    assert f"blob {victim.name} in the bundle is damaged" in failed.stderr
    assert "nothing was imported" in failed.stderr
    blob_dir = tmp_path / "target" / "blobs"
    assert not blob_dir.exists() or not any(p.is_file() for p in blob_dir.rglob("*"))

    # nothing half-stored: the clean bundle then goes in without a single conflict
    done = cli(env, "import", str(bundle)).stdout
    assert "revision: 3" in done and "user: 2" in done and "existing" not in done
    target = start_server(tmp_path / "target", {k: v for k, v in env.items() if k == "FIGTRAIL_DATABASE_URL"})
    try:
        owner = source["owner"]
        login = requests.post(
            target.url + "/api/token/", data={"username": owner.username, "password": owner.password}
        )
        # users made by a workspace import have no usable password
        assert refusal(login, 401) == "No active account found with the given credentials"
    finally:
        stop_server(target)
