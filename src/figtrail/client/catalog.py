"""Resolving workspace, analysis and figure specs to server ids, creating what the user allowed.

Resolved ids are cached for the life of the process: a notebook publishes many revisions to few
figures, and each lookup is a round trip.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from figtrail.client.errors import LookupFailedError
from figtrail.client.http import Connection
from figtrail.client.queries import Spec, describe_spec, to_spec


class Catalog:
    """Finds (or creates) the objects a revision goes into, as one account on one server."""

    def __init__(self, connection: Connection, default_workspace: str | None = None) -> None:
        self.connection = connection
        self.default_workspace = to_spec(default_workspace, create_by_default=False)
        self._cache: dict[tuple[str | None, ...], str] = {}
        self._lock = threading.RLock()

    def figure_id(self, target: dict[str, Spec | None]) -> str:
        """The figure a revision job targets: ``{"workspace": spec, "analysis": spec, "figure": spec}``."""
        figure = target.get("figure") or {"name": "Anonymous Figure", "create": True}
        if "api_id" in figure:
            return _api_id(figure)
        analysis = self.analysis_id(target)
        return self._find_or_create("figure", analysis, figure)

    def analysis_id(self, target: dict[str, Spec | None]) -> str:
        analysis = target.get("analysis") or {"name": "Untitled analysis", "create": True}
        if "api_id" in analysis:
            return _api_id(analysis)
        workspace = self.workspace_id(target.get("workspace"))
        return self._find_or_create("analysis", workspace, analysis)

    def workspace_id(self, spec: Spec | None) -> str:
        spec = spec or self.default_workspace
        if spec is None:
            return self._cached(("primary",), self._primary_workspace)
        if "api_id" in spec:
            return _api_id(spec)
        return self._find_or_create("workspace", None, spec)

    def forget(self) -> None:
        """Drop cached ids, e.g. after the server said a figure no longer exists."""
        with self._lock:
            self._cache.clear()

    def _cached(self, key: tuple[str | None, ...], compute: Callable[[], str]) -> str:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = compute()
            return self._cache[key]

    def _find_or_create(self, kind: str, parent: str | None, spec: Spec) -> str:
        key = (kind, parent, spec["name"])
        return self._cached(key, lambda: self._lookup(kind, parent, spec) or self._create(kind, parent, spec))

    def _lookup(self, kind: str, parent: str | None, spec: Spec) -> str | None:
        for item in self._children(kind, parent):
            if isinstance(item, dict) and item.get("name") == spec["name"]:
                return _api_id(item)
        return None

    def _children(self, kind: str, parent: str | None) -> list[Any]:
        children: list[Any]
        if kind == "workspace":
            children = self.connection.get("workspace/")
        elif kind == "analysis":
            children = self.connection.get(f"workspace/{parent}/").get("analyses") or []
        else:
            children = self.connection.get(f"analysis/{parent}/").get("figures") or []
        return children

    def _create(self, kind: str, parent: str | None, spec: Spec) -> str:
        if not spec.get("create", True):
            where = f" in {'workspace' if kind == 'analysis' else 'analysis'} {parent}" if parent else ""
            raise LookupFailedError(
                f"no {describe_spec(spec, kind)}{where}; create it, or pass "
                f"FindByName({spec['name']!r}, create=True)"
            )
        body: dict[str, Any] = {"name": spec["name"]}
        if spec.get("description") is not None:
            body["description"] = spec["description"]
        if kind == "workspace":
            body["organization"] = None
        elif kind == "analysis":
            body["workspace"] = parent
        else:
            body["analysis"] = parent
        return _api_id(self.connection.post(f"{kind}/", body))

    def _primary_workspace(self) -> str:
        workspaces = self.connection.get("workspace/")
        primary = [ws for ws in workspaces if ws.get("workspace_type") == "primary"]
        if len(primary) > 1:
            primary = [ws for ws in primary if self._owns(ws["api_id"])] or primary
        chosen = primary or workspaces
        if not chosen:
            raise LookupFailedError(
                "this account sees no workspace; set FIGTRAIL_WORKSPACE to one you can use"
            )
        return _api_id(chosen[0])

    def _owns(self, workspace_id: str) -> bool:
        members = self.connection.get(f"workspace/{workspace_id}/members/")
        me = self.connection.username
        return any(m.get("username") == me and m.get("membership_type") == "owner" for m in members)


def _api_id(item: Mapping[str, Any]) -> str:
    """The server's (or the spec's) id of an object, from its JSON."""
    api_id: str = item["api_id"]
    return api_id
