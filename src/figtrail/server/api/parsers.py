"""The API's JSON parser: DRF's, refusing JSON bombs with a 400 that names the problem.

Python's decoder raises ``RecursionError`` (not ``ValueError``) on very deep nesting, which DRF would
turn into a 500; a document nested a little less deeply would parse, then overflow the stack later
(validation, saving a JSON field). So nesting is limited to MAX_DEPTH levels and a document to
MAX_NODES values; the body size itself is limited by FIGTRAIL_MAX_BODY_BYTES (api/limits.py).
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64
MAX_NODES = 1_000_000


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(too_deep()) from exc
        check_shape(document)
        return document


def too_deep() -> str:
    return f"JSON is nested too deeply (at most {MAX_DEPTH} levels of arrays and objects)."


def check_shape(document) -> None:
    """Walk the document without recursion; ParseError if too deep or too many values."""
    stack = [(document, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ParseError(f"JSON has too many values (at most {MAX_NODES}).")
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise ParseError(too_deep())
        stack.extend((child, depth + 1) for child in children)
