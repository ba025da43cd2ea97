"""Browser fixtures: Debian's chromium driven by Playwright, against the live server.

``playwright install`` cannot download browsers here, so Playwright is pointed at /usr/bin/chromium,
which ``scripts/ensure-system-packages.sh`` (run by ``make test``) installs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.helpers import Api, new_user
from tests.web.seed import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run scripts/ensure-system-packages.sh as root (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # a plain launch runs on a fresh temporary profile (user-data dir) that Playwright removes after
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def owner(live_server) -> Api:
    """A user whose workspaces the web tests browse (one per worker: making users costs seconds)."""
    return new_user(live_server)


@pytest.fixture(scope="session")
def seeded(owner) -> Seeded:
    prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]  # short ids are under one's own prefix
    return seed(owner, revisions=3, short_prefix=prefix)


class Browsing:
    """One browser context (its own cookies) with a page, and console errors collected for checks."""

    def __init__(self, browser, base_url: str) -> None:
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1360, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto("/signin")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("#signin-submit")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser, live_server) -> Iterator[Browsing]:
    """A signed-out browser context."""
    browsing = Browsing(browser, live_server.url)
    yield browsing
    browsing.close()


@pytest.fixture
def signed_in(browser, live_server, owner) -> Iterator[Browsing]:
    """A browser context signed in as ``owner`` through the sign-in form."""
    browsing = Browsing(browser, live_server.url)
    browsing.sign_in(owner.username, owner.password)
    yield browsing
    browsing.close()
