"""Servers with other settings than ``live_server``'s, shared by the security tests of a session:

- ``strict_server``: small request bodies and few failed sign-ins per minute;
- ``public_server``: ``FIGTRAIL_PUBLIC_URL`` on https (links, secure cookies, HSTS), mail to files;
- ``unconfigured_server``: no ``FIGTRAIL_PUBLIC_URL`` and any ``Host`` accepted (the defaults), mail to
  files;
- ``pinned_server``: no ``FIGTRAIL_PUBLIC_URL`` but ``FIGTRAIL_ALLOWED_HOSTS`` naming the hosts,
  ``127.0.0.1`` and :data:`PINNED_NAME` (Django refuses any other ``Host``).
"""

from __future__ import annotations

import pytest

from tests.conftest import start_server, stop_server

MAX_BODY_BYTES = 64 * 1024
LOGIN_RATE = 5  # failed sign-ins per minute per address and username
PUBLIC_URL = "https://figs.example.org"
PINNED_NAME = "figs.internal"


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory):
    server = start_server(
        tmp_path_factory.mktemp("figtrail-strict"),
        {"FIGTRAIL_MAX_BODY_BYTES": str(MAX_BODY_BYTES), "FIGTRAIL_LOGIN_RATE": f"{LOGIN_RATE}/min"},
    )
    yield server
    stop_server(server)


def _mail_server(tmp_path_factory, name: str, extra: dict[str, str]):
    maildir = tmp_path_factory.mktemp(f"{name}-mail")
    env = {"FIGTRAIL_EMAIL_BACKEND": "file", "FIGTRAIL_EMAIL_FILE_PATH": str(maildir), **extra}
    server = start_server(tmp_path_factory.mktemp(f"{name}-home"), env)
    server.maildir = maildir
    return server


@pytest.fixture(scope="session")
def public_server(tmp_path_factory):
    server = _mail_server(tmp_path_factory, "public-url", {"FIGTRAIL_PUBLIC_URL": PUBLIC_URL})
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def unconfigured_server(tmp_path_factory):
    server = _mail_server(tmp_path_factory, "no-public-url", {"FIGTRAIL_PUBLIC_URL": ""})
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def pinned_server(tmp_path_factory):
    server = _mail_server(
        tmp_path_factory,
        "pinned-host",
        {"FIGTRAIL_PUBLIC_URL": "", "FIGTRAIL_ALLOWED_HOSTS": f"127.0.0.1,{PINNED_NAME}"},
    )
    yield server
    stop_server(server)
