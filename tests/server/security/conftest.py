"""A second server with tight limits: small request bodies and few failed sign-ins per minute."""

from __future__ import annotations

import pytest

from tests.conftest import start_server, stop_server

MAX_BODY_BYTES = 64 * 1024
LOGIN_RATE = 5  # failed sign-ins per minute per address and username


@pytest.fixture(scope="session")
def strict_server(tmp_path_factory):
    server = start_server(
        tmp_path_factory.mktemp("figtrail-strict"),
        {"FIGTRAIL_MAX_BODY_BYTES": str(MAX_BODY_BYTES), "FIGTRAIL_LOGIN_RATE": f"{LOGIN_RATE}/min"},
    )
    yield server
    stop_server(server)
