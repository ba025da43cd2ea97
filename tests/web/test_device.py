"""``/device``, the page where a signed-in user approves a device sign-in (``web/views/device.py``), over
HTTPS: signed out it sends the visitor to sign in and back with the code; each state of a code has its
own message; approving and denying are POSTs with the CSRF token, then a redirect back to the page; wrong
codes are throttled per user (FIGTRAIL_LOGIN_RATE, 5/min on this server)."""

from __future__ import annotations

import html
from urllib.parse import quote

import pytest
import requests

from tests.conftest import stop_server
from tests.tls import tls_server
from tests.web.helpers import csrf_token, web_session


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = tls_server(tmp_path_factory.mktemp("figtrail-tls"), {"FIGTRAIL_LOGIN_RATE": "5/min"})
    yield started
    stop_server(started)


@pytest.fixture
def browser(server):
    person = server.user()
    return web_session(server, person.username, person.password)


def new_code(server) -> str:
    started = requests.post(
        server.url + "/oauth/device/code",
        json={"client_id": "figtrail-cli"},
        verify=server.verify,
        timeout=30,
    )
    assert started.status_code == 200, started.text
    return started.json()["user_code"]


def open_page(server, browser, user_code: str | None = None) -> requests.Response:
    params = {"user_code": user_code} if user_code is not None else None
    return browser.get(server.url + "/device", params=params, timeout=30)


def press(server, browser, user_code: str, decision: str) -> requests.Response:
    page = open_page(server, browser, user_code)
    return browser.post(
        server.url + "/device",
        data={"user_code": user_code, "decision": decision, "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": server.url + "/device"},
        allow_redirects=False,
        timeout=30,
    )


def test_signed_out_it_sends_the_visitor_to_sign_in_and_back(server):
    response = requests.get(
        server.url + "/device?user_code=BCDF-GHJK", verify=server.verify, allow_redirects=False, timeout=30
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin?next=" + quote("/device?user_code=BCDF-GHJK")


def test_the_code_entry_form(server, browser):
    page = open_page(server, browser)
    assert page.status_code == 200 and 'id="device-entry"' in page.text


def test_a_pending_code_shows_who_asks_and_what_to_press(server, browser):
    code = new_code(server)
    page = open_page(server, browser, code.lower().replace("-", " "))  # as typed: any case, any separator
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert code in text and "gfconfig" in text and "figtrail-cli" in text and "127.0.0.1" in text
    assert 'id="device-approve"' in page.text and 'id="device-deny"' in page.text


def test_approving_redirects_back_and_says_so(server, browser):
    code = new_code(server)
    answer = press(server, browser, code, "approve")
    assert answer.status_code == 302 and answer.headers["Location"] == f"/device?user_code={code}"
    after = browser.get(server.url + answer.headers["Location"], timeout=30)
    assert "go back to your terminal" in after.text and "You approved this sign-in" in after.text
    assert 'id="device-approve"' not in after.text
    # another user with the code learns only that it is used
    other = server.user()
    page = open_page(server, web_session(server, other.username, other.password), code)
    assert "already been used" in page.text and 'id="device-approve"' not in page.text
    # and pressing again changes nothing
    again = press(server, browser, code, "deny")
    assert "already been used" in browser.get(server.url + again.headers["Location"], timeout=30).text


def test_denying_redirects_back_and_says_so(server, browser):
    code = new_code(server)
    answer = press(server, browser, code, "deny")
    assert answer.status_code == 302
    after = browser.get(server.url + answer.headers["Location"], timeout=30)
    assert "You denied this sign-in" in after.text


def test_a_post_without_the_csrf_token_is_refused(server, browser):
    code = new_code(server)
    answer = browser.post(
        server.url + "/device",
        data={"user_code": code, "decision": "approve"},
        headers={"Referer": server.url + "/device"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 403
    assert 'id="device-approve"' in open_page(server, browser, code).text  # still pending


def test_an_unknown_code_and_too_many_of_them(server, browser):
    page = open_page(server, browser, "BCDF-GHJK")
    assert page.status_code == 404 and "No sign-in request has this code" in page.text
    for _ in range(4):  # 5 wrong codes a minute at most on this server
        assert open_page(server, browser, "not a code").status_code == 404
    throttled = open_page(server, browser, "BCDF-GHJK")
    assert throttled.status_code == 429 and "Too many wrong sign-in codes" in throttled.text
