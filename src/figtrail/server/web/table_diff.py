"""What changed between two data frames (CSV or Parquet data objects): columns and rows added, removed
and changed, and the first rows that differ.

Bounded for big frames: a frame over ``MAX_FRAME_BYTES`` is compared by its bytes only, at most
``MAX_ROWS`` rows of each are compared (the page says so), and the rows shown are the first
``MAX_SHOWN_ROWS`` that differ. Rows are matched by a key when the first shared column's values are
unique in both frames (so reordered rows are matched), else by aligning the two sequences of rows
(:mod:`difflib`, as a text diff aligns lines). Parquet is read with pyarrow when it is installed.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from figtrail.server import blobs
from figtrail.server.catalog.data_formats import data_format

if TYPE_CHECKING:
    from figtrail.server.catalog.models import Data

MAX_FRAME_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_SHOWN_ROWS = 20
MAX_CELL_CHARS = 120


class Unreadable(Exception):
    """The frame cannot be read as a table here (too large, an unknown format, no Parquet reader)."""


@dataclass
class Frame:
    columns: list[str]
    rows: list[tuple[str, ...]]
    total_rows: int

    @property
    def cut(self) -> bool:
        return self.total_rows > len(self.rows)


def _cell(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _read_csv(raw: bytes, encoding: str) -> Frame:
    try:
        text = raw.decode(encoding, errors="replace")
    except LookupError:
        text = raw.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text))
    columns = next(reader, [])
    rows, total = [], 0
    for row in reader:
        total += 1
        if len(rows) < MAX_ROWS:
            rows.append(tuple(row))
    return Frame(list(columns), rows, total)


def _read_parquet(raw: bytes) -> Frame:
    try:
        import pyarrow.parquet as pq  # optional: the server extra does not need it
    except ImportError as exc:
        raise Unreadable("Parquet frames are compared by content only (pyarrow is not installed).") from exc
    try:
        file = pq.ParquetFile(io.BytesIO(raw))
        columns = [str(name) for name in file.schema_arrow.names]
        rows: list[tuple[str, ...]] = []
        for batch in file.iter_batches(batch_size=min(MAX_ROWS, 4096)):
            values = batch.to_pydict()
            for i in range(batch.num_rows):
                rows.append(tuple(_cell(values[name][i]) for name in batch.schema.names))
                if len(rows) >= MAX_ROWS:
                    break
            if len(rows) >= MAX_ROWS:
                break
        return Frame(columns, rows, file.metadata.num_rows)
    except Exception as exc:  # noqa: BLE001 - a broken upload is reported, never raised into the page
        raise Unreadable(f"This Parquet file could not be read ({type(exc).__name__}).") from exc


def read_frame(data: Data) -> Frame:
    fmt = data_format(data)
    if fmt not in ("csv", "parquet"):
        raise Unreadable(f"Frames in {fmt or 'this format'} are compared by content only.")
    if data.size_bytes > MAX_FRAME_BYTES:
        raise Unreadable(f"Over {MAX_FRAME_BYTES // (1024 * 1024)} MiB: compared by content only.")
    raw = blobs.read(data)
    if fmt == "parquet":
        return _read_parquet(raw)
    return _read_csv(raw, str((data.metadata or {}).get("encoding") or "utf-8"))


@dataclass
class Cell:
    value: str
    old: str | None = None  # the value in A, when it changed
    state: str = "same"  # "same", "changed", "added" (a column only B has), "removed" (only A has)


@dataclass
class RowChange:
    kind: str  # "added", "removed", "changed"
    old_no: int | None
    new_no: int | None
    cells: list[Cell]


@dataclass
class FrameDiff:
    name: str
    status: str  # "same", "changed", "added" (only in B), "removed" (only in A), "unreadable"
    note: str = ""
    rows_a: int = 0
    rows_b: int = 0
    rows_added: int = 0
    rows_removed: int = 0
    rows_changed: int = 0
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_changed: list[str] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # shown: (name, "same"/"added"/"removed")
    shown: list[RowChange] = field(default_factory=list)
    matched_by: str = ""  # the key column rows were matched by, or "" for their order
    cut: bool = False  # only the first MAX_ROWS rows of a frame were compared

    @property
    def compared_rows(self) -> str:
        return f"{MAX_ROWS:,}"

    @property
    def differing_rows(self) -> int:
        return self.rows_added + self.rows_removed + self.rows_changed


def _short(value: str) -> str:
    return value if len(value) <= MAX_CELL_CHARS else value[: MAX_CELL_CHARS - 1] + "…"


def _key_column(a: Frame, b: Frame, common: list[str]) -> str | None:
    if not common:
        return None
    name = common[0]
    ia, ib = a.columns.index(name), b.columns.index(name)
    keys_a = [row[ia] if ia < len(row) else "" for row in a.rows]
    keys_b = [row[ib] if ib < len(row) else "" for row in b.rows]
    if len(set(keys_a)) == len(keys_a) and len(set(keys_b)) == len(keys_b):
        return name
    return None


def _pairs(a_rows: list[tuple], b_rows: list[tuple], key: int | None):
    """(index in A or None, index in B or None) for every row, in B's order with A's removed rows at
    the place they were."""
    if key is not None:
        where_b = {row[key]: j for j, row in enumerate(b_rows)}
        where_a = {row[key]: i for i, row in enumerate(a_rows)}
        pairs = []
        for i, row in enumerate(a_rows):
            if row[key] not in where_b:
                pairs.append((i, None))
        for j, row in enumerate(b_rows):
            pairs.append((where_a.get(row[key]), j))
        return pairs
    matcher = difflib.SequenceMatcher(None, a_rows, b_rows)
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        pairs += [(i1 + k, j1 + k) for k in range(paired)]
        pairs += [(i, None) for i in range(i1 + paired, i2)]
        pairs += [(None, j) for j in range(j1 + paired, j2)]
    return pairs


def diff_frames(name: str, a: Frame, b: Frame) -> FrameDiff:
    result = FrameDiff(name, "same", rows_a=a.total_rows, rows_b=b.total_rows, cut=a.cut or b.cut)
    common = [c for c in b.columns if c in a.columns]
    result.columns_added = [c for c in b.columns if c not in a.columns]
    result.columns_removed = [c for c in a.columns if c not in b.columns]
    result.columns = [(c, "same" if c in a.columns else "added") for c in b.columns] + [
        (c, "removed") for c in result.columns_removed
    ]
    ia = [a.columns.index(c) for c in common]
    ib = [b.columns.index(c) for c in common]

    def pick(row: tuple, indexes: list[int]) -> tuple:
        return tuple(row[i] if i < len(row) else "" for i in indexes)

    a_rows, b_rows = [pick(r, ia) for r in a.rows], [pick(r, ib) for r in b.rows]
    key = _key_column(a, b, common)
    result.matched_by = key or ""
    changed_columns: set[str] = set()
    for i, j in _pairs(a_rows, b_rows, common.index(key) if key else None):
        if i is not None and j is not None:
            if a_rows[i] == b_rows[j]:
                if not (result.columns_added or result.columns_removed):
                    continue
                kind = "same"
            else:
                kind = "changed"
                result.rows_changed += 1
                changed_columns.update(
                    c for c, x, y in zip(common, a_rows[i], b_rows[j], strict=True) if x != y
                )
        elif i is None:
            kind = "added"
            result.rows_added += 1
        else:
            kind = "removed"
            result.rows_removed += 1
        if kind != "same" and len(result.shown) < MAX_SHOWN_ROWS:
            result.shown.append(_row(kind, i, j, a, b))
    # rows beyond MAX_ROWS were not read: count what the totals say
    result.rows_added += max(0, (b.total_rows - len(b.rows)) - (a.total_rows - len(a.rows)))
    result.rows_removed += max(0, (a.total_rows - len(a.rows)) - (b.total_rows - len(b.rows)))
    result.columns_changed = [c for c in common if c in changed_columns]
    if result.differing_rows or result.columns_added or result.columns_removed:
        result.status = "changed"
    elif result.cut:
        result.note = f"The first {MAX_ROWS:,} rows are the same."
    return result


def _row(kind: str, i: int | None, j: int | None, a: Frame, b: Frame) -> RowChange:
    old = dict(zip(a.columns, a.rows[i], strict=False)) if i is not None else {}
    new = dict(zip(b.columns, b.rows[j], strict=False)) if j is not None else {}
    cells = []
    for column in b.columns:
        value = _short(new.get(column, ""))
        if kind == "removed" and column in a.columns:
            cells.append(Cell(_short(old.get(column, "")), state="removed"))
        elif column not in a.columns:
            cells.append(Cell(value, state="added" if kind != "removed" else "same"))
        elif kind == "changed" and old.get(column, "") != new.get(column, ""):
            cells.append(Cell(value, _short(old.get(column, "")), "changed"))
        else:
            cells.append(Cell(value, state="added" if kind == "added" else "same"))
    for column in a.columns:
        if column not in b.columns:
            cells.append(Cell(_short(old.get(column, "")), state="removed" if old else "same"))
    return RowChange(kind, None if i is None else i + 1, None if j is None else j + 1, cells)


def frame_diff(name: str, old: Data | None, new: Data | None) -> FrameDiff:
    """The diff of one data frame of A (``old``) and B (``new``); either may be missing."""
    if old is not None and new is not None and old.hash == new.hash:
        return FrameDiff(name, "same", note="The same content.")
    frames: list[Frame | None] = []
    for data in (old, new):
        if data is None:
            frames.append(None)
            continue
        try:
            frames.append(read_frame(data))
        except Unreadable as exc:
            if old is None or new is None:
                return FrameDiff(name, "added" if old is None else "removed", note=str(exc))
            return FrameDiff(name, "unreadable", note=f"The content changed. {exc}")
    a, b = frames
    if a is None or b is None:
        only = b if a is None else a
        assert only is not None
        status = "added" if a is None else "removed"
        return FrameDiff(
            name,
            status,
            rows_a=0 if a is None else only.total_rows,
            rows_b=only.total_rows if a is None else 0,
            columns=[(c, status) for c in only.columns],
        )
    return diff_frames(name, a, b)
