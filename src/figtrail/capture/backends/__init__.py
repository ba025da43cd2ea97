"""One module per plotting library; this module knows them all and finds the one for a figure.

Backends never import their library at figtrail import time: a figure can only come from a library
that is already imported, so each backend checks ``sys.modules`` before looking at an object.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import Any

from figtrail.capture.backends.base import Backend, RenderError, Snapshot

# Highest priority first: a plotnine plot holds a matplotlib figure, so plotnine must win.
BACKEND_MODULES = ("plotnine", "matplotlib", "plotly", "bokeh", "altair", "pil")
DEFAULT_BACKENDS: tuple[str, ...] = BACKEND_MODULES

_loaded: dict[str, Backend] = {}


def get_backend(name: str) -> Backend:
    name = name.lower()
    if name not in _loaded:
        if name not in BACKEND_MODULES:
            raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKEND_MODULES)}")
        module = importlib.import_module(f"figtrail.capture.backends.{name}")
        _loaded[name] = module.BACKEND
    return _loaded[name]


def backends(names: Iterable[str | Backend] | None = None) -> list[Backend]:
    return [item if isinstance(item, Backend) else get_backend(item) for item in (names or DEFAULT_BACKENDS)]


def backend_for(figure: Any, names: Sequence[str | Backend] | None = None) -> Backend | None:
    """The first backend (in priority order) that recognises ``figure``."""
    for backend in backends(names):
        if backend.is_figure(figure):
            return backend
    return None


__all__ = ["Backend", "RenderError", "Snapshot", "DEFAULT_BACKENDS", "backend_for", "backends", "get_backend"]
