"""Accounts on the live server for client tests: a user, an API key, and a JWT session for checks."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path

import requests


@dataclass
class Account:
    url: str
    username: str
    password: str
    api_key: str
    http: requests.Session  # raw HTTP with a JWT, for reading back what the client sent

    @property
    def api(self) -> str:
        return self.url + "/api/v1.4.1/"

    def get(self, path: str, **params) -> dict | list:
        response = self.http.get(self.api + path, params=params or None)
        response.raise_for_status()
        return response.json()

    def revision(self, api_id: str) -> dict:
        return self.get(f"revision/{api_id}/")

    def payload(self, data_id: str) -> bytes:
        return base64.b64decode(self.get(f"data/{data_id}/")["data"])

    def analyses(self) -> list[dict]:
        """Every analysis in every workspace this account sees."""
        found = []
        for workspace in self.get("workspace/"):
            found += self.get(f"workspace/{workspace['api_id']}/")["analyses"]
        return found

    def analysis_named(self, name: str) -> dict:
        matches = [a for a in self.analyses() if a["name"] == name]
        assert len(matches) == 1, [a["name"] for a in self.analyses()]
        return self.get(f"analysis/{matches[0]['api_id']}/")

    def figures(self, analysis_name: str) -> dict[str, dict]:
        """Figures of an analysis by name, each with its revisions."""
        analysis = self.analysis_named(analysis_name)
        return {f["name"]: self.get(f"figure/{f['api_id']}/") for f in analysis["figures"]}


def make_account(live_server) -> Account:
    """A new user on the live server (``LiveServer.user()``) with an API key named "tests"."""
    user = live_server.user()
    return Account(live_server.url, user.username, user.password, user.api_key("tests"), user.session)


def data_by_format(revision: dict) -> dict[tuple[str, bool], dict]:
    """Image data objects keyed by (format, watermarked)."""
    return {
        (d["metadata"].get("format"), bool(d["metadata"].get("is_watermarked"))): d
        for d in revision["data"]
        if d["type"] == "image"
    }


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def outbox_files(path: Path, folder: str = "jobs") -> list[Path]:
    return sorted((path / folder).glob("*.json"))
