"""The code of two revisions, paired and diffed: code objects with the same name are paired, and the
rest by how alike their content is (a notebook renamed, the code moved to another script), so that the
page diffs the code that drew each figure however its file was called.

Each pair is one :class:`CodeDiff` with highlighted lines (``highlight.highlight_lines``) in two
layouts: unified (one column) and split (A left, B right).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from figtrail.server.web.diffs import CONTEXT_LINES
from figtrail.server.web.highlight import highlight_lines

MIN_SIMILARITY = 0.3  # below this, two differently named files are not the same code
MAX_PAIRED = 40  # code objects of each side paired by content; beyond, only by name
MAX_DIFF_LINES = 20_000  # lines of each side diffed; beyond, the rest is cut (the page says so)


@dataclass
class Code:
    name: str
    text: str
    language: str | None


@dataclass
class Line:
    kind: str  # "same", "add", "del", "gap"
    old_no: int | None
    new_no: int | None
    html: SafeString


@dataclass
class SplitRow:
    kind: str  # "same", "change", "del", "add", "gap"
    old_no: int | None = None
    old_html: SafeString | str = ""
    new_no: int | None = None
    new_html: SafeString | str = ""


@dataclass
class CodeDiff:
    old_name: str | None
    new_name: str | None
    status: str  # "same", "changed", "added" (only in B), "removed" (only in A)
    similarity: float | None = None  # for a pair by content: how alike (0-1)
    added: int = 0
    removed: int = 0
    lines: list[Line] = field(default_factory=list)
    split: list[SplitRow] = field(default_factory=list)
    cut: bool = False

    @property
    def renamed(self) -> bool:
        return self.old_name is not None and self.new_name is not None and self.old_name != self.new_name

    @property
    def name(self) -> str:
        if self.renamed:
            return f"{self.old_name} → {self.new_name}"
        return self.new_name or self.old_name or ""

    @property
    def similarity_percent(self) -> int | None:
        return None if self.similarity is None else round(self.similarity * 100)


def similarity(a: str, b: str) -> float:
    """How alike two files are, by lines (difflib ratio); a cheap bound first."""
    lines_a, lines_b = a.splitlines()[:MAX_DIFF_LINES], b.splitlines()[:MAX_DIFF_LINES]
    matcher = difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False)
    if matcher.real_quick_ratio() < MIN_SIMILARITY or matcher.quick_ratio() < MIN_SIMILARITY:
        return matcher.quick_ratio()
    return matcher.ratio()


def pair(old: list[Code], new: list[Code]) -> list[tuple[Code | None, Code | None, float | None]]:
    """Same names first; then the most alike of the rest, greedily, down to ``MIN_SIMILARITY``; then
    what is left alone. In B's order, A's unpaired ones last."""
    by_name = {c.name: c for c in old}
    partner: dict[int, tuple[Code, float | None]] = {}
    used: set[int] = set()
    for j, code in enumerate(new):
        match = by_name.get(code.name)
        if match is not None and id(match) not in used:
            partner[j] = (match, None)
            used.add(id(match))
    rest_old = [c for c in old if id(c) not in used][:MAX_PAIRED]
    rest_new = [j for j in range(len(new)) if j not in partner][:MAX_PAIRED]
    scores = sorted(
        ((similarity(o.text, new[j].text), i, j) for i, o in enumerate(rest_old) for j in rest_new),
        reverse=True,
    )
    for score, i, j in scores:
        if score < MIN_SIMILARITY:
            break
        if j in partner or id(rest_old[i]) in used:
            continue
        partner[j] = (rest_old[i], score)
        used.add(id(rest_old[i]))
    pairs: list[tuple[Code | None, Code | None, float | None]] = []
    for j, code in enumerate(new):
        match, score = partner.get(j, (None, None))
        pairs.append((match, code, score))
    pairs += [(c, None, None) for c in old if id(c) not in used]
    return pairs


def code_diff(old: Code | None, new: Code | None, score: float | None = None) -> CodeDiff:
    if old is None or new is None:
        only = new if old is None else old
        assert only is not None
        kind = "add" if old is None else "del"
        html = highlight_lines(only.text, only.language)
        result = CodeDiff(
            None if old is None else old.name,
            None if new is None else new.name,
            "added" if old is None else "removed",
        )
        for n, line in enumerate(html[:MAX_DIFF_LINES], 1):
            result.lines.append(Line(kind, None if kind == "add" else n, n if kind == "add" else None, line))
            result.split.append(
                SplitRow(kind, new_no=n, new_html=line)
                if kind == "add"
                else SplitRow(kind, old_no=n, old_html=line)
            )
        result.cut = len(html) > MAX_DIFF_LINES
        result.added, result.removed = (len(html), 0) if kind == "add" else (0, len(html))
        return result
    result = CodeDiff(old.name, new.name, "changed", score)
    a_html = highlight_lines(old.text, old.language or new.language)
    b_html = highlight_lines(new.text, new.language or old.language)
    a_lines, b_lines = old.text.splitlines(), new.text.splitlines()
    result.cut = len(a_lines) > MAX_DIFF_LINES or len(b_lines) > MAX_DIFF_LINES
    a_lines, b_lines = a_lines[:MAX_DIFF_LINES], b_lines[:MAX_DIFF_LINES]
    matcher = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if result.lines:
            result.lines.append(Line("gap", None, None, SafeString("")))
            result.split.append(SplitRow("gap"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    result.lines.append(Line("same", i + 1, j + 1, b_html[j]))
                    result.split.append(SplitRow("same", i + 1, a_html[i], j + 1, b_html[j]))
                continue
            result.lines += [Line("del", i + 1, None, a_html[i]) for i in range(i1, i2)]
            result.lines += [Line("add", None, j + 1, b_html[j]) for j in range(j1, j2)]
            result.removed += i2 - i1
            result.added += j2 - j1
            for k in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + k, j1 + k
                row = SplitRow("change")
                if i < i2:
                    row.old_no, row.old_html = i + 1, a_html[i]
                if j < j2:
                    row.new_no, row.new_html = j + 1, b_html[j]
                if i >= i2:
                    row.kind = "add"
                elif j >= j2:
                    row.kind = "del"
                result.split.append(row)
    if not result.lines:
        result.status = "same"
    return result


def code_diffs(old: list[Code], new: list[Code]) -> list[CodeDiff]:
    return [code_diff(a, b, score) for a, b, score in pair(old, new)]
