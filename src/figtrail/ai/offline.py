"""The default provider: deterministic answers written from the stored facts, with no language model.

It never pretends to understand free text. Every prose answer starts with one line saying it is an
offline summary; answers that must be bare (a TITLE, the code of EXTRACT_CODE, the JSON of STORY) carry the
note where their format allows (a code comment, the story's summary) and the API labels them through
``is_llm = False``. Same facts in, same text out.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator

from figtrail.ai import offline_compare
from figtrail.ai.base import Completion, Delta, FigureFacts, Message, Prompt, Purpose
from figtrail.ai.codefacts import analyse
from figtrail.ai.codefigures import Located, locate_facts, minimal_code, narrowed_item, undefined_names
from figtrail.ai.offline_text import describe, facts_bearing_on, quote, title_for
from figtrail.ai.prompts import approximate_tokens, render

NOTE = "Offline summary (no language model)"
MODEL = "figtrail-offline-1"

_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?\n]+\**|$)\s*")


class OfflineProvider:
    name = "offline"
    model = MODEL
    is_llm = False

    def complete(self, prompt: Prompt) -> Completion:
        text = WRITERS[prompt.purpose](prompt)
        return Completion(
            text=text,
            provider=self.name,
            model=self.model,
            input_tokens=approximate_tokens(render(prompt).text),
            output_tokens=approximate_tokens(text),
        )

    def stream(self, prompt: Prompt) -> Iterator[Delta | Completion]:
        completion = self.complete(prompt)
        for piece in split_sentences(completion.text):
            yield Delta(piece)
        yield completion


def split_sentences(text: str) -> list[str]:
    """Pieces that join back to exactly ``text``: a sentence or a line each."""
    return [piece for piece in _SENTENCE.findall(text) if piece]


def _first(prompt: Prompt) -> FigureFacts | None:
    return prompt.figures[0] if prompt.figures else None


def _no_figure() -> str:
    return f"{NOTE}: no figure was given, so there is nothing to summarise."


def write_insight(prompt: Prompt) -> str:
    facts = _first(prompt)
    if facts is None:
        return _no_figure()
    parts = [f"{NOTE}: built only from what figtrail stored about this figure.", describe(facts, full=True)]
    if prompt.question:
        parts.append(_answer_from_facts(prompt.question, prompt.figures))
    return "\n\n".join(parts)


def _answer_from_facts(question: str, figures: tuple[FigureFacts, ...]) -> str:
    bearing = [fact for facts in figures for fact in facts_bearing_on(question, facts)]
    if not bearing:
        return (
            f"Your question {quote(question.strip())} matches none of the stored facts; without a language "
            "model figtrail cannot interpret it further."
        )
    lines = [f"Facts that bear on your question {quote(question.strip())}:"]
    lines += [f"- {fact}" for fact in dict.fromkeys(bearing)]
    return "\n".join(lines)


def write_compare(prompt: Prompt) -> str:
    if len(prompt.figures) < 2:
        return f"{NOTE}: comparing needs at least two revisions; {len(prompt.figures)} given."
    sections = [f"{NOTE}: differences between the stored facts of each revision and the next."]
    sections += [offline_compare.compare(a, b) for a, b in itertools.pairwise(prompt.figures)]
    return "\n\n".join(sections)


def write_extract_code(prompt: Prompt) -> str:
    facts = _first(prompt)
    if facts is None or not facts.code.strip():
        return "```python\n# No code was captured with this figure.\n```"
    if facts.code_language.lower() != "python":
        return f"```{facts.code_language}\n{facts.code.strip()}\n```"
    located = locate_facts(facts)
    sliced = minimal_code(facts.code, located.chosen, title=facts.title, before=facts.code_before)
    if sliced is None:
        reason = analyse(facts.code).error or "no plotting call was found"
        note = f"# Shown whole: {reason} (offline extraction, no language model)."
        return f"```python\n{note}\n{facts.code.strip()}\n```"
    missing = undefined_names(sliced)
    needs = (
        f"\n# Not defined in this code (it ran elsewhere, in an earlier cell?): {', '.join(missing)}."
        if missing
        else ""
    )
    guessed = (
        "\n# No cell was recorded with this figure: this is from the last cell of the notebook's history "
        "that seems to draw, which may not be the one that drew it."
        if facts.code_guessed
        else ""
    )
    return f"```python\n{_extraction_note(located, facts)}{guessed}{needs}\n{sliced}\n```"


def _extraction_note(located: Located, facts: FigureFacts) -> str:
    note = "# Extracted offline by static analysis (no language model)"
    count = len(located.drawings)
    if count > 1 and located.chosen is None:
        return (
            f"{note}: the code draws {count} figures and figtrail could not tell which one this revision "
            "shows (no title or labels recorded from it match only one), so the code of all of them is kept."
        )
    if located.chosen is not None and (
        item := narrowed_item(facts.code, located.chosen, facts.title, facts.code_before)
    ):
        return (
            f"{note}: the loop that draws a figure per item is narrowed to {item!r}, the item whose "
            "figure has the title recorded from this one."
        )
    if located.drawing is not None and located.drawing.several:
        return (
            f"{note}: this figure is drawn by statements that make several figures (a loop, or a "
            "function called in one), so this code makes several figures, this one among them."
        )
    if count > 1 and located.chosen is not None:
        return (
            f"{note}: the code draws {count} figures; this is what figure {located.chosen + 1} needs "
            f"({located.reason}): imports, data steps, its plotting calls."
        )
    return f"{note}: imports, data steps, plotting calls."


def write_title(prompt: Prompt) -> str:
    facts = _first(prompt)
    return title_for(facts) if facts else "Untitled figure"


def write_describe(prompt: Prompt) -> str:
    facts = _first(prompt)
    return f"{NOTE}: {describe(facts)}" if facts else _no_figure()


def write_query(prompt: Prompt) -> str:
    asked = f" such as {quote(prompt.question.strip())}" if prompt.question.strip() else ""
    return (
        f"{NOTE}: the offline provider cannot answer free-text questions{asked}. "
        "It summarises figures from what figtrail stored about them (title, axis labels, series, the "
        "structure of the code, statistics of the data tables) for insights, revision comparisons, code "
        "extraction, titles, descriptions and stories. To ask open questions, an administrator can set "
        "FIGTRAIL_AI_PROVIDER to openai or bedrock."
    )


def _last_human(history: tuple[Message, ...]) -> Message | None:
    humans = [message for message in history if not message.is_ai]
    return humans[-1] if humans else (history[-1] if history else None)


def write_reply(prompt: Prompt) -> str:
    last = _last_human(prompt.history)
    question = last.text if last else prompt.question
    to = f" to {last.author}" if last and last.author else ""
    intro = f"{NOTE}, in reply{to}."
    facts = _first(prompt)
    if facts is None:
        return f"{intro} No figure facts were given, so there is nothing to answer from."
    bearing = [fact for figure in prompt.figures for fact in facts_bearing_on(question, figure)]
    if not bearing:
        return f"{intro} Nothing stored matches the message; here is what figtrail knows. {describe(facts)}"
    return "\n".join([intro, "What figtrail stored that bears on it:", *(f"- {f}" for f in bearing)])


def write_story(prompt: Prompt) -> str:
    figures = prompt.figures
    analyses = list(dict.fromkeys(f.analysis_name for f in figures if f.analysis_name))
    title = analyses[0] if len(analyses) == 1 else f"A story in {len(figures)} figures"
    names = ", ".join(quote(title_for(f)) for f in figures)
    summary = f"{NOTE}: {len(figures)} figure{'s' if len(figures) != 1 else ''} in order: {names}."
    slides = [
        {
            "revision_id": facts.revision_id,
            "title": title_for(facts),
            "description": describe(facts),
            "transition": _transition(facts, figures[n + 1]) if n + 1 < len(figures) else "",
        }
        for n, facts in enumerate(figures)
    ]
    return json.dumps({"title": title, "summary": summary, "slides": slides}, ensure_ascii=False, indent=2)


def _transition(current: FigureFacts, following: FigureFacts) -> str:
    files = sorted(set(current.inputs) & set(following.inputs))
    tables = sorted({t.name for t in current.tables} & {t.name for t in following.tables})
    link = (
        f", which is linked to the same data ({', '.join(files)})"
        if files
        else f", which holds tables of the same names ({', '.join(tables)})"
        if tables
        else ""
    )
    return f"From {quote(title_for(current))} we turn to {quote(title_for(following))}{link}."


WRITERS = {
    Purpose.INSIGHT: write_insight,
    Purpose.COMPARE: write_compare,
    Purpose.EXTRACT_CODE: write_extract_code,
    Purpose.TITLE: write_title,
    Purpose.DESCRIBE: write_describe,
    Purpose.QUERY: write_query,
    Purpose.REPLY: write_reply,
    Purpose.STORY: write_story,
}
