"""Title, axis labels and series names read from the plotting code, when the capture did not store them.

Captures record the image and the code, not the axes: reading the literal strings passed to the usual
plotting calls (``set_xlabel("Time")``, ``plt.title(...)``, ``label="control"``, plotly's
``labels={"x": ...}``/``name=``) recovers most of what a reader would want, without running anything.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

AXIS_CALLS = {
    "xlabel": "x",
    "set_xlabel": "x",
    "ylabel": "y",
    "set_ylabel": "y",
    "zlabel": "z",
    "set_zlabel": "z",
    "update_xaxes": "x",
    "update_yaxes": "y",
}
TITLE_CALLS = {"title", "set_title", "suptitle", "update_layout"}
SERIES_KEYWORDS = {"label", "name"}
AXIS_KEYWORDS = {"x_axis_label": "x", "y_axis_label": "y", "xlabel": "x", "ylabel": "y"}


@dataclass
class CodeLabels:
    title: str = ""
    axis_labels: dict[str, str] = field(default_factory=dict)
    series: list[str] = field(default_factory=list)


def read_labels(code: str) -> CodeLabels:
    """The labels found in ``code``; empty if it does not parse (IPython magics, another language)."""
    found = CodeLabels()
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _visit_call(node, found)
    return found


def _visit_call(call: ast.Call, found: CodeLabels) -> None:
    name = _call_name(call)
    first = _literal(call.args[0]) if call.args else ""
    if name in AXIS_CALLS and first:
        found.axis_labels[AXIS_CALLS[name]] = first
    if name in TITLE_CALLS and first and not found.title:
        found.title = first
    for keyword in call.keywords:
        _visit_keyword(name, keyword, found)


def _visit_keyword(name: str, keyword: ast.keyword, found: CodeLabels) -> None:
    if keyword.arg is None:
        return
    if keyword.arg in SERIES_KEYWORDS and (text := _literal(keyword.value)) and text not in found.series:
        found.series.append(text)
    elif keyword.arg in AXIS_KEYWORDS and (text := _literal(keyword.value)):
        found.axis_labels.setdefault(AXIS_KEYWORDS[keyword.arg], text)
    elif keyword.arg in ("title", "title_text") and (text := _literal(keyword.value)) and not found.title:
        found.title = text
    elif keyword.arg == "labels" and isinstance(keyword.value, ast.Dict):
        for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
            axis, text = _literal(key) if key else "", _literal(value)
            if axis in ("x", "y", "z") and text:
                found.axis_labels.setdefault(axis, text)


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip()
    return ""
