"""figtrail: a full, immutable history for every figure.

The client's public API lives here; importing it never imports Django, and it imports plotting and
data libraries only when they are used::

    import figtrail as ft
    df = ft.read_csv("data.csv")                  # reads with pandas, records the file's version
    pub = ft.Publisher(analysis="My analysis")    # server and key from FIGTRAIL_* or `figtrail config`
    pub.publish(fig, target=ft.FindByName("Growth", create=True))

In Jupyter: ``%load_ext figtrail``, then ``from figtrail.jupyter import *``. ``@ft.reproducible`` runs
a plotting function in a clean room and records its parameters (``ft.SliderParam(...)``, ...) so the
server can hand out a script that draws the figure again.
"""

from __future__ import annotations

from typing import Any

from figtrail.client.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigFileError,
    ConflictError,
    DeliveryError,
    FigtrailError,
    LookupFailedError,
    NotConfiguredError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ServerError,
    ServerUnavailableError,
    TransportError,
)
from figtrail.client.queries import ApiId, FindByName, NotebookName
from figtrail.client.revision import PublishedRevision

__version__ = "0.2.0.dev0"

_PANDAS_READERS = ("read_csv", "read_excel", "read_json", "read_parquet", "read_feather", "read_pickle")
# the clean room (figtrail.client.reproducible), imported when first used
_CLEAN_ROOM = ("CheckboxParam", "DropdownParam", "SliderParam", "StaticParam", "TextParam")
_CLEAN_ROOM_PACKAGES = (
    "get_default_packages",
    "reproducible",
    "reset_default_packages",
    "set_default_packages",
)

__all__ = [
    "ApiId",
    "AuthenticationError",
    "BadRequestError",
    "ConfigFileError",
    "ConflictError",
    "DeliveryError",
    "FigtrailError",
    "FindByName",
    "LookupFailedError",
    "NotConfiguredError",
    "NotFoundError",
    "NotebookName",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PublishedRevision",
    "Publisher",
    "ServerError",
    "ServerUnavailableError",
    "TransportError",
    "__version__",
    "load_ipython_extension",
    "publish",
    "sync",
    *_PANDAS_READERS,
    *_CLEAN_ROOM,
    *_CLEAN_ROOM_PACKAGES,
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext figtrail``."""
    from figtrail.jupyter.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from figtrail.jupyter.extension import unload

    unload(ipython)


def publish(fig: Any = None, target: Any = None, **kwargs: Any):
    """Publish with the current publisher (the last one made, or one made from the config)."""
    from figtrail.client.publisher import current_publisher

    return current_publisher().publish(fig, target=target, **kwargs)


def sync(path: Any) -> str:
    """Record the current version of any data file; later revisions link it. Returns the path."""
    from figtrail.capture.assets import sync as sync_file

    return sync_file(path)


def __getattr__(name: str) -> Any:
    if name == "Publisher":
        from figtrail.client.publisher import Publisher

        return Publisher
    if name in _PANDAS_READERS:
        from figtrail.capture.assets import pandas_reader

        return pandas_reader(name)
    if name == "polars":
        return _polars_namespace()
    if name in _CLEAN_ROOM:
        from figtrail.capture import cleanroom

        return getattr(cleanroom, name)
    if name in _CLEAN_ROOM_PACKAGES:
        from figtrail.client import reproducible

        return getattr(reproducible, name)
    raise AttributeError(f"module 'figtrail' has no attribute {name!r}")


def _polars_namespace() -> Any:
    """``ft.polars.read_csv`` / ``ft.polars.read_parquet``: polars' readers, with file tracking."""
    from types import SimpleNamespace

    from figtrail.capture.assets import POLARS_READERS, polars_reader

    return SimpleNamespace(**{name: polars_reader(name) for name in POLARS_READERS})
