"""Fixtures for driving the live server with the official, unchanged ``gofigr`` client.

Users are made once per module (``owner``, ``other``) to keep the suite fast; tests that need a clean
slate create their own workspace or analysis under a unique name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
import requests
from gofigr import GoFigr


@dataclass
class Account:
    """A user of the live server, signed in through the official client (password/JWT)."""

    username: str
    password: str
    gf: GoFigr
    http: requests.Session  # raw HTTP with a JWT, for asserting status codes the client hides


def connect(live_server, username: str, password: str) -> GoFigr:
    return GoFigr(username=username, password=password, url=live_server.url)


def new_account(live_server) -> Account:
    """A new user on the live server (``LiveServer.user()``), signed in through the official client."""
    user = live_server.user()
    gf = connect(live_server, user.username, user.password)
    return Account(user.username, user.password, gf, user.session)


def unique(prefix: str) -> str:
    """A name no other test uses, so find-by-name checks see only their own objects."""
    return f"{prefix} {secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def owner(live_server) -> Account:
    return new_account(live_server)


@pytest.fixture(scope="module")
def other(live_server) -> Account:
    return new_account(live_server)
