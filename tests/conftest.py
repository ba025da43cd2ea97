"""The one fixture the whole suite stands on: a real figtrail server on a random port.

Each pytest worker starts ``figtrail serve`` once, with a fresh FIGTRAIL_HOME, and tests talk to it over
real HTTP. Users are made with the real CLI (``figtrail user add``), through one helper,
``LiveServer.user()``: every suite's own user type (``Api``, the client tests' ``Account``, the compat
tests' ``Account``) is built on the ``LiveUser`` it returns.

The markers ``browser``, ``kernel`` and ``postgres`` (registered in pyproject.toml) and ``venv``
(registered below) are set here, at collection, from what a test uses; ``make test-fast`` leaves the
first three out.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

FIGTRAIL = str(Path(sys.executable).with_name("figtrail"))
API = "/api/v1.4.1/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveUser:
    """A user made on a live server and signed in: a requests session carrying a fresh JWT."""

    server: LiveServer
    username: str
    password: str
    session: requests.Session

    def api_key(self, name: str = "tests") -> str:
        """A new API key of this user's; its token (the server shows it once)."""
        created = self.session.post(self.server.api + "api_key/", json={"name": name}, timeout=60)
        created.raise_for_status()
        return created.json()["token"]


@dataclass
class LiveServer:
    """A running server: its URL, its environment, and helpers to make users and sign in."""

    url: str
    home: Path
    env: dict[str, str]
    process: subprocess.Popen | None = None
    _counter: int = field(default=0)
    verify: str | bool = True  # what requests trusts: the CA file of a server started with ``tls``
    serve_args: tuple[str, ...] = ()  # given to `figtrail serve` again on a restart

    @property
    def api(self) -> str:
        return self.url + API

    def new_session(self) -> requests.Session:
        """A requests session trusting this server (its own certificate, for one started with ``tls``)."""
        session = requests.Session()
        if self.verify is not True:
            session.verify = self.verify
            session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over verify
        return session

    @property
    def secret_key(self) -> str:
        return self.env["FIGTRAIL_SECRET_KEY"]

    def add_user(self, username: str | None = None, password: str | None = None) -> tuple[str, str]:
        """Create a user through the CLI; returns (username, password)."""
        self._counter += 1
        username = username or f"user{self._counter}_{secrets.token_hex(3)}"
        password = password or "pw-" + secrets.token_urlsafe(12)
        done = subprocess.run(
            [FIGTRAIL, "user", "add", username, "--email", f"{username}@example.org", "--password-stdin"],
            input=password + "\n",
            text=True,
            env=self.env,
            capture_output=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"figtrail user add {username} failed:\n{done.stdout}{done.stderr}")
        return username, password

    def login(self, username: str, password: str) -> requests.Session:
        """A requests session carrying a fresh JWT for the user."""
        response = requests.post(
            self.url + "/api/token/", data={"username": username, "password": password}, verify=self.verify
        )
        response.raise_for_status()
        session = self.new_session()
        session.headers["Authorization"] = f"Bearer {response.json()['access']}"
        return session

    def user(self, username: str | None = None, password: str | None = None) -> LiveUser:
        """The one way tests make a user on a live server: ``figtrail user add``, then sign in."""
        username, password = self.add_user(username, password)
        return LiveUser(self, username, password, self.login(username, password))

    def sign_in(self, username: str, password: str) -> LiveUser:
        """A user this server already has (made on a server sharing its database, or imported), signed in."""
        return LiveUser(self, username, password, self.login(username, password))


def fresh_database_url() -> dict[str, str]:
    """On the PostgreSQL run (FIGTRAIL_TEST_DATABASE_URL set), a new empty database for one server."""
    admin_url = os.environ.get("FIGTRAIL_TEST_DATABASE_URL")
    if not admin_url:
        return {}
    import psycopg

    name = f"figtrail_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return {"FIGTRAIL_DATABASE_URL": admin_url.rsplit("/", 1)[0] + "/" + name}


