"""``figtrail serve --certfile --keyfile``: HTTPS from gunicorn itself (a live one in ``tests/tls.py``,
used by the device sign-in tests); here, what it says when the two are not given right."""

from __future__ import annotations

import subprocess

from tests.conftest import FIGTRAIL


def serve(*args: str, home) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FIGTRAIL, "serve", "--port", "1", *args],
        env={"PATH": "/usr/bin:/bin", "FIGTRAIL_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_certificate_needs_its_key(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("not read")
    done = serve("--certfile", str(cert), home=tmp_path)
    assert done.returncode == 2  # a CliError
    assert "--certfile and --keyfile go together" in done.stderr + done.stdout


def test_a_missing_file_is_named(tmp_path):
    done = serve("--certfile", str(tmp_path / "no.pem"), "--keyfile", str(tmp_path / "no.key"), home=tmp_path)
    assert done.returncode == 2  # a CliError
    assert f"No such file: {tmp_path / 'no.pem'}" in done.stderr + done.stdout
