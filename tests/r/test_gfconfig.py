"""The official R client's sign-in wizard, ``gofigR::gfconfig()``, against figtrail over real HTTPS, as
an R user runs it: it reads the device sign-in from ``info/``, prints a code and the ``/device`` link and
waits; the user approves the code in a signed-in browser session; the wizard makes an API key, asks for
a default workspace and writes its ``.gofigr``, which must hold a key that works against the API.

R runs interactively (``R --interactive``) with its console on a pipe: the line that calls the wizard,
then the answers its ``readline()`` prompts read (an Rscript's ``readline()`` answers "" at once). httr
trusts the server's certificate as an R user trusts a private CA, ``httr::set_config(httr::config(cainfo
= ...))`` (its libcurl reads neither CURL_CA_BUNDLE nor SSL_CERT_FILE); no browser opens
(R_BROWSER=true). gofigR fixes
where it writes (``CONFIG_PATH``, the home folder of whoever built the package) when it is installed, so
the session points it at the test's folder first. Skipped without R, as ``test_gofigr.py``.
"""

from __future__ import annotations

import json
import os

import pytest
import requests

from tests.conftest import stop_server
from tests.r.test_gofigr import LIBRARY, r_available
from tests.tls import Wizard, approve_in_the_browser, client_env, tls_server

pytestmark = pytest.mark.r


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    missing = r_available()
    if missing:
        if os.environ.get("FIGTRAIL_TEST_R"):
            pytest.fail(f"make test-r: {missing} (scripts/install-r.sh installs both)")
        pytest.skip(f"{missing}: `make test-r` installs R and gofigR and runs this")
    started = tls_server(tmp_path_factory.mktemp("figtrail-tls"))
    yield started
    stop_server(started)


def r_session(server, config_path, answers: list[str]) -> str:
    """What R's console reads: one line that points gofigR at ``config_path`` and runs the wizard, then
    the answers."""
    call = (
        "suppressPackageStartupMessages(library(gofigR)); "
        f"httr::set_config(httr::config(cainfo = '{server.verify}')); "
        f"utils::assignInNamespace('CONFIG_PATH', '{config_path}', 'gofigR'); "
        f"gofigR::gfconfig(url = '{server.url}')"
    )
    return "\n".join([call, *answers, "quit(save = 'no', status = 0)", ""])


def test_gfconfig_signs_in_through_the_device_page_and_writes_a_working_key(server, tmp_path):
    person = server.user()
    config_path = tmp_path / ".gofigr"
    wizard = Wizard(
        ["R", "--interactive", "--no-save", "--no-restore", "--quiet"],
        r_session(
            server,
            config_path,
            [
                "",  # Enter: generate a new API key
                "laptop (gofigR)",  # its name
                "1",  # the first workspace: a new user has one, their own
            ],
        ),
        client_env(server, HOME=str(tmp_path), R_LIBS_USER=str(LIBRARY)),
        cwd=tmp_path,
    )
    user_code = wizard.user_code()
    assert f"{server.url}/device?user_code={user_code}" in wizard.text
    assert "You approved this sign-in" in approve_in_the_browser(server, person, user_code)
    assert wizard.finish(timeout=180) == 0, wizard.text
    assert "Configuration saved" in wizard.text, wizard.text

    config = json.loads(config_path.read_text())
    assert config["url"] == server.url
    api = requests.Session()
    api.trust_env = False
    api.verify = server.verify
    api.headers["Authorization"] = f"Token {config['api_key']}"
    me = api.get(server.api + "user/", timeout=30)
    assert me.status_code == 200 and me.json()[0]["username"] == person.username
    assert api.get(server.api + f"workspace/{config['workspace']}/", timeout=30).status_code == 200
    keys = person.session.get(server.api + "api_key/", timeout=30).json()
    assert [key["name"] for key in keys] == ["laptop (gofigR)"]
