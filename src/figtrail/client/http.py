"""Talking HTTP to a figtrail (or GoFigr-compatible) server: authentication, JSON, typed errors.

One ``Connection`` may be used from several threads (the notebook and the background sender), so each
thread gets its own ``requests.Session``.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import requests

from figtrail.client.config import ClientConfig
from figtrail.client.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ServerError,
    ServerUnavailableError,
    TransportError,
    fix_for,
)

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 120.0
ERRORS_BY_STATUS: dict[int, type[ServerError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
}


class Connection:
    """Authenticated JSON requests to one server, as one account (API key, or username and password)."""

    def __init__(self, config: ClientConfig, timeout: tuple[float, float] | None = None) -> None:
        config.require_credentials()
        self.config = config
        self.url = config.require_url()
        self.api_url = config.api_url
        self.timeout = timeout or (CONNECT_TIMEOUT, READ_TIMEOUT)
        self._local = threading.local()
        self._token_lock = threading.Lock()
        self._access: str | None = None
        self._refresh: str | None = None
        self._username: str | None = config.username

    @property
    def account(self) -> str:
        """Who this connection publishes as, without the secret: outbox entries are matched on it."""
        if self.config.api_key:
            return "key:" + hashlib.sha256(self.config.api_key.encode()).hexdigest()[:16]
        return f"user:{self.config.username}"

    @property
    def username(self) -> str:
        if self._username is None:
            self._username = self.get("user")[0]["username"]
        return self._username

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any = None, data: bytes | None = None) -> Any:
        return self.request("POST", path, body=body, data=data)

    def request(
        self, method: str, path: str, *, body: Any = None, data: bytes | None = None, params: Any = None
    ) -> Any:
        """Send one request and return its JSON; any error status raises the matching typed error."""
        response = self._send(method, path, body, data, params)
        if response.status_code == 401 and not self.config.api_key:
            self._sign_in(refresh=True)
            response = self._send(method, path, body, data, params)
        if response.status_code >= 400:
            raise error_for(response, method, path)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def _send(self, method: str, path: str, body: Any, data: bytes | None, params: Any) -> requests.Response:
        headers = {"Authorization": self._authorization()}
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            return self._session().request(
                method,
                self.api_url + path,
                json=body if data is None else None,
                data=data,
                params=params,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise TransportError(
                f"cannot reach the figtrail server at {self.url} ({type(exc).__name__}); "
                "check that it is running and that FIGTRAIL_URL is right",
                detail=str(exc),
            ) from exc

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["User-Agent"] = "figtrail-client"
        return session

    def _authorization(self) -> str:
        if self.config.api_key:
            return f"Token {self.config.api_key}"
        if self._access is None:
            self._sign_in(refresh=False)
        return f"Bearer {self._access}"

    def _sign_in(self, refresh: bool) -> None:
        """Get a JWT: refresh it when we can, else sign in again with the password kept in memory."""
        with self._token_lock:
            if refresh and self._refresh and self._try_refresh():
                return
            try:
                response = self._session().post(
                    self.url + "/api/token/",
                    data={"username": self.config.username, "password": self.config.password},
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                raise TransportError(
                    f"cannot reach the figtrail server at {self.url}; check that it is running "
                    "and that FIGTRAIL_URL is right",
                    detail=str(exc),
                ) from exc
            if response.status_code != 200:
                raise AuthenticationError(
                    f"the server refused the username or password for {self.config.username!r}; "
                    "check them, or use an API key (`figtrail config`)",
                    status=response.status_code,
                )
            tokens = response.json()
            self._access, self._refresh = tokens["access"], tokens.get("refresh")

    def _try_refresh(self) -> bool:
        try:
            response = self._session().post(
                self.url + "/api/token/refresh/", data={"refresh": self._refresh}, timeout=self.timeout
            )
        except requests.RequestException:
            return False
        if response.status_code != 200:
            return False
        self._access = response.json()["access"]
        return True


def describe(response: requests.Response) -> str:
    """The server's own words for an error: its ``detail``, or each field with its complaint."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:300]
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return "; ".join(_flatten(body))[:500]


def _flatten(body: Any, prefix: str = "") -> list[str]:
    if isinstance(body, dict):
        return [line for key, value in body.items() for line in _flatten(value, f"{prefix}{key}.")]
    if isinstance(body, list) and all(isinstance(item, str) for item in body):
        return [f"{prefix.rstrip('.')}: {' '.join(body)}"]
    if isinstance(body, list):
        return [line for index, item in enumerate(body) for line in _flatten(item, f"{prefix}{index}.")]
    return [f"{prefix.rstrip('.')}: {body}"]


def error_for(response: requests.Response, method: str, path: str) -> ServerError:
    status = response.status_code
    detail = describe(response)
    if status >= 500:
        return ServerUnavailableError(
            f"the figtrail server failed ({status}) on {method} {path}: {detail}; it will be retried",
            status=status,
            detail=detail,
        )
    kind = ERRORS_BY_STATUS.get(status, ServerError)
    resource = path.split("/", 1)[0] or "this request"
    message = f"{method} {path} was refused ({status}): {detail}; {fix_for(status, resource)}"
    return kind(message, status=status, detail=detail, code=error_code(response))


def error_code(response: requests.Response) -> str | None:
    """The ``code`` field of an error body, if the server sent one."""
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None
