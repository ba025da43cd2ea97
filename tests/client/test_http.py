"""The HTTP layer's typed errors, each one readable line naming the fix, against real servers."""

from __future__ import annotations

import pytest

from figtrail.client.config import ClientConfig
from figtrail.client.errors import (
    RETRY_LATER,
    AuthenticationError,
    BadRequestError,
    NotConfiguredError,
    ServerError,
    ServerUnavailableError,
    TransportError,
)
from figtrail.client.http import Connection
from tests.client.accounts import make_account
from tests.conftest import free_port, start_server, stop_server


def connect(url: str, api_key: str) -> Connection:
    return Connection(ClientConfig(url=url, api_key=api_key))


def test_a_refused_key_says_how_to_fix_it(account):
    with pytest.raises(AuthenticationError) as refused:
        connect(account.url, "ft_not-a-key").get("workspace/")
    assert "figtrail config" in str(refused.value) and "\n" not in str(refused.value)


def test_an_unreachable_server_is_retryable_and_says_so():
    with pytest.raises(TransportError) as down:
        connect(f"http://127.0.0.1:{free_port()}", "ft_x").get("info/")
    assert "check that it is running" in str(down.value)
    assert down.value.status is None and "refused" in down.value.detail.lower()
    assert not isinstance(down.value, ServerError) and isinstance(down.value, RETRY_LATER)


def test_a_failing_server_answers_with_its_status_and_is_retried_later():
    """A proxy whose figtrail is restarting answers 502: an answer, with a status, unlike no answer."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Failing(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"detail": "upstream is restarting"}).encode()
            self.send_response(502)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ServerUnavailableError) as failed:
            connect(f"http://127.0.0.1:{server.server_port}", "ft_x").get("info/")
    finally:
        server.shutdown()
    assert failed.value.status == 502 and failed.value.detail == "upstream is restarting"
    assert isinstance(failed.value, ServerError) and isinstance(failed.value, RETRY_LATER)


def test_a_rejected_field_is_named(account):
    with pytest.raises(BadRequestError) as rejected:
        connect(account.url, account.api_key).post("revision/", {"data": []})
    assert "figure" in rejected.value.detail


def test_nothing_configured_is_one_clear_line():
    with pytest.raises(NotConfiguredError) as missing:
        Connection(ClientConfig())
    assert str(missing.value) == (
        "figtrail is not configured: no server URL or API key. Run `figtrail config`, "
        "or set FIGTRAIL_URL and FIGTRAIL_API_KEY."
    )


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    """A server that accepts request bodies of at most 20 kB, to see a 413 the way a user would."""
    server = start_server(tmp_path_factory.mktemp("small-home"), {"FIGTRAIL_MAX_BODY_BYTES": "20000"})
    yield server
    stop_server(server)


def test_a_revision_over_the_size_limit_is_held_with_the_fix(
    small_server, make_publisher, line_figure, capsys
):
    owner = make_account(small_server)
    publisher = make_publisher(url=owner.url, api_key=owner.api_key)
    revision = publisher.publish(line_figure, target="Too big")
    assert not revision.wait(60)
    assert "413" in revision.error and "FIGTRAIL_MAX_BODY_BYTES" in revision.error
    [held] = publisher.outbox.held()
    assert held["error_status"] == 413
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("figtrail:")]
    assert len(lines) == 1 and "image_formats" in lines[0]


def test_many_publishes_to_a_down_server_warn_once(make_publisher, line_figure, capsys, account):
    publisher = make_publisher(url=f"http://127.0.0.1:{free_port()}")
    revisions = [publisher.publish(line_figure, target=f"Down {n}") for n in range(3)]
    for _ in range(2):
        publisher.flush(10)
    assert all(r.status == "queued" for r in revisions)
    assert len(publisher.waiting()) == 3  # nothing dropped: every revision waits in the outbox
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("figtrail:")]
    assert len(lines) == 1 and "cannot reach" in lines[0] and "item(s) wait in the outbox" in lines[0]
