"""What ``publish`` returns: a handle on a revision that may not have reached the server yet."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class PublishedRevision:
    """A revision handed to the outbox. ``url`` is its page on the server, valid once it is delivered."""

    api_id: str
    short_id: str | None
    url: str
    figure_name: str | None  # the figure's name, else its id (None if the target gave neither)
    _delivered: threading.Event = field(default_factory=threading.Event, repr=False)
    _held: str | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        if self._delivered.is_set():
            return "held" if self._held else "sent"
        return "queued"

    @property
    def error(self) -> str | None:
        """Why the server refused this revision (it is kept in the outbox), or None."""
        return self._held

    def wait(self, timeout: float | None = 60) -> bool:
        """Block until the server has the revision (or refused it); True when it was delivered."""
        self._delivered.wait(timeout)
        return self._delivered.is_set() and self._held is None

    def _mark(self, error: str | None = None) -> None:
        self._held = error
        self._delivered.set()

    def __repr__(self) -> str:
        return f"<PublishedRevision {self.figure_name!r} {self.status} {self.url}>"
