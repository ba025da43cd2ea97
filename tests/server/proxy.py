"""A small reverse proxy on loopback that spreads requests over several app servers, round-robin.

It stands in for the nginx of docs/deployment.md in the tests and in benchmarks/scale_out.py: each
request (not each connection) goes to the next app server in turn, with the client's own headers
(``Host`` too) and a new connection to that server (``Connection: close``, as nginx does without
``keepalive``), so a publisher's keep-alive session still lands on every server. It counts what each
server answered, and its 5xx. A server that cannot be reached gets a 502 from the proxy (counted as
``bad_gateway``), which a client retries as it would nginx's; the request is not sent elsewhere.
Bodies are read whole before they are sent on (``proxy_request_buffering on``), answers too (a stream
such as Server-Sent Events arrives at its end); a chunked request body gets 411.
Standard library only.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
TIMEOUT = 300.0  # seconds for an app server's answer: gunicorn's worker timeout (proxy_read_timeout)


class RoundRobinProxy:
    """Listens on a random port of 127.0.0.1 (``url``); use as a context manager so it is always stopped."""

    def __init__(self, backends: list[str], host: str = "127.0.0.1") -> None:
        self.backends = [urlsplit(url) for url in backends]
        self.answered = [0] * len(backends)  # requests each app server answered
        self.server_errors = [0] * len(backends)  # of those, answers with a 5xx status
        self.bad_gateway = 0  # requests no app server answered (the proxy's own 502)
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._httpd = _Listener((host, 0), type("Handler", (_Handler,), {"proxy": self}))
        self.url = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    @property
    def api(self) -> str:
        return self.url + "/api/v1.4.1/"

    def __enter__(self) -> RoundRobinProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(10)
            self._thread = None
        self._httpd.close_all()

    def next_backend(self) -> int:
        return next(self._turn) % len(self.backends)

    def record(self, index: int | None, status: int) -> None:
        with self._lock:
            if index is None:
                self.bad_gateway += 1
                return
            self.answered[index] += 1
            if status >= 500:
                self.server_errors[index] += 1


class _Listener(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args, **kwargs) -> None:
        self.open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address) -> None:
        with self._connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        """Closes the listening socket and every client connection still open (idle keep-alives)."""
        self.server_close()
        with self._connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive towards the client
    proxy: RoundRobinProxy

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def forward(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.reply(411, b"chunked request bodies are not supported by this proxy\n", close=True)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        index = self.proxy.next_backend()
        backend = self.proxy.backends[index]
        connection = http.client.HTTPConnection(backend.hostname, backend.port, timeout=TIMEOUT)
        try:
            connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    connection.putheader(name, value)
            connection.putheader("Connection", "close")
            connection.endheaders(body or None)
            answer = connection.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException):
            self.proxy.record(None, 502)
            self.reply(502, b"bad gateway: the app server did not answer\n")
            return
        finally:
            connection.close()
        self.proxy.record(index, answer.status)
        self.send_response_only(answer.status, answer.reason)  # the app server's Date and Server follow
        has_body = self.command != "HEAD" and answer.status not in (204, 304)
        for name, value in answer.getheaders():
            lowered = name.lower()
            if lowered in HOP_BY_HOP or (lowered == "content-length" and has_body):
                continue
            self.send_header(name, value)
        if has_body:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if has_body:
            self.wfile.write(payload)

    def reply(self, status: int, text: bytes, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = forward
