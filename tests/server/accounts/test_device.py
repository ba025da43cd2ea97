"""Device sign-in (``accounts/device.py``, RFC 8628) over real HTTPS, as the official clients'
``gfconfig`` speaks it: ``info/`` advertises it, ``/oauth/device/code`` starts it, the user approves at
``/device`` (a signed-in web session, CSRF token and all) and ``/oauth/token`` answers the polls. Each
refusal is checked by its JSON body, ``{"error", "error_description"}``."""

from __future__ import annotations

import subprocess
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import FIGTRAIL, stop_server
from tests.tls import tls_server, write_db
from tests.web.helpers import csrf_token, web_session

CLIENT_ID = "figtrail-cli"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = tls_server(tmp_path_factory.mktemp("figtrail-tls"))
    yield started
    stop_server(started)


@pytest.fixture
def person(server):
    return server.user()


def info(server) -> dict:
    response = requests.get(server.api + "info/", verify=server.verify, timeout=30)
    assert response.status_code == 200
    return response.json()


def start(server, **body) -> requests.Response:
    config = info(server)
    payload = {"client_id": config["auth0_cli_client_id"], "audience": config["auth0_audience"]}
    payload["scope"] = "openid email profile"
    return requests.post(
        f"https://{config['auth0_domain']}/oauth/device/code",
        json={**payload, **body},
        verify=server.verify,
        timeout=30,
    )


def poll(server, device_code: str, **body) -> requests.Response:
    domain = info(server)["auth0_domain"]
    payload = {"grant_type": GRANT, "client_id": CLIENT_ID, "device_code": device_code, **body}
    return requests.post(f"https://{domain}/oauth/token", json=payload, verify=server.verify, timeout=30)


def refused(response: requests.Response, error: str) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error, body
    assert body["error_description"], body
    return body["error_description"]


