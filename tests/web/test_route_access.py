"""Every web route is guarded by its access declaration, at run time, in one place (``web.gate``).

The web URLconf is walked in-process (``figtrail.server.web.urls``, every pattern); each route is then
called over real HTTP on the live server, signed out, with GET and POST:

- a route (and method) declared anything but ``PUBLIC`` / ``LINK`` refuses: a page redirects to the
  sign-in page with ``?next=`` back to it, an endpoint pages ``fetch()`` (``gate.json_endpoint``) answers
  401 with ``{"detail": ...}``;
- a ``PUBLIC`` or ``LINK`` route never sends the visitor to sign in (ids here name nothing, so they
  answer 404, 405 or a CSRF refusal: what the view itself says);
- a route without a declaration fails the first test, named; at run time it is closed to everyone
  (through the middleware in-process, since the real URLconf has none);
- signed in as a stranger to the objects they name, every ``json_endpoint`` answers each method, with
  and without a CSRF token, with an error status and ``{"detail": ...}``, never an HTML page.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests

from tests.django_in_process import set_up

# A value for every named group of the web patterns; reverse() refuses a value its regex does not match.
SAMPLES = {
    "pk": str(uuid.UUID(int=1)),
    "slide": str(uuid.UUID(int=2)),
    "token": "no-such-token-0123456789",
    "ident": "nosuchrevision",
    "kind": "workspace",  # a share kind and an invitation kind
    "target_type": "figure",
    "size": "320",
    "fmt": "pptx",
    "name": "nosuch/library.js",
}
METHODS = ("get", "post")
NOBODY = str(uuid.UUID(int=3))


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: str
    path: str
    declared: dict  # method -> declaration, as the middleware reads it
    undeclared: tuple[str, ...]  # what route_declarations finds without a declaration
    json: bool


@pytest.fixture(scope="module")
def routes() -> list[Route]:
    with set_up("figtrail-web-routes-"):
        from django.urls import URLResolver, get_resolver, resolve, reverse

        from figtrail.server.access.declarations import callback_declaration, route_declarations, walk
        from figtrail.server.web.gate import answers_json

        web = next(
            entry
            for entry in get_resolver().url_patterns
            if isinstance(entry, URLResolver) and entry.namespace == "web"
        )
        found = []
        for pattern, entry in walk(web):
            callback = entry.callback
            target = getattr(callback, "view_class", None) or callback
            path = reverse(
                f"web:{entry.name}", kwargs={g: SAMPLES[g] for g in entry.pattern.regex.groupindex}
            )
            assert resolve(path).func is callback, (path, pattern)
            found.append(
                Route(
                    name=entry.name,
                    pattern=pattern,
                    view=f"{target.__module__}.{target.__qualname__}",
                    path=path,
                    declared={method: callback_declaration(callback, method) for method in METHODS},
                    undeclared=tuple(m for m, d in route_declarations(callback).items() if d is None),
                    json=answers_json(callback),
                )
            )
        return found


def is_open(declaration) -> bool:
    from figtrail.server.access.declarations import OPEN

    return declaration in OPEN


def test_every_web_route_declares_its_access(routes):
    missing = [
        f"{route.pattern}  [{method.upper()}]  {route.view}"
        for route in routes
        for method in route.undeclared
    ]
    assert not missing, "web routes without an access declaration (access/declarations.py):\n" + "\n".join(
        missing
    )


def test_the_walk_sees_pages_endpoints_and_open_routes(routes):
    """Guard the guard: the tests below must have something to refuse and something to let through."""
    by_name = {route.name: route for route in routes}
    assert len(routes) > 50
    assert {"ai-ask", "ai-extract-code", "comment-body", "task-status", "story-status"} <= {
        route.name for route in routes if route.json
    }
    for name in ("home", "account-api-keys", "workspace", "comment-post", "organization-logo"):
        assert not by_name[name].json and not is_open(by_name[name].declared["get"]), name
    for name in ("signin", "shared-link", "revision", "short-link", "data-view", "figure-script"):
        assert is_open(by_name[name].declared["get"]), name


def test_signed_in_routes_refuse_a_signed_out_request(live_server, routes):
    wrong = []
    for route in routes:
        for method in METHODS:
            if is_open(route.declared[method]):
                continue
            response = requests.request(
                method, live_server.url + route.path, allow_redirects=False, timeout=30
            )
            where = f"{method.upper()} {route.path} ({route.view})"
            if route.json:
                kind = response.headers.get("Content-Type", "")
                body = response.json() if kind.startswith("application/json") else {}
                if response.status_code != 401 or not body.get("detail"):
                    wrong.append(f"{where}: {response.status_code} {kind} {response.text[:120]!r}")
            else:
                expected = f"/signin?next={quote(route.path)}"
                if response.status_code != 302 or response.headers.get("Location") != expected:
                    wrong.append(f"{where}: {response.status_code} to {response.headers.get('Location')}")
    assert not wrong, "signed-out requests that were not refused as declared:\n" + "\n".join(wrong)


def test_public_and_link_routes_never_send_a_visitor_to_sign_in(live_server, routes):
    wrong = []
    for route in routes:
        for method in METHODS:
            if not is_open(route.declared[method]):
                continue
            response = requests.request(
                method, live_server.url + route.path, allow_redirects=False, timeout=30
            )
            if response.is_redirect or response.status_code == 401:
                wrong.append(
                    f"{method.upper()} {route.path} ({route.view}): {response.status_code} "
                    f"to {response.headers.get('Location')}"
                )
    assert not wrong, "open routes that asked a visitor to sign in:\n" + "\n".join(wrong)


def test_an_undeclared_web_view_is_closed_to_everyone(routes):
    """In-process: the middleware in front of views that declare nothing (or not this method)."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.test import RequestFactory

    from figtrail.server.access.declarations import SIGNED_IN, declare
    from figtrail.server.web.errors import SIGN_IN_FIRST
    from figtrail.server.web.gate import CLOSED, json_endpoint
    from figtrail.server.web.middleware import WebMiddleware
    from tests.web.helpers import ERROR_PAGE

    class Member:
        is_authenticated = True

    def bare(request):
        return HttpResponse("served")

    @json_endpoint
    def bare_json(request):
        return HttpResponse("served")

    half = declare({"get": SIGNED_IN})(lambda request: HttpResponse("served"))
    middleware = WebMiddleware(lambda request: HttpResponse())

    def answer(view, user, method="get"):
        request = getattr(RequestFactory(), method)("/somewhere?x=1")
        request.user = user
        request._messages = []
        return middleware.process_view(request, view, (), {})

    signed_out = answer(bare, AnonymousUser())
    assert signed_out.status_code == 302 and signed_out["Location"] == "/signin?next=/somewhere%3Fx%3D1"
    for page in (answer(bare, Member()), answer(half, Member(), "post")):  # the no-access page says why
        assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
        assert ERROR_PAGE.search(page.content.decode()).groups() == ("No access", CLOSED)
    signed_out_json = answer(bare_json, AnonymousUser())
    assert signed_out_json.status_code == 401 and json.loads(signed_out_json.content) == {
        "detail": SIGN_IN_FIRST
    }
    closed = answer(bare_json, Member())
    assert closed.status_code == 403 and json.loads(closed.content) == {"detail": CLOSED}
    assert answer(half, Member()) is None  # declared: on to CSRF (a GET passes) and the view


