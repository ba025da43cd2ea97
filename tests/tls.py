"""A live server over real HTTPS, for the device sign-in (``accounts/device.py``) that the official
clients' ``gfconfig`` reach at ``https://<host>/oauth/...`` only.

:func:`self_signed` makes a certificate for ``localhost`` and ``127.0.0.1`` with the ``cryptography``
package; :func:`tls_server` starts ``figtrail serve --certfile --keyfile`` with it and
FIGTRAIL_PUBLIC_URL ``https://localhost:<port>``. Tests trust it through ``LiveServer.verify``; the
clients' processes through REQUESTS_CA_BUNDLE (Python requests), as :func:`client_env` sets it; R's
httr reads no variable (its libcurl has a CA file built in), so the R session sets httr's ``cainfo``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.conftest import LiveServer, free_port, start_server
from tests.web.helpers import csrf_token, web_session

CODE = re.compile(r"enter code: ([A-Z]{4}-[A-Z]{4})")  # what both clients print


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files: a self-signed certificate for localhost and 127.0.0.1, its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def tls_server(home: Path, extra_env: dict[str, str] | None = None) -> LiveServer:
    """``figtrail serve`` over HTTPS at ``https://localhost:<port>``, its FIGTRAIL_PUBLIC_URL."""
    cert, key = self_signed(home / "tls")
    port = free_port()
    env = {"FIGTRAIL_PUBLIC_URL": f"https://localhost:{port}", **(extra_env or {})}
    return start_server(home, env, tls=(cert, key), port=port)


def client_env(server: LiveServer, **extra: str) -> dict[str, str]:
    """The environment of an official client's process: trusting the server's certificate, never opening
    a browser (BROWSER=true: Python's webbrowser runs `true`; R's browseURL too)."""
    trust = {"REQUESTS_CA_BUNDLE": server.verify} if server.verify is not True else {}
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GF_", "FIGTRAIL_"))},
        **trust,
        "BROWSER": "true",
        "R_BROWSER": "true",
        **extra,
    }


def write_db(server: LiveServer, sql: str, params: tuple = ()) -> int:
    """Change rows of the server's database (as the clock would: a code past its expiry); ``?``
    placeholders; the number of rows changed."""
    database_url = server.env.get("FIGTRAIL_DATABASE_URL")
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as connection:
            return connection.execute(sql.replace("?", "%s"), params).rowcount
    connection = sqlite3.connect(Path(server.home) / "figtrail.sqlite3", timeout=30)
    try:
        with connection:
            return connection.execute(sql, params).rowcount
    finally:
        connection.close()


class Wizard:
    """A client's ``gfconfig`` running in a subprocess, its answers given on its standard input up front
    (its prompts read them once signed in); its output (both streams) collected line by line."""

    def __init__(self, command: list[str], answers: str, env: dict[str, str], cwd=None) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.process.stdin.write(answers)  # read by the prompts once signed in
        self.process.stdin.close()
        self.output: list[str] = []
        self.code_seen = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            if CODE.search(line):
                self.code_seen.set()

    @property
    def text(self) -> str:
        return "".join(self.output)

    def user_code(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while not self.code_seen.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.reader.join(5)
                raise AssertionError(f"gfconfig printed no code:\n{self.text}")
        return CODE.search(self.text).group(1)

    def finish(self, timeout: float = 120) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"gfconfig did not finish:\n{self.text}") from None
        self.reader.join(10)
        return code


def approve_in_the_browser(server, person, user_code: str, decision: str = "approve") -> str:
    """Open the printed link's page signed in, check what it shows, press the button; the page after."""
    session = web_session(server, person.username, person.password)
    page = session.get(server.url + "/device", params={"user_code": user_code}, timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert user_code in page.text and "gfconfig" in page.text  # which client asks
    answer = session.post(
        server.url + "/device",
        data={"user_code": user_code, "decision": decision, "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": server.url + "/device"},
        timeout=30,
    )
    assert answer.status_code == 200 and answer.url.endswith(f"/device?user_code={user_code}"), answer.url
    return answer.text
