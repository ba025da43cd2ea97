"""Bedrock's ConverseStream answer as real AWS event-stream bytes, served through botocore's own parser.

botocore's Stubber cannot stub an event stream, so the stream tests answer the HTTP request instead (a
``before-send`` hook, which botocore provides for this) with bytes in the documented
``application/vnd.amazon.eventstream`` framing: prelude (total and header lengths, CRC32), headers,
JSON payload, CRC32. Everything after the bytes (parsing, event shapes, errors) is the real client's.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

from botocore.awsrequest import AWSResponse


def _header(name: str, value: str) -> bytes:
    encoded_name, encoded_value = name.encode(), value.encode()
    return (
        struct.pack("!B", len(encoded_name))
        + encoded_name
        + b"\x07"
        + struct.pack("!H", len(encoded_value))
        + encoded_value
    )


def message(headers: dict[str, str], payload: dict[str, Any]) -> bytes:
    header_bytes = b"".join(_header(name, value) for name, value in headers.items())
    body = json.dumps(payload).encode()
    total = 12 + len(header_bytes) + len(body) + 4
    prelude = struct.pack("!II", total, len(header_bytes))
    prelude += struct.pack("!I", zlib.crc32(prelude))
    framed = prelude + header_bytes + body
    return framed + struct.pack("!I", zlib.crc32(framed))


def event(kind: str, payload: dict[str, Any]) -> bytes:
    headers = {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}
    return message(headers, payload)


def exception(kind: str, text: str) -> bytes:
    headers = {":exception-type": kind, ":content-type": "application/json", ":message-type": "exception"}
    return message(headers, {"message": text})


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield from (self._data[i : i + 64] for i in range(0, len(self._data), 64))

    def close(self) -> None:
        pass


def answer_with(client: Any, data: bytes, sent: list[Any]) -> None:
    """Make ``client``'s ConverseStream calls receive ``data``; the requests botocore built go to ``sent``."""

    def respond(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        headers = {"content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "test"}
        return AWSResponse(request.url, 200, headers, _Raw(data))

    client.meta.events.register("before-send.bedrock-runtime.ConverseStream", respond)
