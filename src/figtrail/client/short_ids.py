"""Short revision ids (``aB3dEf9H0``): a server-reserved prefix plus a base-62 counter.

The prefix is reserved once per publisher; after that every id is made locally, so a revision has its
short link (for the watermark and the widget) before the server has seen it. Without a prefix (the
server was unreachable) revisions use their full id in links, which works just as well.
"""

from __future__ import annotations

import string
import threading

from figtrail.client.errors import ServerError, TransportError
from figtrail.client.http import Connection

ALPHABET = string.digits + string.ascii_letters


def base62(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 62)
        digits = ALPHABET[rest] + digits
        if number == 0:
            return digits


FIRST_ID_WAIT = 1.0  # how long the first publish may wait for the reservation under way (seconds)


class ShortIds:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.prefix: str | None = None
        self._counter = 0
        self._lock = threading.Lock()
        self._reserving: threading.Thread | None = None

    def reserve_in_background(self) -> None:
        """Reserve a prefix on a thread of its own: a publisher is made without waiting for the
        server (which may be slow, or away)."""
        self._reserving = threading.Thread(target=self.reserve, name="figtrail-short-ids", daemon=True)
        self._reserving.start()

    def reserve(self) -> bool:
        """Ask the server for a prefix (once); False if it could not be reached or refused."""
        if self.prefix:
            return True
        try:
            prefix = self.connection.post("short_id_prefix/reserve/", {})["prefix"]
        except (ServerError, TransportError, KeyError, TypeError):
            return False
        with self._lock:
            self.prefix = self.prefix or prefix
        return True

    def next(self) -> str | None:
        """The next short id; None (links use the full id) while no prefix is reserved."""
        reserving, self._reserving = self._reserving, None
        if reserving is not None and not self.prefix:
            reserving.join(FIRST_ID_WAIT)  # the first publish right after the publisher was made
        with self._lock:
            if not self.prefix:
                return None
            short_id = self.prefix + base62(self._counter)
            self._counter += 1
            return short_id
