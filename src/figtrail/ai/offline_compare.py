"""What changed between two revisions, as the offline provider sees it: fact by fact, never guessed."""

from __future__ import annotations

import difflib

from figtrail.ai.base import FigureFacts, TableFacts
from figtrail.ai.offline_text import figure_code, listing, number, quote

MAX_DIFF_LINES = 8


def compare(old: FigureFacts, new: FigureFacts) -> str:
    heading = f"**Revision {old.revision_index} → revision {new.revision_index}**"
    changes = [
        *_changed("title", old.title, new.title),
        *_changed("library", old.backend, new.backend),
        *[
            change
            for axis in sorted(old.axis_labels.keys() | new.axis_labels.keys())
            for change in _changed(
                f"{axis} axis label", old.axis_labels.get(axis, ""), new.axis_labels.get(axis, "")
            )
        ],
        *_added_removed("series", old.series, new.series),
        *_added_removed("data files", old.inputs, new.inputs),
        *_tables(old.tables, new.tables),
        *_code(old, new),
    ]
    if not changes:
        changes = [
            "No difference in the stored facts (title, axes, series, data, code); the images may differ."
        ]
    block = _diff_block(old.code, new.code)
    return "\n".join([heading, *(f"- {change}" for change in changes)]) + (f"\n\n{block}" if block else "")


def _changed(what: str, old: str, new: str) -> list[str]:
    if old == new:
        return []
    if not old:
        return [f"{what} added: {quote(new)}"]
    if not new:
        return [f"{what} removed (was {quote(old)})"]
    return [f"{what} changed from {quote(old)} to {quote(new)}"]


def _added_removed(what: str, old: tuple[str, ...], new: tuple[str, ...]) -> list[str]:
    added = [item for item in new if item not in old]
    removed = [item for item in old if item not in new]
    changes = [f"{what} added: {listing([quote(a) for a in added])}"] if added else []
    return changes + ([f"{what} removed: {listing([quote(r) for r in removed])}"] if removed else [])


def _tables(old: tuple[TableFacts, ...], new: tuple[TableFacts, ...]) -> list[str]:
    before, after = {t.name: t for t in old}, {t.name: t for t in new}
    changes = _added_removed("data tables", tuple(before), tuple(after))
    for name in [n for n in after if n in before]:
        changes += _table(before[name], after[name])
    return changes


def _table(old: TableFacts, new: TableFacts) -> list[str]:
    label = f"table {quote(new.name)}"
    changes = [f"{label}: {old.rows} → {new.rows} rows"] if old.rows != new.rows else []
    changes += _added_removed(f"{label} columns", old.columns, new.columns)
    for column in [c for c in new.stats if c in old.stats]:
        before, after = old.stats[column].get("mean"), new.stats[column].get("mean")
        if before is not None and after is not None and number(before) != number(after):
            changes.append(f"{label}: mean of {column} {number(before)} → {number(after)}")
    return changes


def _diff(old: str, new: str) -> list[str]:
    lines = difflib.unified_diff(old.strip().splitlines(), new.strip().splitlines(), lineterm="", n=0)
    return [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _code(old_facts: FigureFacts, new_facts: FigureFacts) -> list[str]:
    old, new = old_facts.code, new_facts.code
    if old.strip() == new.strip():
        return []
    diff = _diff(old, new)
    added = sum(1 for line in diff if line.startswith("+"))
    changes = [f"code: {added} line{'s' * (added != 1)} added, {len(diff) - added} removed"]
    (before, _), (after, _) = figure_code(old_facts), figure_code(new_facts)
    if before is None or after is None:  # several figures, and which one this is is not known
        return changes + ["the code draws several figures and which one this is could not be told"]
    changes += _added_removed("plotting calls", before.plotting_calls, after.plotting_calls)
    changes += _added_removed("files read by the code", before.files_read, after.files_read)
    return changes + _added_removed("imports", before.imports, after.imports)


def _diff_block(old: str, new: str) -> str:
    diff = _diff(old, new)
    if not diff:
        return ""
    shown = "\n".join(diff[:MAX_DIFF_LINES])
    more = f"\n… {len(diff) - MAX_DIFF_LINES} more changed lines" if len(diff) > MAX_DIFF_LINES else ""
    return f"Changed lines of code:\n```diff\n{shown}{more}\n```"
