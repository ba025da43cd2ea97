"""The clean room's data: parameter descriptors, the manifest, and the data objects a revision carries.

A ``@reproducible`` function (``figtrail.client.reproducible``) runs with nothing but its parameters and
its declared packages. What it ran with is recorded here, in the shape both official clients send and
the server reads:

* a ``code`` object, the function's body (``metadata.format`` "clean_room", ``function_name``);
* a ``text`` object, the JSON manifest (``metadata.format`` "json", ``metadata.role`` "manifest"): the
  language and its version, the function's name, the packages (distribution -> version), the imports
  (alias -> module), every parameter (its type, widget, value and bounds or choices) and how figures
  were rendered (``rendering.dpi``);
* one ``dataframe`` object per DataFrame parameter, as Parquet (``metadata.format`` "parquet"), named
  after the parameter;

each with ``is_clean_room`` set, and the revision too. Parameters are made of JSON values (numbers,
strings, booleans, None, and lists and string-keyed dicts of them; tuples and numpy arrays become lists)
and pandas DataFrames. Anything else, or more than ``MAX_CLEAN_ROOM_BYTES`` of frames, is refused with
:class:`CleanRoomError`, and the decorator then runs the function as a plain call, with a warning.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import io
import json
import platform
import sys
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin

from figtrail.capture.annotators import DataItem

MAX_CLEAN_ROOM_BYTES = 100 * 1024 * 1024  # DataFrame parameters above this run the function plainly
SOURCE_NAME = "Clean Room Source"  # the names the Python client gives them; the R client's differ, so
MANIFEST_NAME = "Clean Room Manifest"  # readers go by metadata (format, role) and is_clean_room
NEEDS_PYARROW = "DataFrame parameters are stored as Parquet, which needs pyarrow: pip install pyarrow"

_TYPE_NAMES: dict[type, str] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    type(None): "none",
}


class CleanRoomError(Exception):
    """The parameters cannot be recorded (an unsupported type, too much data, no pyarrow)."""


def type_name(value: Any) -> str:
    """The language-neutral type the manifest records: integer, number, boolean, string, none, unknown."""
    return _TYPE_NAMES.get(type(value), "unknown")


class Param:
    """A parameter's default value and the control that edits it. Subclasses name their ``widget``."""

    widget: str | None = None

    def __init__(self, default: Any) -> None:
        self.default = default

    def options(self, value: Any) -> dict[str, Any]:
        """What the control needs besides the value (bounds, choices)."""
        return {}

    def to_manifest(self, value: Any = ...) -> dict[str, Any]:
        """The manifest's entry for this parameter with ``value`` (left out: the default)."""
        value = self.default if value is ... else value
        entry: dict[str, Any] = {"type": self.manifest_type(value)}
        if self.widget is not None:
            entry["widget"] = self.widget
        entry["value"] = value
        entry.update(self.options(value))
        return entry

    def manifest_type(self, value: Any) -> str:
        return type_name(value)

    def __repr__(self) -> str:
        extra = "".join(f", {key}={val!r}" for key, val in vars(self).items() if key != "default")
        return f"{type(self).__name__}({self.default!r}{extra})"


class SliderParam(Param):
    """A number on a slider. Bounds left out are chosen from the value: from 0 to twice the value (at
    least 100 for an integer, 1.0 for a float), in steps of 1 or 0.1."""

    widget = "slider"

    def __init__(
        self,
        default: Any,
        *,
        min: float | None = None,  # noqa: A002 - the official client's keyword
        max: float | None = None,  # noqa: A002
        step: float | None = None,
    ) -> None:
        super().__init__(default)
        self.min, self.max, self.step = min, max, step

    def options(self, value: Any) -> dict[str, Any]:
        whole = isinstance(value, int) and not isinstance(value, bool)
        floor = 100 if whole else 1.0
        if self.max is not None:
            top: Any = self.max
        elif not value:
            top = floor
        else:
            top = value * 2 if value * 2 > floor else floor
        return {
            "min": 0 if self.min is None else self.min,
            "max": top,
            "step": self.step if self.step is not None else (1 if whole else 0.1),
        }


class DropdownParam(Param):
    """One of a fixed list of choices."""

    widget = "dropdown"

    def __init__(self, default: Any, *, choices: list[Any]) -> None:
        super().__init__(default)
        self.choices = list(choices)

    def options(self, value: Any) -> dict[str, Any]:
        return {"choices": [plain(choice) for choice in self.choices]}


class CheckboxParam(Param):
    """True or False."""

    widget = "checkbox"

    def manifest_type(self, value: Any) -> str:
        return "boolean"


class TextParam(Param):
    """Free text."""

    widget = "text"

    def manifest_type(self, value: Any) -> str:
        return "string"


class StaticParam(Param):
    """A value shown but not edited (lists, arrays, dicts): the manifest gives it no widget."""


def infer_param(value: Any, hint: Any = None) -> Param:
    """The control a plain default gets: a ``Literal[...]`` hint a dropdown, a bool a checkbox, a number
    a slider, a string a text field, anything else a static value."""
    if hint is not None and get_origin(hint) is Literal:
        return DropdownParam(value, choices=list(get_args(hint)))
    if isinstance(value, bool):
        return CheckboxParam(value)
    if isinstance(value, int | float):
        return SliderParam(value)
    if isinstance(value, str):
        return TextParam(value)
    return StaticParam(value)