def start_server(
    home: Path,
    extra_env: dict[str, str] | None = None,
    tls: tuple[Path, Path] | None = None,
    port: int | None = None,
) -> LiveServer:
    """``tls``: a (certificate, key) pair of PEM files: `figtrail serve --certfile --keyfile`, served as
    ``https://localhost:<port>`` and trusted (``LiveServer.verify``) through that certificate."""
    port = port or free_port()
    env = {
        **os.environ,
        **fresh_database_url(),
        "FIGTRAIL_HOME": str(home),
        "FIGTRAIL_SECRET_KEY": secrets.token_urlsafe(40),
        "FIGTRAIL_WORKERS": "2",
        "FIGTRAIL_THREADS": "4",
        **(extra_env or {}),
    }
    log = open(home / "server.log", "ab")  # noqa: SIM115 - closed with the process
    serve_args = ("--certfile", str(tls[0]), "--keyfile", str(tls[1])) if tls else ()
    process = subprocess.Popen(
        [FIGTRAIL, "serve", "--port", str(port), *serve_args], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"
    server = LiveServer(
        url=url,
        home=home,
        env=env,
        process=process,
        verify=str(tls[0]) if tls else True,
        serve_args=serve_args,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"figtrail serve exited early:\n{(home / 'server.log').read_text()}")
        try:
            if requests.get(server.api + "info/", timeout=1, verify=server.verify).status_code == 200:
                return server
        except requests.RequestException:  # not listening yet, or too busy to answer within the timeout
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"figtrail serve did not start:\n{(home / 'server.log').read_text()}")


def stop_server(server: LiveServer) -> None:
    if server.process and server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("figtrail-home"))
    yield server
    stop_server(server)


@pytest.fixture
def alice(live_server) -> LiveUser:
    """A fresh signed-in user."""
    return live_server.user()


def restart_server(server: LiveServer, timeout: float = 60) -> LiveServer:
    """Start a stopped server again on the same port, home and secret key (a server coming back)."""
    port = server.url.rsplit(":", 1)[1]
    log = open(server.home / "server.log", "ab")  # noqa: SIM115 - closed with the process
    server.process = subprocess.Popen(
        [FIGTRAIL, "serve", "--port", port, *server.serve_args],
        env=server.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"figtrail serve exited early:\n{(server.home / 'server.log').read_text()}")
        try:
            if requests.get(server.api + "info/", timeout=1, verify=server.verify).status_code == 200:
                return server
        except requests.RequestException:  # not listening yet, or too busy to answer within the timeout
            time.sleep(0.2)
    server.process.kill()
    raise RuntimeError(f"figtrail serve did not restart:\n{(server.home / 'server.log').read_text()}")


@dataclass
class Virtualenv:
    """A new virtualenv (``python -m venv``) in the test's temporary folder; packages come from the
    configured index (pip's own settings), as on a fresh machine."""

    path: Path

    @property
    def parent(self) -> Path:
        return self.path.parent

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def install(self, requirements: Path, timeout: float = 900) -> Path:
        """``pip install -r requirements``; returns the virtualenv's python."""
        done = subprocess.run(
            [str(self.python), "-m", "pip", "install", "-q", "-r", str(requirements)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pip install -r {requirements} failed:\n{done.stdout}{done.stderr}")
        return self.python


@pytest.fixture
def new_virtualenv(tmp_path) -> Virtualenv:
    """A fresh virtualenv: the tests using it install packages (a minute or more) and are marked ``venv``."""
    path = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    return Virtualenv(path)


# ---- markers: which tests need a browser, a Jupyter kernel, a new virtualenv or PostgreSQL ----

TESTS = Path(__file__).parent
KERNEL_TESTS = (TESTS / "jupyter", TESTS / "compat" / "test_jupyter.py")  # nbclient kernels; an IPython shell
SERVER_HELPERS = (start_server, fresh_database_url)  # who uses one has a server or a database of its own


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "venv: makes a new virtualenv and installs packages into it (the `new_virtualenv` fixture)"
    )


def pytest_collection_modifyitems(config, items) -> None:
    """``browser``: uses the ``browser`` fixture. ``kernel``: under KERNEL_TESTS or uses ``kernels_dir``.
    ``venv``: uses ``new_virtualenv`` (installs packages from the index). ``postgres``: on the PostgreSQL
    run (FIGTRAIL_TEST_DATABASE_URL set), every test that has a database."""
    on_postgres = bool(os.environ.get("FIGTRAIL_TEST_DATABASE_URL"))
    for item in items:
        path = Path(str(item.path))
        fixtures = set(getattr(item, "fixturenames", ()))
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "new_virtualenv" in fixtures:
            item.add_marker(pytest.mark.venv)
        in_kernel_tests = any(path == kernel or kernel in path.parents for kernel in KERNEL_TESTS)
        if in_kernel_tests or "kernels_dir" in fixtures:
            item.add_marker(pytest.mark.kernel)
        if on_postgres and uses_a_database(item):
            item.add_marker(pytest.mark.postgres)


def uses_a_database(item) -> bool:
    """The test, or a fixture it uses, is defined where a server is started (``live_server`` included)."""
    functions = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for definitions in info.name2fixturedefs.values() if info else ():
        functions += [definition.func for definition in definitions]
    names = [value for f in functions if f is not None for value in getattr(f, "__globals__", {}).values()]
    return any(value is helper for value in names for helper in SERVER_HELPERS)  # `is`: some refuse ==
