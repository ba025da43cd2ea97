"""The notebook API: ``%load_ext figtrail``, then ``from figtrail.jupyter import *``.

``configure(...)`` says where figures go and turns on auto-publish; ``publish(fig, target=...)``
publishes one figure explicitly. ``FindByName``, ``ApiId`` and ``NotebookName`` name the targets.
"""

from __future__ import annotations

from figtrail.capture.annotators import (
    DEFAULT_ANNOTATORS,
    BackendAnnotator,
    CellCodeAnnotator,
    EnvironmentAnnotator,
    ExecutionCountAnnotator,
    GitAnnotator,
    HistoryAnnotator,
    NotebookAnnotator,
    ScriptAnnotator,
    SystemAnnotator,
)
from figtrail.capture.watermark import Watermark
from figtrail.client.queries import ApiId, FindByName, NotebookName
from figtrail.jupyter.configure import configure, publish
from figtrail.jupyter.extension import get_extension, load, unload

__all__ = [
    "DEFAULT_ANNOTATORS",
    "ApiId",
    "FindByName",
    "NotebookName",
    "Watermark",
    "configure",
    "get_extension",
    "publish",
]

__all__ += [
    "BackendAnnotator",
    "CellCodeAnnotator",
    "EnvironmentAnnotator",
    "ExecutionCountAnnotator",
    "GitAnnotator",
    "HistoryAnnotator",
    "NotebookAnnotator",
    "ScriptAnnotator",
    "SystemAnnotator",
]


def load_ipython_extension(ipython) -> None:
    load(ipython)


def unload_ipython_extension(ipython) -> None:
    unload(ipython)