def is_frame(value: Any) -> bool:
    """A pandas DataFrame (pandas is not imported for this: a frame means it already is)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def plain(value: Any, where: str = "value") -> Any:
    """``value`` as JSON values (tuples and numpy arrays as lists, numpy scalars as numbers), or a
    CleanRoomError naming what cannot be."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [plain(item, where) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise CleanRoomError(f"{where}: a dict with keys that are not strings")
        return {key: plain(item, where) for key, item in value.items()}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            return plain(value.tolist(), where)
        if isinstance(value, numpy.bool_):
            return bool(value)
        if isinstance(value, numpy.integer):
            return int(value)
        if isinstance(value, numpy.floating):
            return float(value)
    raise CleanRoomError(f"{where} is of type {type(value).__name__}")


def frames_size(values: Mapping[str, Any]) -> int:
    """The bytes the DataFrame parameters take in memory (deep: strings counted)."""
    return sum(int(v.memory_usage(deep=True).sum()) for v in values.values() if is_frame(v))


def to_parquet(frame: Any) -> bytes:
    try:
        importlib.import_module("pyarrow")  # pandas would say less clearly what is missing
    except ImportError as exc:
        raise CleanRoomError(NEEDS_PYARROW) from exc
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow")
    return buffer.getvalue()


def from_parquet(content: bytes) -> Any:
    import pandas

    return pandas.read_parquet(io.BytesIO(content), engine="pyarrow")


@dataclass
class Recorded:
    """The parameters as recorded: manifest entries, Parquet bytes, and the values read back from both,
    which the function runs with (what a re-run from the record would get)."""

    entries: dict[str, dict[str, Any]]
    frames: dict[str, bytes]
    values: dict[str, Any]


def record(values: Mapping[str, Any], params: Mapping[str, Param]) -> Recorded:
    """Record ``values`` with their controls ``params``; a CleanRoomError when one cannot be."""
    unsupported = []
    for name, value in values.items():
        if is_frame(value):
            continue
        try:
            plain(value, repr(name))
        except CleanRoomError as exc:
            unsupported.append(str(exc))
    if unsupported:
        raise CleanRoomError(
            "unsupported parameter types (" + "; ".join(unsupported) + "): a clean room records numbers, "
            "strings, booleans, None, lists, tuples and string-keyed dicts of them, numpy arrays and "
            "pandas DataFrames"
        )
    size = frames_size(values)
    if size > MAX_CLEAN_ROOM_BYTES:
        raise CleanRoomError(
            f"the DataFrame parameters take {size / 2**20:.1f} MB, over the clean room's "
            f"{MAX_CLEAN_ROOM_BYTES / 2**20:.0f} MB"
        )
    entries: dict[str, dict[str, Any]] = {}
    frames: dict[str, bytes] = {}
    read_back: dict[str, Any] = {}
    for name, value in values.items():
        if is_frame(value):
            frames[name] = to_parquet(value)
            entries[name] = {"type": "dataframe"}
            read_back[name] = from_parquet(frames[name])
            continue
        value = json.loads(json.dumps(plain(value)))  # exactly what the manifest will hold
        entries[name] = params.get(name, infer_param(value)).to_manifest(value)
        read_back[name] = value
    return Recorded(entries, frames, read_back)


@dataclass
class CleanRoom:
    """One run of a ``@reproducible`` function: what a revision published from it records."""

    function_name: str
    source: str
    imports: dict[str, str]  # alias -> module
    packages: dict[str, str | None]  # distribution -> version
    recorded: Recorded
    rendering: dict[str, Any] = field(default_factory=dict)
    language_version: str = field(default_factory=platform.python_version)

    def manifest(self) -> dict[str, Any]:
        return {
            "language": "python",
            "language_version": self.language_version,
            "function_name": self.function_name,
            "packages": self.packages,
            "imports": self.imports,
            "parameters": self.recorded.entries,
            "rendering": self.rendering,
        }

    def items(self) -> list[DataItem]:
        """The data objects, in the order the revision lists them: source, manifest, frames."""
        source_meta = {
            "language": "python",
            "format": "clean_room",
            "encoding": "utf-8",
            "function_name": self.function_name,
        }
        manifest_meta = {"format": "json", "encoding": "utf-8", "role": "manifest"}
        text = json.dumps(self.manifest(), ensure_ascii=False)
        items = [
            DataItem(SOURCE_NAME, "code", self.source.encode(), source_meta, with_primary=True),
            DataItem(MANIFEST_NAME, "text", text.encode(), manifest_meta, with_primary=True),
        ]
        items += [
            DataItem(name, "dataframe", content, {"format": "parquet"}, with_primary=True)
            for name, content in self.recorded.frames.items()
        ]
        return items


_running: contextvars.ContextVar[CleanRoom | None] = contextvars.ContextVar(
    "figtrail_clean_room", default=None
)
_figures: weakref.WeakKeyDictionary[Any, CleanRoom] = weakref.WeakKeyDictionary()
_by_id: dict[int, tuple[Any, CleanRoom]] = {}  # figures that cannot be weakly referenced or hashed


@contextlib.contextmanager
def running(room: CleanRoom) -> Iterator[None]:
    """While the function runs: what it publishes is a clean-room revision."""
    token = _running.set(room)
    try:
        yield
    finally:
        _running.reset(token)


def remember(figure: Any, room: CleanRoom) -> None:
    """``figure`` was made by ``room``'s run: publishing it later (the notebook shows it when the cell
    ends; a script may publish what the function returned) still records the clean room."""
    if figure is None:
        return
    try:
        _figures[figure] = room
    except TypeError:  # not weakly referenceable, or unhashable: kept (alive) until published
        _by_id[id(figure)] = (figure, room)


def clean_room_of(figure: Any) -> CleanRoom | None:
    """The clean room a figure being published comes from: the one that made it, else the one running."""
    try:
        made = _figures.get(figure)
    except TypeError:
        made = None
    if made is None and id(figure) in _by_id and _by_id[id(figure)][0] is figure:
        made = _by_id.pop(id(figure))[1]
    return made or _running.get()
