"""Sentences the offline provider writes about one figure, each from one kind of stored fact."""

from __future__ import annotations

import re

from figtrail.ai.base import FigureFacts, TableFacts
from figtrail.ai.codefacts import CodeFacts, analyse
from figtrail.ai.codefigures import Located, locate_facts, minimal_code

MAX_TITLE = 80
MAX_LISTED = 8

_WORD = re.compile(r"[a-z0-9_]{3,}")
_STOP_WORDS = frozenset(
    """the and for are was were why how what when where which who whom this that these those with from
    into does did doing has have had can could should would will shall may might must not its it's about
    over under than then there their them they you your our figure plot chart graph show shows shown
    please tell explain mean means data""".split()
)


def quote(text: str) -> str:
    return f"“{text}”"


def number(value: float) -> str:
    return f"{value:.4g}"


def listing(items: tuple[str, ...] | list[str], limit: int = MAX_LISTED) -> str:
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


def shorten(text: str, limit: int = MAX_TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def title_for(facts: FigureFacts) -> str:
    """The figure's own title, else "y vs x" from its axis labels, else its name."""
    x, y = facts.axis_labels.get("x", "").strip(), facts.axis_labels.get("y", "").strip()
    for candidate in (facts.title, f"{y} vs {x}" if x and y else y or x, facts.figure_name):
        if candidate and candidate.strip():
            return shorten(candidate)
    return "Untitled figure"


def figure_sentence(facts: FigureFacts) -> str:
    kind = f"a {facts.backend} figure" if facts.backend else "a figure"
    named = f"{kind} titled {quote(facts.title)}" if facts.title else kind
    where = f" of the analysis {quote(facts.analysis_name)}" if facts.analysis_name else ""
    return f"Revision {facts.revision_index} of {quote(facts.figure_name)}{where} is {named}."


def axes_sentence(facts: FigureFacts) -> str:
    labels = [
        f"the {axis} axis is {quote(label)}" for axis, label in sorted(facts.axis_labels.items()) if label
    ]
    return f"Its axis labels: {'; '.join(labels)}." if labels else "No axis labels were captured."


def series_sentence(facts: FigureFacts) -> str:
    if not facts.series:
        return ""
    count = len(facts.series)
    return f"It shows {count} series: {listing([quote(s) for s in facts.series])}."


def panels_sentence(facts: FigureFacts) -> str:
    """The subplots the client recorded (metadata ``axes``): each one's title, or its axis labels."""
    panels = facts.metadata.get("axes") if isinstance(facts.metadata, dict) else None
    if not isinstance(panels, list) or len(panels) < 2:
        return ""
    described = []
    for panel in panels:
        if not isinstance(panel, dict):
            continue
        title = str(panel.get("title") or "").strip()
        x, y = str(panel.get("x") or "").strip(), str(panel.get("y") or "").strip()
        described.append(quote(title) if title else f"{quote(y)} vs {quote(x)}" if x and y else "untitled")
    return f"It has {len(panels)} subplots: {listing(described)}." if described else ""


def table_sentence(table: TableFacts) -> str:
    columns = listing(list(table.columns), 12)
    text = f"The table {quote(table.name)} has {table.rows} rows and {len(table.columns)} columns ({columns})"
    ranges = [
        f"{column} runs from {number(s['min'])} to {number(s['max'])} (mean {number(s['mean'])})"
        for column, s in list(table.stats.items())[:5]
        if {"min", "max", "mean"} <= s.keys()
    ]
    return text + (f"; {'; '.join(ranges)}." if ranges else ".")


def code_sentence(code: CodeFacts, subject: str = "The code") -> str:
    if code.error:
        return f"{subject} ({code.lines} lines) was stored but {code.error}."
    parts = [f"{subject} ({code.lines} lines)"]
    if code.imports:
        parts.append(f"imports {listing(list(code.imports))}")
    if code.files_read:
        parts.append(f"reads {listing(list(code.files_read))}")
    if code.plotting_calls:
        parts.append(f"draws with {listing(list(code.plotting_calls))}")
    elif code.calls:
        parts.append(f"calls {listing(list(code.calls))}")
    return parts[0] + (" " + "; ".join(parts[1:]) if len(parts) > 1 else " has no calls") + "."


def figure_code(facts: FigureFacts) -> tuple[CodeFacts | None, Located]:
    """The facts of the code that draws this figure: the whole code when it draws one figure, the part
    that draws this one when it draws several, None when which one this is cannot be told."""
    located = locate_facts(facts)
    if len(located.drawings) < 2:
        return analyse(facts.code), located
    if located.chosen is None:
        return None, located
    return analyse(minimal_code(facts.code, located.chosen) or facts.code), located


def location_sentence(located: Located) -> str:
    """Which of the code's figures this is; '' for code drawing one figure (or none)."""
    several = (
        " It is drawn by statements that make several figures (a loop, or a function called in one), "
        "this one among them."
        if located.drawing is not None and located.drawing.several
        else ""
    )
    count = len(located.drawings)
    if count < 2:
        return several.strip()
    if located.chosen is None:
        return (
            f"The code draws {count} figures; {located.reason}, so nothing in the code is attributed to it."
        )
    which = f"this is figure {located.chosen + 1} of them ({located.reason})"
    return f"The code draws {count} figures; {which}.{several}"


GUESSED_CODE = (
    "No cell was recorded with this figure; the code is the last cell of the notebook's history that "
    "seems to draw, which may not be the one that drew it."
)


def code_sentences(facts: FigureFacts) -> str:
    code, located = figure_code(facts)
    where = " ".join(
        part for part in (GUESSED_CODE if facts.code_guessed else "", location_sentence(located)) if part
    )
    if code is None:
        return f"The code ({len(facts.code.splitlines())} lines) was stored. {where}"
    subject = "The part of it that draws this figure" if len(located.drawings) > 1 else "The code"
    return " ".join(part for part in (where, code_sentence(code, subject)) if part)


def describe(facts: FigureFacts, *, full: bool = False) -> str:
    """One paragraph; ``full`` puts figure, data and code on labelled lines instead (for INSIGHT)."""
    figure = [figure_sentence(facts), axes_sentence(facts), series_sentence(facts), panels_sentence(facts)]
    if facts.text:
        figure.append(f"It came with the text {quote(shorten(facts.text, 200))}.")
    data = [table_sentence(t) for t in facts.tables]
    if facts.inputs:
        data.append(f"It is linked to the data files {listing(list(facts.inputs))}.")
    code = [code_sentences(facts)] if facts.code.strip() else []
    if not full:
        return " ".join(s for s in figure + data + code if s)
    lines = [f"**Figure.** {' '.join(s for s in figure if s)}"]
    lines.append(f"**Data.** {' '.join(data)}" if data else "**Data.** No data tables were stored with it.")
    lines.append(f"**Code.** {code[0]}" if code else "**Code.** No code was stored with it.")
    return "\n\n".join(lines)


def _facts(facts: FigureFacts) -> list[tuple[str, str]]:
    """(searchable text, sentence) pairs: the stored facts a question can be matched against."""
    pairs = [(facts.figure_name, f"the figure is named {quote(facts.figure_name)}")]
    if facts.title:
        pairs.append((facts.title, f"the title is {quote(facts.title)}"))
    pairs += [
        (label, f"the {axis} axis is {quote(label)}") for axis, label in sorted(facts.axis_labels.items())
    ]
    pairs += [(s, f"one series is {quote(s)}") for s in facts.series]
    for table in facts.tables:
        pairs.append((table.name, table_sentence(table)))
        for column in table.columns:
            stats = table.stats.get(column, {})
            detail = ", ".join(f"{k} {number(v)}" for k, v in stats.items())
            about = f"column {quote(column)} of {quote(table.name)}"
            pairs.append((column, f"{about}: {detail}" if detail else about))
    code, _ = figure_code(facts)
    if code is None:  # the code draws several figures and which one this is is not known
        return pairs
    pairs += [(f, f"the code reads {f}") for f in code.files_read]
    pairs += [(c, f"the code calls {c}") for c in code.plotting_calls]
    pairs += [(i, f"the code imports {i}") for i in code.imports]
    return pairs


def keywords(text: str) -> set[str]:
    """Lower-case words without stop words, plural "s" dropped so "temperatures" meets "temperature"."""
    words = {word for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS}
    return {word[:-1] if word.endswith("s") and len(word) > 3 else word for word in words}


def facts_bearing_on(question: str, facts: FigureFacts) -> list[str]:
    """The stored facts sharing a word with the question, in a fixed order."""
    wanted = keywords(question)
    return list(dict.fromkeys(sentence for text, sentence in _facts(facts) if wanted & keywords(text)))
