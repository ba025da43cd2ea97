"""Signing in to the web UI over plain HTTP (for tests that need no browser)."""

from __future__ import annotations

import html
import re
import time

import requests

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ERROR_PAGE = re.compile(r"<h1>([^<]*)</h1>\s*<p>([^<]*)</p>")

NO_ROUTE = ("Not found", "There is no page at this address.")  # the app's 404 page where no route matches
FORM_EXPIRED = (  # the message of a form posted without its CSRF token (a 403)
    "This form could not be checked (it may have been open too long). Reload the page and try again."
)


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def error_page(response: requests.Response, status: int) -> tuple[str, str]:
    """What a page that refuses says (web/error.html): checks the status and that it is that HTML page,
    and returns its title and its message ("Not found", "No access", "Form expired" and why)."""
    assert response.status_code == status, response.text[:500]
    assert response.headers.get("Content-Type", "").startswith("text/html"), response.headers
    match = ERROR_PAGE.search(response.text)
    assert match, response.text[:2000]
    return html.unescape(match.group(1)), html.unescape(match.group(2))


def web_session(server, username: str, password: str) -> requests.Session:
    """A requests session carrying the web UI's session cookie, signed in through the form. Over plain
    HTTP even where cookies are marked Secure (a server with an https FIGTRAIL_PUBLIC_URL): the test
    keeps sending them to the loopback address it talks to."""
    session = server.new_session()  # trusting a server started with TLS

    def keep_cookies() -> None:
        for cookie in session.cookies:
            cookie.secure = False

    form = session.get(server.url + "/signin", timeout=30)
    keep_cookies()
    response = session.post(
        server.url + "/signin",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Referer": server.url + "/signin"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    keep_cookies()
    return session


def post_form(session: requests.Session, server, path: str, data: dict) -> requests.Response:
    """POST a form the way a browser does: with the CSRF token from the page it is on."""
    page = session.get(server.url + path, timeout=30)
    return session.post(
        server.url + path,
        data={**data, "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": server.url + path},
        allow_redirects=False,
        timeout=30,
    )


def use_up_ai_rate(api, revision_id: str, rate: int = 30) -> None:
    """Ask about a revision until the user's AI rate (FIGTRAIL_AI_RATE, 30/min by default) is used up."""
    for _ in range(rate):
        response = api.post("ai/insight/", {"revision_id": revision_id})
        if response.status_code == 429:
            assert response.json()["code"] == "ai_rate_limited", response.text
            return
        assert response.status_code == 200, response.text


def wait_until(page, expression: str, timeout: float = 20) -> None:
    """Poll a JavaScript expression from Python until it is true.

    Playwright's ``wait_for_function`` polls by ``eval`` inside the page once the expression is not true
    at first, and the app's Content Security Policy (no ``unsafe-eval``) refuses that.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.1)
