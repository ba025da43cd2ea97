"""Time limits for work that cannot be interrupted: an annotator, a render on a thread of this process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def within(limit: float, function: Callable[..., _T], *args: Any, name: str = "figtrail-limited") -> _T:
    """``function(*args)`` on a helper thread, given up after ``limit`` seconds: raises TimeoutError
    then (a thread cannot be stopped, so it is left to finish on its own), or what ``function`` raised."""
    outcome: dict[str, Any] = {}  # "value": a _T, or "error": what function raised

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]
    value: _T = outcome["value"]
    return value
