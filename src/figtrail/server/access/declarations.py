"""Deny by default, declared: every API and web view names who may call it.

A declaration is one of:

- ``PUBLIC``: anyone, signed in or not (server info, sign-in, token endpoints, invitation by token);
- ``SIGNED_IN``: any signed-in user; the view itself shows or changes only what ``access.policy`` grants
  (lists, creating something whose parent is checked in the body, reading one's own account);
- ``ACCOUNT``: signed in as the whole account (a password, its JWT, or an API key without a workspace):
  routes that change or reveal the account itself (profile and e-mail, SSH keys, API keys, invitations
  to accept, new organizations). A workspace-scoped API key is refused them: it acts on its workspace
  only;
- ``LINK``: ``Level.VIEW`` on the object, which ``access.policy`` also grants to anyone (signed out too)
  while the object or an ancestor is link-shared; the official client's ``GoFigr(anonymous=True)``;
- a :class:`~figtrail.server.access.policy.Level`: signed in and holding that level on the object (its
  workspace, or for organization routes the organization), checked by ``access.policy`` in the view.

How views declare:

- a function view: ``@declare(...)`` as its outermost decorator;
- a class view (DRF ``APIView`` or Django ``View``): class attribute ``access``, either one declaration
  or a dict from lower-case HTTP method to declaration;
- a DRF viewset: class attribute ``access``, a dict from action name to declaration; mixins add theirs
  (the dicts of the whole MRO are merged, the subclass winning).

``tests/server/access/test_route_declarations.py`` walks every registered route and fails naming any
view without a declaration. At run time the same rule guards both faces: :class:`DeclaredAccess` (the
API's default permission class) and the web UI's middleware (``web.gate``, which reads a URL pattern's
callback with :func:`callback_declaration`) let ``OPEN`` routes (``PUBLIC``, ``LINK``) through signed
out, ask for sign-in everywhere else, declared or not, and refuse an undeclared route to everyone; the
object-level decision stays with ``access.policy``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from figtrail.server.access.policy import Level, actor_of

PUBLIC = "public"
SIGNED_IN = "signed-in"
ACCOUNT = "account"
LINK = "link"

Declaration = str | Level
DECLARATIONS = (PUBLIC, SIGNED_IN, ACCOUNT, LINK, *Level)
OPEN = (PUBLIC, LINK)  # no sign-in needed: the view (access.policy) decides what a visitor sees


def _valid(access) -> bool:
    if isinstance(access, dict):
        return bool(access) and all(_valid(value) for value in access.values())
    return access in DECLARATIONS


def declare(access: Declaration | dict[str, Declaration]) -> Callable:
    """Mark a function view (or a viewset ``@action`` method) with its declaration: one for every
    method, or a dict from lower-case HTTP method to declaration."""
    if not _valid(access):
        raise ValueError(f"unknown access declaration {access!r}")

    def mark(view):
        view.access = access
        return view

    return mark


def _merged(cls: type) -> dict | Declaration | None:
    """The class's ``access``: merged over the MRO when dicts, else the nearest single value."""
    merged: dict = {}
    for klass in reversed(cls.__mro__):
        value = vars(klass).get("access")
        if isinstance(value, dict):
            merged.update(value)
        elif value is not None:
            merged = {"*": value}
    return merged or None


def _pick(value, method: str) -> Declaration | None:
    """A declaration, or the one a per-method dict gives ``method``."""
    if isinstance(value, dict):
        value = value.get(method, value.get("*"))
    return value if value in DECLARATIONS else None


def class_declaration(cls: type, name: str, method: str | None = None) -> Declaration | None:
    """The declaration of an action (viewsets; ``method`` picks from a per-method dict) or of a
    lower-case HTTP method (class views)."""
    method = method or name
    marked = getattr(getattr(cls, name, None), "access", None)
    if marked is not None:
        return _pick(marked, method)
    merged = _merged(cls) or {}
    return _pick(merged.get(name, merged.get("*")), method)


def route_declarations(callback) -> dict[str, Declaration | None]:
    """What a URL pattern's callback declares, per HTTP method it answers (``*``: a plain function
    without a per-method declaration)."""
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    actions = getattr(callback, "actions", None)
    if cls is not None and actions:
        return {
            method: class_declaration(cls, action, method)
            for method, action in actions.items()
            if method in cls.http_method_names
        }
    if cls is not None:
        methods = [m for m in cls.http_method_names if m not in ("options", "head") and hasattr(cls, m)]
        return {method: class_declaration(cls, method) for method in methods}
    marked = getattr(callback, "access", None)
    if isinstance(marked, dict):
        return {method: _pick(value, method) for method, value in marked.items()}
    return {"*": _pick(marked, "*")}


def walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every URL pattern under ``resolver``, recursively, with its full regex."""
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, pattern)
        else:
            yield pattern, entry


def request_method(request) -> str:
    """The lower-case method a request is declared under: HEAD is read as GET."""
    return "get" if request.method == "HEAD" else request.method.lower()


def view_declaration(request, view) -> Declaration | None:
    """The declaration covering one DRF request to ``view``."""
    method = request_method(request)
    action = getattr(view, "action", None)
    return class_declaration(type(view), action or method, method)


def callback_declaration(callback, method: str) -> Declaration | None:
    """The declaration covering ``method`` (lower case) of a URL pattern's callback (a Django view: a
    function, or a class view's ``as_view()``), whether or not the view serves that method."""
    cls = getattr(callback, "view_class", None)
    if cls is not None:
        return class_declaration(cls, method)
    marked = getattr(callback, "access", None)
    return _pick(marked, method) if isinstance(marked, dict) else _pick(marked, "*")


class DeclaredAccess(BasePermission):
    """``PUBLIC`` and ``LINK`` routes need no sign-in; declared routes need one, and ``ACCOUNT`` routes
    one that is not a workspace-scoped API key; an undeclared route is refused to everyone (deny by
    default). A method the view does not serve still gets its 405."""

    message = "This route declares no access rule, so it is closed."

    def has_permission(self, request, view) -> bool:
        declaration = view_declaration(request, view)
        if declaration in OPEN:
            return True
        if not (request.user and request.user.is_authenticated):
            return False  # 401: sign in first
        if _not_served(request, view):
            return True  # DRF answers 405 next; nothing is served
        if declaration == ACCOUNT and actor_of(request).scope_workspace_id is not None:
            raise PermissionDenied(
                {
                    "detail": "An API key scoped to one workspace cannot act on the account: sign in with "
                    "a password or use an API key without a workspace.",
                    "field": "Authorization",
                }
            )
        return declaration is not None


def _not_served(request, view) -> bool:
    """The method has no handler here: outside ``http_method_names``, or not routed to a viewset action."""
    if request.method.lower() not in getattr(view, "http_method_names", ()):
        return True
    return getattr(view, "action_map", None) is not None and getattr(view, "action", None) is None
