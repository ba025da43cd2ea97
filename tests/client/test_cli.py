"""``figtrail config`` and ``figtrail outbox list | flush``, run as a user would run them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FIGTRAIL = str(Path(sys.executable).with_name("figtrail"))


def run(args: list[str], env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [FIGTRAIL, *args], input=stdin, text=True, capture_output=True, env=env, timeout=120
    )


@pytest.fixture
def cli_env(isolated_client):
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(isolated_client),
        "FIGTRAIL_CONFIG": str(isolated_client / "figtrail-config.json"),
        "FIGTRAIL_OUTBOX": str(isolated_client / "outbox"),
    }


def test_config_trades_the_password_for_an_api_key(account, cli_env):
    answers = f"{account.url}\n{account.username}\n{account.password}\n1\n"
    done = run(["config"], cli_env, answers)
    assert done.returncode == 0, done.stderr
    path = Path(cli_env["FIGTRAIL_CONFIG"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert set(saved) == {"url", "api_key", "workspace"}
    assert account.password not in path.read_text()
    [primary] = [w for w in account.get("workspace/") if w["workspace_type"] == "primary"]
    assert saved["workspace"] == primary["api_id"]
    keys = account.get("api_key/")
    assert any(k["name"].startswith("figtrail config on") for k in keys)


def test_config_asks_for_the_password_without_echo_on_a_terminal(account, cli_env):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        FIGTRAIL, ["config", "--url", account.url], env=cli_env, encoding="utf-8", timeout=60
    )
    child.expect("Username: ")
    child.sendline(account.username)
    child.expect("Password: ")
    child.sendline(account.password)
    child.expect(r"Default workspace \[1\]: ")
    child.sendline("")
    child.expect(pexpect.EOF)
    assert account.password not in child.before
    assert json.loads(Path(cli_env["FIGTRAIL_CONFIG"]).read_text())["url"] == account.url


def test_config_refuses_a_wrong_password_in_one_line(account, cli_env):
    done = run(
        ["config", "--url", account.url, "--username", account.username, "--password-stdin"],
        cli_env,
        "nope\n",
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("figtrail: the server refused the username or password")
    )
    assert not Path(cli_env["FIGTRAIL_CONFIG"]).exists()


def test_flush_finishes_and_sends_what_a_crashed_script_left(account, cli_env, tmp_path):
    script = tmp_path / "crash.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            from figtrail import Publisher

            publisher = Publisher(analysis="Crashes")
            publisher._sender.stop()  # the process dies before its sender can do anything
            plt.plot([1, 2]); plt.title("Left behind")
            print(publisher.publish(plt.gcf()).api_id, flush=True)
            os._exit(0)
            """
        )
    )
    env = {**cli_env, "FIGTRAIL_URL": account.url, "FIGTRAIL_API_KEY": account.api_key}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    revision_id = done.stdout.strip()

    listed = run(["outbox", "list"], env)
    assert "capturing" in listed.stdout and "'Left behind'" in listed.stdout
    assert "1 waiting, 0 held" in listed.stdout

    flushed = run(["outbox", "flush"], env)
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert "sent 1;" in flushed.stdout
    stored = account.revision(revision_id)
    formats = {(d["metadata"].get("format"), d["metadata"].get("is_watermarked")) for d in stored["data"]}
    assert {("png", False), ("png", True), ("svg", False)} <= formats
    assert any("finished by another process" in note for note in stored["metadata"]["figtrail_notes"])
    assert "0 waiting, 0 held" in run(["outbox", "list"], env).stdout


def test_flush_without_settings_fails_in_one_line(cli_env):
    done = run(["outbox", "flush"], cli_env)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "figtrail: figtrail is not configured: no server URL or API key. Run `figtrail config`, "
        "or set FIGTRAIL_URL and FIGTRAIL_API_KEY."
    )
