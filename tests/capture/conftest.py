"""Capture tests that publish reuse the client tests' account, publisher and isolation fixtures."""

from tests.client.conftest import account, isolated_client, line_figure, make_publisher  # noqa: F401
