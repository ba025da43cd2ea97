"""Deny by default, declared: every route the project registers names who may call it.

This walks the real URLconf in-process (``django.urls.get_resolver()``, recursively: the API routes, the
router's viewset routes and the web UI's routes) and fails naming every route, and HTTP method, whose
view carries no access declaration (``figtrail.server.access.declarations``). It only imports the URLconf:
no database, no server.
"""

from __future__ import annotations

import pytest

from tests.django_in_process import set_up


@pytest.fixture(scope="module")
def resolver():
    with set_up("figtrail-routes-"):
        from django.urls import get_resolver

        yield get_resolver()


def _view_name(callback) -> str:
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    target = cls or callback
    return f"{target.__module__}.{target.__qualname__}"


def _declared_routes(resolver) -> list[tuple[str, str, dict]]:
    from figtrail.server.access.declarations import route_declarations, walk

    return [
        (pattern, _view_name(entry.callback), route_declarations(entry.callback))
        for pattern, entry in walk(resolver)
    ]


def test_every_route_declares_its_access(resolver):
    routes = _declared_routes(resolver)
    missing = [
        f"{pattern}  [{method.upper()}]  {view}"
        for pattern, view, declared in routes
        for method, declaration in declared.items()
        if declaration is None
    ]
    assert not missing, "routes without an access declaration (see access/declarations.py):\n" + "\n".join(
        missing
    )


def test_the_walk_reaches_api_router_and_web_routes(resolver):
    """Guard the guard: a walk that found nothing would pass the test above vacuously."""
    patterns = [pattern for pattern, _, _ in _declared_routes(resolver)]
    assert len(patterns) > 80
    needles = ("share/link", "members/(?P<change>", "thumbnail/(?P<size>", "^s/(?P<token>", "^api/token/?$")
    for needle in (*needles, "invitations/organization/", "web/data/"):
        assert any(needle in pattern for pattern in patterns), needle


def test_declarations_say_what_the_policy_does(resolver):
    from figtrail.server.access.declarations import LINK, PUBLIC, SIGNED_IN, route_declarations, walk
    from figtrail.server.access.policy import Level
    from figtrail.server.catalog.figures import FigureViewSet
    from figtrail.server.catalog.workspaces import WorkspaceViewSet

    by_view = {}
    for pattern, entry in walk(resolver):
        by_view.setdefault(pattern, route_declarations(entry.callback))

    def declared(suffix: str) -> dict:
        return next(d for pattern, d in by_view.items() if pattern.endswith(suffix))

    assert declared("^figure/(?P<pk>[^/]+)/?$") == {
        "get": LINK,
        "put": Level.CREATE,
        "patch": Level.CREATE,
        "delete": Level.CREATE,
    }
    assert declared("^workspace/(?P<pk>[^/]+)/?$") == {
        "get": Level.VIEW,
        "put": Level.ADMIN,
        "patch": Level.ADMIN,
        "delete": Level.OWN,
    }
    assert declared("^figure/(?P<pk>[^/]+)/share/link/?$") == {"get": Level.VIEW, "post": Level.CREATE}
    assert declared("^data/(?P<pk>[^/]+)/?$") == {"get": LINK}  # data objects are read-only
    assert declared("^workspace/?$") == {"get": SIGNED_IN, "post": SIGNED_IN}
    assert declared("^s/(?P<token>[0-9A-Za-z_-]{16,64})/?$") == {"*": PUBLIC}
    assert declared("^info/?$") == {"get": PUBLIC}
    # the declared level is the one the viewset checks (CatalogViewSet.level_for_action reads it)
    assert WorkspaceViewSet.delete_level == Level.OWN and FigureViewSet.edit_level == Level.CREATE


def test_an_undeclared_view_is_reported(resolver):
    from django.http import HttpResponse
    from django.urls import URLResolver, re_path
    from django.urls.resolvers import RegexPattern
    from rest_framework.views import APIView

    from figtrail.server.access.declarations import PUBLIC, declare, route_declarations, walk

    def bare(request):
        return HttpResponse()

    class Bare(APIView):
        def get(self, request):
            return HttpResponse()

    class Half(APIView):
        access = {"get": PUBLIC}

        def get(self, request):
            return HttpResponse()

        def post(self, request):
            return HttpResponse()

    nested = URLResolver(RegexPattern(r"^nested/"), [re_path(r"^cls/$", Bare.as_view())])
    conf = URLResolver(
        RegexPattern(r"^"),
        [
            re_path(r"^bare/$", bare),
            nested,
            re_path(r"^half/$", Half.as_view()),
            re_path(r"^ok/$", declare(PUBLIC)(lambda request: HttpResponse())),
        ],
    )
    found = {pattern: route_declarations(entry.callback) for pattern, entry in walk(conf)}
    assert found == {
        "^bare/$": {"*": None},
        "^nested/^cls/$": {"get": None},
        "^half/$": {"get": PUBLIC, "post": None},
        "^ok/$": {"*": PUBLIC},
    }
    with pytest.raises(ValueError):
        declare("everyone")
