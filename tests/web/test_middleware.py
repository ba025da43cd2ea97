"""Sessions, sign-in and CSRF apply to the web UI only, with a strict CSP; the API stays stateless."""

from __future__ import annotations

import requests

from tests.server.helpers import NO_CREDENTIALS, refusal
from tests.web.helpers import FORM_EXPIRED, NO_ROUTE, error_page, web_session


def test_app_pages_carry_a_strict_content_security_policy(live_server):
    response = requests.get(live_server.url + "/signin", timeout=30)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_signed_out_pages_redirect_to_sign_in(live_server):
    response = requests.get(live_server.url + "/", allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin?next=/"


def test_sign_in_form_requires_a_csrf_token(live_server, owner):
    session = requests.Session()
    session.get(
        live_server.url + "/signin", timeout=30
    )  # gets the CSRF cookie, but the form field is missing
    response = session.post(
        live_server.url + "/signin",
        data={"username": owner.username, "password": owner.password},
        allow_redirects=False,
        timeout=30,
    )
    assert error_page(response, 403) == ("Form expired", FORM_EXPIRED)


def test_api_ignores_the_web_session_and_sets_no_cookies(live_server, owner):
    session = web_session(live_server, owner.username, owner.password)
    assert session.get(live_server.url + "/", timeout=30).status_code == 200  # signed in to the web UI
    response = session.get(live_server.api + "workspace/", timeout=30)
    assert refusal(response, 401) == NO_CREDENTIALS  # the session cookie is no credential for the API
    assert "Set-Cookie" not in response.headers
    assert "Content-Security-Policy" not in response.headers
    authorised = owner.get("workspace/")
    assert authorised.status_code == 200
    assert "Set-Cookie" not in authorised.headers
    assert "Cookie" not in authorised.headers.get("Vary", "")


def test_api_posts_need_no_csrf_token(live_server, owner):
    workspace = owner.workspace()
    response = owner.post("analysis/", {"name": "no csrf here", "workspace": workspace["api_id"]})
    assert response.status_code == 201


def test_a_path_no_route_matches_gets_the_apps_own_404_page(live_server, owner):
    """Signed in or not, a typo or a malformed id is the app's styled page (its stylesheet, its
    words), never Django's bare one; the API keeps its JSON."""
    signed_in = web_session(live_server, owner.username, owner.password)
    for session in (requests.Session(), signed_in):
        for path in ("/no/such/page", "/figure/not-a-uuid", "/revision/12345/extra/parts"):
            response = session.get(live_server.url + path, allow_redirects=False, timeout=30)
            assert error_page(response, 404) == NO_ROUTE, path
            assert "/static/web/app.css" in response.text, path
    assert refusal(requests.get(live_server.url + "/api/v1.4.1/no_such_route/", timeout=30), 404).startswith(
        "No API route /api/v1.4.1/no_such_route/"
    )
