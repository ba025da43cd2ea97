"""What both LLM providers send: instructions per purpose and the facts rendered as text."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from figtrail.ai.base import STORY_SCHEMA, FigureFacts, Image, Message, Prompt, Purpose, TableFacts
from figtrail.ai.prompts import INSTRUCTIONS, MAX_CODE_CHARS, render
from tests.ai.scripts import NOTEBOOK_CELL, figure_facts


def test_every_purpose_has_instructions() -> None:
    assert set(INSTRUCTIONS) == set(Purpose)
    assert json.dumps(STORY_SCHEMA) in INSTRUCTIONS[Purpose.STORY]


def test_facts_history_and_question_are_rendered() -> None:
    table = TableFacts(
        "sales.csv", rows=3, columns=("region", "amount"), stats={"amount": {"min": 1.0, "max": 5.0}}
    )
    facts = FigureFacts(
        revision_id="r-9",
        figure_name="Sales",
        title="Sales by region",
        axis_labels={"y": "Amount"},
        series=("North", "South"),
        tables=(table,),
        code="x" * (MAX_CODE_CHARS + 10),
        image=Image("image/svg+xml", b"<svg/>"),
    )
    prompt = Prompt(
        Purpose.REPLY, question="", figures=(facts,), history=(Message("ann", "Why is North low?"),)
    )
    rendered = render(prompt)
    assert INSTRUCTIONS[Purpose.REPLY] in rendered.system
    for expected in (
        "revision_id: r-9",
        "title: Sales by region",
        "y axis label: Amount",
        "series: North, South",
        "data table sales.csv: 3 rows, columns region, amount",
        "amount: min 1, max 5",
        "ann: Why is North low?",
        "(10 more characters)",
    ):
        assert expected in rendered.text
    assert rendered.images == ()  # SVG is not an image format the models accept


@pytest.mark.parametrize("purpose", list(Purpose))
def test_rendering_is_deterministic(purpose: Purpose) -> None:
    prompt = Prompt(purpose, question="q", figures=(FigureFacts("r", "f", metadata={"b": 1, "a": [2]}),))
    assert render(prompt) == render(prompt)


def test_a_model_is_told_which_of_the_code_s_figures_this_is() -> None:
    right = figure_facts(NOTEBOOK_CELL, {"title": "Right panel"})
    assert (
        "that code draws 2 figures; this is figure 2 of them, titled 'Right panel'"
        in render(Prompt(Purpose.INSIGHT, figures=(right,))).text
    )
    unknown = render(Prompt(Purpose.INSIGHT, figures=(figure_facts(NOTEBOOK_CELL, {}),))).text
    assert "which one this is could not be told" in unknown
    earlier = replace(right, code_before="import numpy as np", code_guessed=True)
    text = render(Prompt(Purpose.EXTRACT_CODE, figures=(earlier,))).text
    assert "## Code run before it" in text and "import numpy as np" in text
    assert "may not be the one that drew it" in text
