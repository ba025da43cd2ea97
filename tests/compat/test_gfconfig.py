"""The official Python client's sign-in wizard, ``gfconfig``, against figtrail over real HTTPS, as a user
runs it: it reads the device sign-in from ``info/``, prints a code and the ``/device`` link, waits; the
user approves the code in a signed-in browser session; the wizard then makes an API key, asks for a
default workspace and writes its ``.gofigr``, which must hold a key that works against the API.

The wizard runs unchanged (``gofigr.gfconfig.main``) in its own process, with scripted answers on its
standard input, no browser (BROWSER=true) and the server's certificate trusted through
REQUESTS_CA_BUNDLE (``tests/tls.py``).
"""

from __future__ import annotations

import json
import sys

import pytest
import requests

from tests.conftest import stop_server
from tests.tls import Wizard, approve_in_the_browser, client_env, tls_server

GFCONFIG = [sys.executable, "-u", "-c", "import sys, gofigr.gfconfig as g; g.main(sys.argv[1:])"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = tls_server(tmp_path_factory.mktemp("figtrail-tls"))
    yield started
    stop_server(started)


def test_gfconfig_signs_in_through_the_device_page_and_writes_a_working_key(server, tmp_path):
    person = server.user()
    wizard = Wizard(
        [*GFCONFIG, "--url", server.url, "-c", str(tmp_path)],
        "\n"  # Enter: generate a new API key
        "laptop (gfconfig)\n"  # its name
        "\n",  # the default workspace: the primary one
        client_env(server, HOME=str(tmp_path)),
    )
    user_code = wizard.user_code()
    assert f"{server.url}/device?user_code={user_code}" in wizard.text
    done = approve_in_the_browser(server, person, user_code)
    assert "You approved this sign-in" in done
    assert wizard.finish() == 0, wizard.text
    assert "Authenticated successfully" in wizard.text and "Configuration saved" in wizard.text

    config = json.loads((tmp_path / ".gofigr").read_text())
    assert config["url"] == server.url
    api = requests.Session()
    api.trust_env = False
    api.verify = server.verify
    api.headers["Authorization"] = f"Token {config['api_key']}"
    me = api.get(server.api + "user/", timeout=30)
    assert me.status_code == 200 and me.json()[0]["username"] == person.username
    workspace = api.get(server.api + f"workspace/{config['workspace']}/", timeout=30)
    assert workspace.status_code == 200, workspace.text
    keys = person.session.get(server.api + "api_key/", timeout=30).json()
    assert [key["name"] for key in keys] == ["laptop (gfconfig)"]


def test_gfconfig_stops_when_the_user_denies(server, tmp_path):
    person = server.user()
    wizard = Wizard(
        [*GFCONFIG, "--url", server.url, "-c", str(tmp_path)], "", client_env(server, HOME=str(tmp_path))
    )
    done = approve_in_the_browser(server, person, wizard.user_code(), decision="deny")
    assert "You denied this sign-in" in done
    assert wizard.finish() != 0
    assert "Authorization was denied" in wizard.text
    assert not (tmp_path / ".gofigr").exists()


def test_gfconfig_says_it_cannot_sign_in_to_a_server_without_https(live_server, tmp_path):
    """Plain HTTP (no https FIGTRAIL_PUBLIC_URL): info/ advertises nothing, and the wizard says so."""
    wizard = Wizard([*GFCONFIG, "--url", live_server.url, "-c", str(tmp_path)], "", client_env(live_server))
    assert wizard.finish() == 1
    assert "Could not fetch Auth0 configuration" in wizard.text
