"""Security headers: what every page, error page and API answer carries.

App pages run only the app's own scripts (a strict ``Content-Security-Policy``), are never framed by
another site (``frame-ancestors 'self'`` and, for browsers that predate it, ``X-Frame-Options``), never
sniffed into another type (``nosniff``) and do not leak their URL (ids, share tokens) to other sites
(``Referrer-Policy``). Behind https (``FIGTRAIL_PUBLIC_URL`` starting with ``https://``) every answer also
carries ``Strict-Transport-Security`` and the cookies are ``Secure``. Payload routes have their own,
stricter policy (``sandbox``): test_payload_routes.py.
"""

from __future__ import annotations

import pytest
import requests

from tests.server.helpers import data_item, new_user, png_bytes
from tests.web.helpers import NO_ROUTE, csrf_token, error_page, web_session

REFERRER_POLICIES = {"same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin"}
NOBODY = "00000000-0000-0000-0000-000000000000"
ERROR_PAGES = {  # what each 404 page below says: the object's, or the page's where no web route matches
    f"/figure/{NOBODY}": ("Not found", f"No figure with id {NOBODY}."),
    "/s/no-such-token-0123456789": (
        "Not found",
        "This share link is turned off, has expired, or never existed.",
    ),
    "/no/such/page": NO_ROUTE,
}


def assert_answer(response: requests.Response, path: str) -> None:
    """The page, or for a path of ERROR_PAGES the 404 page saying what it says there."""
    if path in ERROR_PAGES:
        assert error_page(response, 404) == ERROR_PAGES[path], path
    else:
        assert response.status_code == 200, (path, response.status_code)


def directives(response: requests.Response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    parsed = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            parsed[name] = value.strip()
    return parsed


def assert_page_headers(response: requests.Response, where: str) -> None:
    csp = directives(response)
    assert csp.get("script-src") == "'self'", (where, csp)
    assert csp.get("object-src") == "'none'", (where, csp)
    assert csp.get("base-uri") == "'none'", (where, csp)
    assert csp.get("frame-ancestors") in ("'self'", "'none'"), (where, csp)
    assert "unsafe-inline" not in csp.get("script-src", "") + csp.get("default-src", ""), where
    assert "unsafe-eval" not in response.headers.get("Content-Security-Policy", ""), where
    assert response.headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN"), (where, response.headers)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in REFERRER_POLICIES, (where, response.headers)


@pytest.fixture(scope="module")
def pages(live_server, owner) -> dict[str, str]:
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"))
    return {
        "home": "/",
        "workspace": f"/workspace/{workspace['api_id']}",
        "analysis": f"/analysis/{analysis['api_id']}",
        "figure": f"/figure/{figure['api_id']}",
        "revision": f"/revision/{revision['api_id']}",
        "api keys": "/account/api-keys",
        "not found": f"/figure/{NOBODY}",
        "no route": "/no/such/page",
    }


def test_signed_out_pages_carry_the_headers(live_server):
    for path in ("/signin", "/s/no-such-token-0123456789", "/no/such/page"):
        response = requests.get(live_server.url + path, allow_redirects=False, timeout=30)
        assert_answer(response, path)
        assert_page_headers(response, path)


def test_signed_in_pages_and_error_pages_carry_the_headers(live_server, owner, pages):
    web = web_session(live_server, owner.username, owner.password)
    for name, path in pages.items():
        response = web.get(live_server.url + path, allow_redirects=False, timeout=30)
        assert_answer(response, path)
        assert_page_headers(response, name)
    stranger = new_user(live_server)
    refused = web_session(live_server, stranger.username, stranger.password).get(
        live_server.url + pages["figure"], allow_redirects=False, timeout=30
    )
    figure_id = pages["figure"].rsplit("/", 1)[1]
    assert error_page(refused, 404) == ("Not found", f"No figure with id {figure_id}.")  # as for nobody's id
    assert_page_headers(refused, "refused")


def test_api_answers_are_never_sniffed_nor_framed(live_server, owner):
    for response in (
        owner.get("user/"),
        owner.get("figure/00000000-0000-0000-0000-000000000000/"),
        requests.get(live_server.api + "workspace/", timeout=30),
    ):
        assert response.headers.get("X-Content-Type-Options") == "nosniff"
        assert response.headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN")
        assert response.headers["Content-Type"].startswith("application/json")


def test_no_hsts_on_plain_http_without_a_public_url(live_server):
    """HSTS on a server reached over plain http (the default, a laptop) would be ignored by browsers at
    best; it is sent only when the operator says the server is behind https."""
    response = requests.get(live_server.url + "/signin", timeout=30)
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_and_secure_cookies_behind_https(public_server):
    for path in ("/signin", "/api/v1.4.1/info/"):
        response = requests.get(public_server.url + path, timeout=30)
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert hsts.startswith("max-age="), (path, response.headers)
        assert int(hsts.split("=")[1].split(";")[0]) >= 180 * 24 * 3600, hsts
    signin = requests.get(public_server.url + "/signin", timeout=30)
    cookie = signin.headers.get("Set-Cookie", "")
    assert "figtrail_csrftoken" in cookie and "Secure" in cookie, cookie


def test_cookies_are_http_only_and_same_site(live_server, owner):
    session = requests.Session()
    form = session.get(live_server.url + "/signin", timeout=30)
    signed_in = session.post(
        live_server.url + "/signin",
        data={
            "username": owner.username,
            "password": owner.password,
            "csrfmiddlewaretoken": csrf_token(form.text),
        },
        headers={"Referer": live_server.url + "/signin"},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302
    [session_cookie] = [c for c in signed_in.raw.headers.getlist("Set-Cookie") if "figtrail_session=" in c]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie, session_cookie