def decide(server, person, user_code: str, decision: str = "approve") -> requests.Response:
    """What the user does in the browser: open /device?user_code=, press Approve (or Deny)."""
    session = web_session(server, person.username, person.password)
    page = session.get(server.url + "/device", params={"user_code": user_code}, timeout=30)
    assert page.status_code == 200, page.text[:500]
    answer = session.post(
        server.url + "/device",
        data={"user_code": user_code, "decision": decision, "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": server.url + "/device"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    return answer


def test_info_advertises_the_device_sign_in_on_https(server):
    config = info(server)
    assert config["auth0_domain"] == urlsplit(server.url).netloc  # localhost:<port>
    assert config["auth0_cli_client_id"] == CLIENT_ID
    assert config["auth0_audience"] == server.url


def test_info_leaves_it_out_without_an_https_public_url(live_server):
    config = requests.get(live_server.api + "info/", timeout=30).json()
    assert not {"auth0_domain", "auth0_cli_client_id", "auth0_audience"} & set(config)


def test_device_code_answers_what_the_clients_read(server):
    response = start(server)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert len(body["device_code"]) >= 40
    letters = body["user_code"].replace("-", "")
    assert body["user_code"][4] == "-" and len(letters) == 8 and set(letters) <= set("BCDFGHJKLMNPQRSTVWXZ")
    assert body["verification_uri"] == server.url + "/device"
    assert body["verification_uri_complete"] == f"{server.url}/device?user_code={body['user_code']}"
    assert body["expires_in"] == 600 and body["interval"] == 5


def test_form_encoded_requests_work_too(server):
    """RFC 8628 clients send form-encoded bodies; the official ones JSON."""
    domain = info(server)["auth0_domain"]
    started = requests.post(
        f"https://{domain}/oauth/device/code", data={"client_id": CLIENT_ID}, verify=server.verify, timeout=30
    )
    assert started.status_code == 200, started.text
    answer = requests.post(
        f"https://{domain}/oauth/token",
        data={"grant_type": GRANT, "client_id": CLIENT_ID, "device_code": started.json()["device_code"]},
        verify=server.verify,
        timeout=30,
    )
    refused(answer, "authorization_pending")


def test_an_unknown_client_id_is_refused(server):
    assert "figtrail-cli" in refused(start(server, client_id="someone-else"), "invalid_client")
    started = start(server).json()
    refused(poll(server, started["device_code"], client_id="someone-else"), "invalid_client")


def test_another_audience_is_refused(server):
    refused(start(server, audience="https://elsewhere.example"), "invalid_request")


def test_pending_then_slow_down_when_polled_faster_than_the_interval(server):
    device_code = start(server).json()["device_code"]
    refused(poll(server, device_code), "authorization_pending")
    assert "5 seconds" in refused(poll(server, device_code), "slow_down")


def test_approved_gives_an_access_token_once(server, person):
    started = start(server).json()
    decide(server, person, started["user_code"])
    answer = poll(server, started["device_code"])
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    api = server.new_session()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"
    me = api.get(server.api + "user/", timeout=30)
    assert me.status_code == 200 and me.json()[0]["username"] == person.username
    key = api.post(server.api + "api_key/", json={"name": "gfconfig"}, timeout=30)
    assert key.status_code == 201, key.text
    # single use: the same device code gives nothing more
    assert "already" in refused(poll(server, started["device_code"]), "invalid_grant")


def test_denied_answers_access_denied(server, person):
    started = start(server).json()
    decide(server, person, started["user_code"], "deny")
    refused(poll(server, started["device_code"]), "access_denied")


def test_past_its_ten_minutes_it_answers_expired_token(server, person):
    started = start(server).json()
    user_code = started["user_code"].replace("-", "")
    assert write_db(
        server,
        "UPDATE accounts_deviceauthorization SET expiry = ? WHERE user_code = ?",
        ("2000-01-01 00:00:00+00:00", user_code),
    )
    refused(poll(server, started["device_code"]), "expired_token")
    # and it can no longer be approved: the page says it expired
    session = web_session(server, person.username, person.password)
    page = session.get(server.url + "/device", params={"user_code": started["user_code"]}, timeout=30)
    assert "expired" in page.text and 'id="device-approve"' not in page.text


def test_an_unknown_device_code_is_invalid_grant(server):
    refused(poll(server, "no-such-device-code"), "invalid_grant")
    refused(poll(server, ""), "invalid_request")


def test_another_grant_type_is_unsupported(server):
    refused(poll(server, "x", grant_type="password"), "unsupported_grant_type")


def test_a_malformed_body_is_invalid_request(server):
    domain = info(server)["auth0_domain"]
    answer = requests.post(
        f"https://{domain}/oauth/token",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        verify=server.verify,
        timeout=30,
    )
    refused(answer, "invalid_request")


def test_a_password_change_after_the_approval_voids_it(server, person):
    started = start(server).json()
    decide(server, person, started["user_code"])
    done = person.session.post(
        server.url + "/api/token/sign_out_everywhere/", timeout=30
    )  # raises the token generation, as a password change does
    assert done.status_code == 200, done.text
    refused(poll(server, started["device_code"]), "access_denied")


def test_a_deactivated_account_cannot_finish(server):
    person = server.user()
    started = start(server).json()
    decide(server, person, started["user_code"])
    done = subprocess.run(
        [FIGTRAIL, "user", "deactivate", person.username], env=server.env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    refused(poll(server, started["device_code"]), "access_denied")


def test_device_routes_take_no_session_and_no_csrf_token(server, person):
    """Posted from a signed-in browser session without a CSRF token they still answer, as JSON: they read
    no cookie (a cross-site form gains nothing: the device code is the credential)."""
    session = web_session(server, person.username, person.password)
    domain = info(server)["auth0_domain"]
    answer = session.post(f"https://{domain}/oauth/device/code", json={"client_id": CLIENT_ID}, timeout=30)
    assert answer.status_code == 200, answer.text


def test_polling_at_the_interval_is_never_slow_down(server):
    device_code = start(server).json()["device_code"]
    refused(poll(server, device_code), "authorization_pending")
    time.sleep(5)
    refused(poll(server, device_code), "authorization_pending")
