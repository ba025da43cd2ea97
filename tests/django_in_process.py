"""Django set up in the test process itself, for tests of server code that need no live server.

``set_up(prefix)`` points Django at the server's settings with a fresh FIGTRAIL_HOME (a temporary folder
named by ``prefix``), runs ``django.setup()`` and, on leaving, puts both variables back: the settings are
loaded by then, and servers started later must not inherit them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

VARIABLES = ("DJANGO_SETTINGS_MODULE", "FIGTRAIL_HOME")


@contextmanager
def set_up(prefix: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in VARIABLES}
    os.environ["DJANGO_SETTINGS_MODULE"] = "figtrail.server.settings"
    os.environ["FIGTRAIL_HOME"] = tempfile.mkdtemp(prefix=prefix)
    try:
        import django

        django.setup()
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
