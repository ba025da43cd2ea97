"""What ``import figtrail`` offers is pinned: a name added or removed is a decision, made here."""

from __future__ import annotations

import inspect
import subprocess
import sys

import figtrail
from figtrail.client import errors

PUBLIC = [
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
    "read_csv",
    "read_excel",
    "read_json",
    "read_parquet",
    "read_feather",
    "read_pickle",
    "CheckboxParam",
    "DropdownParam",
    "SliderParam",
    "StaticParam",
    "TextParam",
    "get_default_packages",
    "reproducible",
    "reset_default_packages",
    "set_default_packages",
]


def test_the_public_names_are_pinned_and_each_resolves():
    assert figtrail.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(figtrail, name) is not None, name


def test_every_client_error_is_exported_and_a_figtrail_error():
    classes = {
        name: cls
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__ == errors.__name__
    }
    assert set(classes) <= set(figtrail.__all__)
    assert all(issubclass(cls, figtrail.FigtrailError) for cls in classes.values())


def test_nothing_answered_is_apart_from_an_error_answer():
    """As httpx's TransportError and HTTPStatusError: one has no status, the other always has one."""
    assert not issubclass(figtrail.TransportError, figtrail.ServerError)
    assert figtrail.TransportError("x").status is None
    for cls in (figtrail.BadRequestError, figtrail.NotFoundError, figtrail.ServerUnavailableError):
        assert issubclass(cls, figtrail.ServerError) and cls("x").status >= 400
    assert set(errors.RETRY_LATER) == {figtrail.TransportError, figtrail.ServerUnavailableError}


def test_importing_figtrail_stays_light():
    """The public API is importable with no Django, no plotting and no HTTP library loaded."""
    code = (
        "import sys, figtrail; figtrail.PublishedRevision; figtrail.TransportError; "
        "print(sorted(m for m in ('django', 'matplotlib', 'requests', 'pandas') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