def json_refusal_problems(response: requests.Response, where: str) -> list[str]:
    """What is wrong with an answer that should be a JSON refusal ``{"detail": ...}`` (an error status)."""
    kind = response.headers.get("Content-Type", "")
    body = response.json() if kind.startswith("application/json") else None
    if response.status_code < 400 or not isinstance(body, dict) or not body.get("detail"):
        return [f"{where}: {response.status_code} {kind} {response.text[:120]!r}"]
    return []


def test_endpoints_refuse_a_user_without_access_in_json(live_server, routes):
    """Signed in, as someone with no access to the objects named: every ``json_endpoint`` route, with
    every method and with or without a CSRF token, answers an error status with ``{"detail": ...}``,
    never an HTML page (a 404 or 403 page, Django's empty 405, its CSRF page) that ``fetch()`` cannot
    read; and a stranger gets the 404 an id nobody uses gets, not a 403 telling the object exists."""
    from tests.server.helpers import data_item, new_user, png_bytes
    from tests.web.helpers import web_session

    owner = new_user(live_server)
    _, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"))
    story = owner.post("story/", {"analysis": analysis["api_id"], "figure_ids": [figure["api_id"]]})
    assert story.status_code == 202, story.text
    comment = owner.created(
        "comment/", {"target_type": "figure", "target_id": figure["api_id"], "content": "mine"}
    )
    theirs = {  # the object each endpoint's id names, by the path it lives under
        "/revision/": revision["api_id"],
        "/figure/": figure["api_id"],
        "/story/": story.json()["api_id"],
        "/web/task/": story.json()["task"]["api_id"],
        "/comments/": comment["api_id"],
    }
    form = {"a": revision["api_id"], "b": revision["api_id"], "question": "Whose is this?"}
    stranger = new_user(live_server)
    session = web_session(live_server, stranger.username, stranger.password)
    token = session.cookies["figtrail_csrftoken"]

    endpoints = [route for route in routes if route.json]
    wrong = []
    for route in endpoints:
        prefix = next((p for p in theirs if route.path.startswith(p)), None)
        assert prefix or SAMPLES["pk"] not in route.path, f"{route.path}: name its object in `theirs`"
        for whose, ident in (("theirs", theirs.get(prefix, revision["api_id"])), ("nobody's", NOBODY)):
            path = route.path.replace(SAMPLES["pk"], ident)
            body = {**form, "a": ident, "b": ident}  # the compare endpoint takes its ids in the form
            for method, headers in (("get", {}), ("post", {"X-CSRFToken": token}), ("post", {})):
                unchecked = ", no CSRF token" if method == "post" and not headers else ""
                where = f"{method.upper()} {path} ({whose}, {route.view}{unchecked})"
                response = session.request(
                    method,
                    live_server.url + path,
                    data=body if method == "post" else None,
                    headers=headers,
                    allow_redirects=False,
                    timeout=30,
                )
                wrong += json_refusal_problems(response, where)
                reached = method == "get" or headers  # past CSRF: the view (or its method check) answers
                if reached and response.status_code not in (404, 405):
                    wrong.append(f"{where}: {response.status_code}, not the 404 of an id nobody uses")
    assert len(endpoints) >= 7
    incomplete = session.post(  # a 400 names the field and has the detail too
        live_server.url + "/compare/ai/explain", data={}, headers={"X-CSRFToken": token}, timeout=30
    )
    assert incomplete.status_code == 400 and incomplete.json() == {
        "detail": "Name a revision to compare.",
        "a": ["Name a revision to compare."],
    }
    assert not wrong, "json endpoints that refused a user without access otherwise:\n" + "\n".join(wrong)
