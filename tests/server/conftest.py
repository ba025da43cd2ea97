"""Users shared by the tests of one module: each module signs up its own, so modules stay independent."""

from __future__ import annotations

import pytest

from tests.server.helpers import Api, new_user


@pytest.fixture(scope="module")
def owner(live_server) -> Api:
    """The user whose objects a module's tests create and change."""
    return new_user(live_server)


@pytest.fixture(scope="module")
def stranger(live_server) -> Api:
    """A second user who is a member of none of ``owner``'s workspaces."""
    return new_user(live_server)
