"""How a user names a workspace, analysis or figure: by id, by name, or after the notebook.

Targets are resolved by the background sender, not at publish time, so they are kept as small JSON
"specs" in the outbox: ``{"api_id": ...}`` or ``{"name": ..., "create": ..., "description": ...}``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

Spec = dict[str, Any]


class HasApiId(Protocol):
    """Anything with an ``api_id``: an object of the official client, a revision handle."""

    @property
    def api_id(self) -> str: ...


@dataclass(frozen=True)
class FindByName:
    """The object with this name; created if missing only when ``create=True``."""

    name: str
    description: str | None = None
    create: bool = False


@dataclass(frozen=True)
class ApiId:
    """The object with this id."""

    api_id: str


class NotebookName:
    """Name the analysis after the running notebook (Jupyter, VS Code, or a headless nbclient run)."""

    def __repr__(self) -> str:
        return "NotebookName"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotebookName)

    def __hash__(self) -> int:
        return hash("NotebookName")


# What a user may pass to name a workspace, an analysis or a figure: a name (an id if it looks like one),
# FindByName, ApiId, an object with an api_id, or a spec; an analysis may also be NotebookName().
Target: TypeAlias = "str | FindByName | ApiId | HasApiId | Mapping[str, Any]"
AnalysisTarget: TypeAlias = "Target | NotebookName"
# Data files stored whole with a revision: paths (named after the file), or {name: path}
Files: TypeAlias = "Sequence[str | os.PathLike[str]] | Mapping[str, str | os.PathLike[str]]"


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def to_spec(target: Target | None, *, create_by_default: bool = True) -> Spec | None:
    """Turn what the user passed into a spec. A bare string is an id if it looks like one, else a name."""
    if target is None:
        return None
    if isinstance(target, ApiId):
        return {"api_id": str(target.api_id)}
    if isinstance(target, FindByName):
        return {"name": target.name, "create": target.create, "description": target.description}
    if isinstance(target, dict) and ("api_id" in target or "name" in target):
        return dict(target)
    if hasattr(target, "api_id"):
        return {"api_id": str(target.api_id)}
    if isinstance(target, str):
        if is_uuid(target):
            return {"api_id": target}
        return {"name": target, "create": create_by_default, "description": None}
    raise TypeError(f"cannot use {target!r} as a target; pass FindByName('...'), ApiId('...') or a name")


def describe_spec(spec: Spec | None, kind: str) -> str:
    if spec is None:
        return f"the default {kind}"
    if "api_id" in spec:
        return f"{kind} {spec['api_id']}"
    return f"{kind} {spec['name']!r}"
