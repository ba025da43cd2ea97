"""Time limits for work that cannot be interrupted: an annotator, a render on a thread of this process."""

from __future__ import annotations

import threading
from typing import Any


def within(limit: float, function: Any, *args: Any, name: str = "figtrail-limited") -> Any:
    """``function(*args)`` on a helper thread, given up after ``limit`` seconds: raises TimeoutError
    then (a thread cannot be stopped, so it is left to finish on its own), or what ``function`` raised."""
    outcome: dict[str, Any] = {}

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
    return outcome["value"]
