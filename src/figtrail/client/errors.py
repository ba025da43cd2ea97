"""Every error the client raises, typed, with a message that names the fix.

A notebook user sees these as one line (see ``figtrail.jupyter``), so each message must stand on its
own: what went wrong, and what to do about it. As in httpx, "nothing answered" (no status) is apart
from "the server answered with an error" (with its status)::

    FigtrailError
    ├── NotConfiguredError        no server URL or credentials anywhere
    ├── ConfigFileError           the config file or a FIGTRAIL_* value means nothing
    ├── LookupFailedError         a FindByName / ApiId target matched nothing
    ├── DeliveryError             strict mode: a revision could not be delivered
    ├── TransportError            nothing answered: refused, unresolvable, timed out (retried later)
    └── ServerError               the server answered with an error; ``status``, ``detail``, ``code``
        ├── BadRequestError           400: ``detail`` names the field
        ├── AuthenticationError       401
        ├── PermissionDeniedError     403
        ├── NotFoundError             404
        ├── ConflictError             409
        ├── PayloadTooLargeError      413
        └── ServerUnavailableError    5xx (retried later)

``RETRY_LATER`` is the pair the outbox keeps a revision for and sends again, untouched.
"""

from __future__ import annotations


class FigtrailError(Exception):
    """The base of every figtrail client error."""


class NotConfiguredError(FigtrailError):
    """No server URL or credentials were found in arguments, FIGTRAIL_* variables or the config file."""

    def __init__(self, missing: str = "server URL or API key") -> None:
        super().__init__(
            f"figtrail is not configured: no {missing}. Run `figtrail config`, "
            "or set FIGTRAIL_URL and FIGTRAIL_API_KEY."
        )


class ConfigFileError(FigtrailError):
    """A setting cannot be read: the config file is not figtrail settings, or a FIGTRAIL_* variable
    has a value that means nothing."""


class TransportError(FigtrailError):
    """Nothing answered: the server was not reached (refused, unresolvable) or did not answer in time.
    There is no status; ``detail`` has the underlying reason. Worth retrying later."""

    status = None

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class ServerError(FigtrailError):
    """The server answered with an error status. ``status`` is the HTTP code, ``detail`` its message,
    ``code`` the machine-readable reason when the server gives one (e.g. ``duplicate_client_id``)."""

    status: int = 0

    def __init__(
        self, message: str, status: int | None = None, detail: str = "", code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status if status is not None else type(self).status
        self.detail = detail
        self.code = code


class ServerUnavailableError(ServerError):
    """The server answered 5xx (it failed, or is restarting): worth retrying later."""

    status = 503


class AuthenticationError(ServerError):
    """401: the credentials were refused."""

    status = 401


class PermissionDeniedError(ServerError):
    """403: the object exists but this account may not do that to it."""

    status = 403


class NotFoundError(ServerError):
    """404: no such object (or it was deleted)."""

    status = 404


class BadRequestError(ServerError):
    """400: the server rejected a field of the request; ``detail`` names it."""

    status = 400


class ConflictError(ServerError):
    """409: the object already exists (for a revision: it was delivered before)."""

    status = 409


class PayloadTooLargeError(ServerError):
    """413: the request body is over the server's size limit."""

    status = 413


class LookupFailedError(FigtrailError):
    """A FindByName/ApiId target did not match any workspace, analysis or figure."""


class DeliveryError(FigtrailError):
    """A revision could not be delivered (strict mode only; otherwise it waits in the outbox)."""


RETRY_LATER: tuple[type[FigtrailError], ...] = (TransportError, ServerUnavailableError)


def fix_for(status: int, what: str) -> str:
    """The one sentence telling the user what to change, for an HTTP status refusing ``what``."""
    return {
        400: f"the server rejected {what}; the field named above needs fixing",
        401: "check the API key (run `figtrail config`, or set FIGTRAIL_API_KEY)",
        403: f"your account may not write to {what}; ask its owner for access or publish elsewhere",
        404: f"{what} no longer exists; publish to another target",
        413: "the revision is over the server's size limit; publish fewer or smaller images "
        "(image_formats=('png',)) or ask the admin to raise FIGTRAIL_MAX_BODY_BYTES",
    }.get(status, "see `figtrail outbox list` for details")
