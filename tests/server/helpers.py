"""Builders for the raw-HTTP server tests: a thin client on ``requests`` and small payload helpers.

Every request goes to the real live server with ``allow_redirects=False``, so a redirect shows up as the
3xx it is instead of being silently followed (the official client's POSTs would become GETs).
"""

from __future__ import annotations

import base64
import io
import secrets
import sqlite3
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from tests.conftest import LiveUser

VERSIONS = ["v1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.4.1"]


class Api:
    """One signed-in user talking to ``/api/<version>/``; paths are relative to that prefix."""

    def __init__(
        self, server, session: requests.Session, username: str, password: str, version: str = "v1.4.1"
    ):
        self.server = server
        self.session = session
        self.username = username
        self.password = password
        self.base = f"{server.url}/api/{version}/"

    @classmethod
    def of(cls, user: LiveUser) -> Api:
        """A signed-in user of a live server (``LiveServer.user()`` or ``.sign_in()``) as an ``Api``."""
        return cls(user.server, user.session, user.username, user.password)

    def at(self, version: str) -> Api:
        """The same user at another API version."""
        return Api(self.server, self.session, self.username, self.password, version)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body if body is not None else {}, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json=body, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # ---- builders: each asserts the exact create status and returns the JSON body ----

    def ok(self, path: str) -> dict:
        response = self.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def created(self, path: str, body: dict) -> dict:
        response = self.post(path, body)
        assert response.status_code == 201, response.text
        return response.json()

    def primary(self) -> dict:
        return next(w for w in self.ok("workspace/") if w["workspace_type"] == "primary")

    def workspace(self, name: str | None = None) -> dict:
        return self.created("workspace/", {"name": name or unique("ws"), "organization": None})

    def analysis(self, workspace_id: str, name: str | None = None) -> dict:
        return self.created("analysis/", {"name": name or unique("analysis"), "workspace": workspace_id})

    def figure(self, analysis_id: str, name: str | None = None) -> dict:
        return self.created("figure/", {"name": name or unique("figure"), "analysis": analysis_id})

    def tree(self) -> tuple[dict, dict, dict]:
        """A fresh workspace with one analysis holding one figure."""
        workspace = self.workspace()
        analysis = self.analysis(workspace["api_id"])
        return workspace, analysis, self.figure(analysis["api_id"])

    def revision(self, figure_id: str, *data: dict, **extra: Any) -> dict:
        return self.created("revision/", {"figure": figure_id, "metadata": {}, "data": list(data), **extra})

    def asset(self, workspace_id: str, name: str | None = None, analysis_id: str | None = None) -> dict:
        body = {"name": name or unique("asset") + ".csv", "workspace": workspace_id}
        if analysis_id:
            body["analysis"] = analysis_id
        return self.created("asset/", body)

    def asset_revision(self, asset_id: str, payload: bytes, path: str = "data.csv") -> dict:
        item = data_item(payload, "file", name=Path(path).name, path=path)
        return self.created("asset_revision/", {"asset": asset_id, "data": [item]})


def refusal(response: requests.Response, status: int, field: str = "detail") -> Any:
    """What an error answer says: checks the status and the JSON body, which names ``field`` (the
    rejected field of a 400, or ``detail``: the reason of a 401, 403, 404, 405 or 409), and returns it."""
    assert response.status_code == status, response.text
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.text
    body = response.json()
    assert field in body, body
    return body[field]


NO_CREDENTIALS = "Authentication credentials were not provided."  # the reason of a 401 without any


def denied(access: str, kind: str) -> str:
    """The reason of a 403 from the object permissions: the access one lacks, on what kind of object."""
    return f"You do not have {access} access to this {kind}."


def no_such(kind: str, api_id: str) -> str:
    """The reason of a 404 for an id nothing has (or had) of that kind."""
    return f"No {kind} with id {api_id}."


def when(timestamp: str) -> datetime:
    """Parse a server timestamp (ISO 8601 with a timezone, maybe a 'Z')."""
    parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    return parsed


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def b64(payload: bytes) -> str:
    return base64.b64encode(payload).decode()


def data_item(payload: bytes, type_: str = "text", name: str = "item", **metadata: Any) -> dict:
    """A data object as the official client sends it inside a revision body."""
    return {
        "name": name,
        "type": type_,
        "is_clean_room": False,
        "metadata": {"local_id": str(uuid.uuid4()), **metadata},
        "data": b64(payload),
    }


def png_bytes(width: int = 120, height: int = 80, color: tuple = (200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def new_user(server) -> Api:
    """A new user on the live server (``LiveServer.user()``), as an ``Api``."""
    return Api.of(server.user())


def token_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    return session


def read_db(server, sql: str, params: tuple = ()) -> list[tuple]:
    """Query the server's database read-only (the server keeps running meanwhile); ``?`` placeholders."""
    database_url = server.env.get("FIGTRAIL_DATABASE_URL")
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as connection:
            return connection.execute(sql.replace("?", "%s"), params).fetchall()
    path = Path(server.home) / "figtrail.sqlite3"
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def blob_files(server) -> list[Path]:
    root = Path(server.home) / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file())


def finished_task(api: Api, task_id: str, timeout: float = 90) -> dict:
    """Poll ``task/<id>/`` until the task succeeded or failed; its final JSON."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = api.ok(f"task/{task_id}/")
        if task["status"] in ("succeeded", "failed"):
            return task
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not finish in {timeout} s: {task}")
