"""Fixtures for client tests: an account on the live server and a private outbox and config."""

from __future__ import annotations

import pytest

from tests.client.accounts import Account, make_account


@pytest.fixture(scope="module")
def account(live_server) -> Account:
    return make_account(live_server)


@pytest.fixture(autouse=True)
def isolated_client(tmp_path, monkeypatch):
    """No test reads the developer's ~/.figtrail or FIGTRAIL_* settings, or shares an outbox."""
    for name in ("FIGTRAIL_URL", "FIGTRAIL_API_KEY", "FIGTRAIL_WORKSPACE", "FIGTRAIL_AUTO_PUBLISH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FIGTRAIL_CONFIG", str(tmp_path / "figtrail-config.json"))
    monkeypatch.setenv("FIGTRAIL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("FIGTRAIL_EXIT_WAIT", "5")
    from figtrail.capture.assets import TRACKER

    TRACKER.clear()
    TRACKER.outbox_path = tmp_path / "outbox"
    return tmp_path


@pytest.fixture
def make_publisher(account, isolated_client):
    """Publishers for the test's account, stopped after the test (their outbox is the test's own)."""
    from figtrail import Publisher

    made = []

    def make(**kwargs):
        kwargs.setdefault("url", account.url)
        kwargs.setdefault("api_key", account.api_key)
        kwargs.setdefault("analysis", f"client tests {account.username}")
        publisher = Publisher(**kwargs)
        made.append(publisher)
        return publisher

    yield make
    for publisher in made:
        publisher.close()


@pytest.fixture
def line_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 3))
    axes.plot([1, 2, 3], [1, 4, 9])
    axes.set_title("Squares")
    yield figure
    plt.close(figure)
