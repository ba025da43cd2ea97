"""A real HTTP server that speaks OpenAI's chat-completions protocol, for testing the openai provider.

It records every request it receives and answers with what the test scripted: a JSON completion, a
Server-Sent Events stream (with or without a usage chunk), or an error status.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    text: str = "The figure shows two cities. Lisbon is warmer."
    status: int = 200
    error_body: str = ""  # sent as is, with ``status``, instead of an answer
    usage: bool = True  # streams: send the usage chunk (servers that ignore stream_options do not)
    requests: list[dict[str, Any]] = field(default_factory=list)


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        script = self.server.script
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        script.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if script.status != 200 or script.error_body:
            return self._send(script.status, "application/json", script.error_body.encode())
        if body.get("stream"):
            return self._stream(script)
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": script.text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 321, "completion_tokens": 9, "total_tokens": 330},
        }
        self._send(200, "application/json", json.dumps(answer).encode())

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, script: Script) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()  # HTTP/1.0: the body ends when the connection closes
        self.wfile.write(b": keep-alive\n\n")
        for word in script.text.split(" "):
            piece = word if word == script.text.split(" ")[0] else " " + word
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        if script.usage:
            usage = {
                "choices": [],
                "usage": {"prompt_tokens": 321, "completion_tokens": 9, "total_tokens": 330},
            }
            self.wfile.write(f"data: {json.dumps(usage)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


class ChatServer(ThreadingHTTPServer):
    script: Script


@contextmanager
def chat_server(script: Script) -> Iterator[str]:
    """Serve on a random local port; yields the base URL (``http://127.0.0.1:<port>/v1``)."""
    server = ChatServer(("127.0.0.1", 0), ChatHandler)
    server.script = script
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
