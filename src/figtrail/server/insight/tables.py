"""Summaries of stored data frames for the AI: shape, column types, numeric ranges and a short preview.

The client stores a data frame as CSV (the default, ours and the official client's) or Parquet. The
server does not depend on pandas: CSV is read with the ``csv`` module, Parquet only when pyarrow happens
to be installed. A provider only ever sees the summary, never the whole table.
"""

from __future__ import annotations

import csv
import io
import math
import re

from figtrail.ai import TableFacts

PREVIEW_ROWS = 5
INTEGER = re.compile(r"[+-]?\d+")
MAX_ROWS = 100_000  # rows read for the statistics; the row count still covers the whole table


def summarise(name: str, payload: bytes, fmt: str | None) -> TableFacts | None:
    """The facts of one stored table, or None if its format cannot be read here."""
    fmt = (fmt or "csv").lower()
    if fmt == "parquet":
        parsed = _parquet(payload)
    elif fmt in ("csv", "text/csv"):
        parsed = _csv(payload)
    else:
        return None
    if parsed is None:
        return None
    header, rows, count = parsed
    return _facts(name, header, rows, count)


def _csv(payload: bytes) -> tuple[list[str], list[list[str]], int] | None:
    reader = csv.reader(io.StringIO(payload.decode("utf-8", errors="replace")))
    header = next(reader, None)
    if header is None:
        return None
    rows, count = [], 0
    for row in reader:
        count += 1
        if count <= MAX_ROWS:
            rows.append(row)
    return header, rows, count


def _parquet(payload: bytes) -> tuple[list[str], list[list[str]], int] | None:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    table = pq.read_table(io.BytesIO(payload))
    head = table.slice(0, MAX_ROWS).to_pylist()
    header = [str(name) for name in table.column_names]
    rows = [["" if row.get(col) is None else str(row.get(col)) for col in table.column_names] for row in head]
    return header, rows, table.num_rows


def _facts(name: str, header: list[str], rows: list[list[str]], count: int) -> TableFacts:
    columns = [[row[i] if i < len(row) else "" for row in rows] for i in range(len(header))]
    dtypes, stats = {}, {}
    for column, values in zip(header, columns, strict=True):
        numbers = _numbers(values)
        dtypes[column] = _dtype(values, numbers)
        if numbers:
            stats[column] = {
                "min": min(numbers),
                "max": max(numbers),
                "mean": sum(numbers) / len(numbers),
            }
    return TableFacts(
        name=name,
        rows=count,
        columns=tuple(header),
        dtypes=dtypes,
        stats=stats,
        preview_csv=_preview(header, rows[:PREVIEW_ROWS]),
    )


def _numbers(values: list[str]) -> list[float] | None:
    """The column's values as numbers when every non-empty one is a finite number; else None."""
    numbers = []
    for value in values:
        if value.strip() == "":
            continue
        try:
            number = float(value)
        except ValueError:
            return None
        if not math.isfinite(number):
            continue
        numbers.append(number)
    return numbers or None


def _dtype(values: list[str], numbers: list[float] | None) -> str:
    filled = [value.strip() for value in values if value.strip()]
    if numbers is None:
        return "bool" if filled and {value.lower() for value in filled} <= {"true", "false"} else "str"
    return "int" if all(INTEGER.fullmatch(value) for value in filled) else "float"


def _preview(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
