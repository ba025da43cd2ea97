"""The offline provider end to end, on facts drawn from a real matplotlib figure and a pandas table."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from figtrail.ai.base import STORY_SCHEMA, Completion, Delta, FigureFacts, Message, Prompt, Provider, Purpose
from figtrail.ai.offline import NOTE, OfflineProvider
from tests.ai.realistic import WEATHER_CODE, figure_facts, weather_table

provider = OfflineProvider()


@pytest.fixture(scope="module")
def weather(tmp_path_factory: pytest.TempPathFactory) -> FigureFacts:
    return figure_facts(tmp_path_factory.mktemp("weather"))


@pytest.fixture(scope="module")
def weather_v2(tmp_path_factory: pytest.TempPathFactory) -> FigureFacts:
    """The next revision: a third city, a new title, and a bar chart of the monthly mean added."""
    frame = weather_table()
    extra = frame[frame["city"] == "Berlin"].assign(city="Oslo", temp_c=lambda d: d["temp_c"] - 6)
    code = WEATHER_CODE.replace("Monthly temperature", "Monthly temperature, three cities").replace(
        "ax.legend()", "ax.legend()\nax.bar(monthly.index, monthly.values, alpha=0.2)"
    )
    return figure_facts(
        tmp_path_factory.mktemp("v2"), code, pd.concat([frame, extra], ignore_index=True), revision=2
    )


def ask(purpose: Purpose, *figures: FigureFacts, question: str = "", history=()) -> str:
    completion = provider.complete(
        Prompt(purpose=purpose, question=question, figures=figures, history=history)
    )
    assert (completion.provider, completion.model) == ("offline", "figtrail-offline-1")
    assert completion.output_tokens == len(completion.text.split()) and completion.input_tokens > 0
    return completion.text


def test_is_a_provider_labelled_as_not_a_language_model() -> None:
    assert isinstance(provider, Provider)
    assert (provider.name, provider.is_llm) == ("offline", False)


def test_insight_describes_figure_data_and_code(weather: FigureFacts) -> None:
    text = ask(Purpose.INSIGHT, weather)
    assert text.splitlines()[0].startswith(f"{NOTE}:")
    assert "“Monthly temperature”" in text and "“Temperature (°C)”" in text and "“Month”" in text
    assert "“Berlin”" in text and "“Lisbon”" in text
    assert "24 rows and 4 columns" in text
    temps = weather.tables[0].stats["temp_c"]
    assert f"temp_c runs from {temps['min']:.4g} to {temps['max']:.4g} (mean {temps['mean']:.4g})" in text
    assert "reads weather.csv (pd.read_csv)" in text and "ax.plot" in text


def test_insight_question_names_the_facts_that_bear_on_it(weather: FigureFacts) -> None:
    text = ask(Purpose.INSIGHT, weather, question="Why are Lisbon temperatures higher?")
    facts = text.split("Facts that bear on your question")[1]
    assert "one series is “Lisbon”" in facts and "the y axis is “Temperature (°C)”" in facts
    assert "Berlin" not in facts
    unrelated = ask(Purpose.INSIGHT, weather, question="Is the stock market up?")
    assert "matches none of the stored facts" in unrelated


def test_compare_lists_what_changed(weather: FigureFacts, weather_v2: FigureFacts) -> None:
    text = ask(Purpose.COMPARE, weather, weather_v2)
    assert text.startswith(NOTE)
    assert "**Revision 1 → revision 2**" in text
    assert "title changed from “Monthly temperature” to “Monthly temperature, three cities”" in text
    assert "series added: “Oslo”" in text
    assert "table “weather.csv”: 24 → 36 rows" in text
    assert "plotting calls added: “ax.bar”" in text
    assert "+ax.bar(monthly.index, monthly.values, alpha=0.2)" in text
    assert "No difference" in ask(Purpose.COMPARE, weather, weather)
    assert "at least two revisions" in ask(Purpose.COMPARE, weather)


def test_extract_code_is_only_code_that_compiles_and_drops_unrelated_lines(weather: FigureFacts) -> None:
    text = ask(Purpose.EXTRACT_CODE, weather)
    match = re.fullmatch(r"```python\n(.*)\n```", text, re.S)
    assert match, text
    code = match.group(1)
    ast.parse(code)
    for dropped in ("%matplotlib", "import os", "print(", "unused", "monthly ="):
        assert dropped not in code
    for kept in ("import pandas as pd", 'pd.read_csv("weather.csv")', "cities = sorted", "ax.legend()"):
        assert kept in code
    assert "no language model" in code.splitlines()[0]


def test_extract_code_runs_and_draws_the_same_figure(weather: FigureFacts, tmp_path: Path) -> None:
    code = re.fullmatch(r"```python\n(.*)\n```", ask(Purpose.EXTRACT_CODE, weather), re.S).group(1)
    again = figure_facts(tmp_path, code)
    assert (again.title, again.axis_labels, again.series) == (
        weather.title,
        weather.axis_labels,
        weather.series,
    )


def test_extract_code_without_plotting_or_code(weather: FigureFacts) -> None:
    whole = ask(Purpose.EXTRACT_CODE, replace(weather, code="total = 1 + 1\n"))
    assert "Shown whole: no plotting call was found" in whole and "total = 1 + 1" in whole
    assert ask(Purpose.EXTRACT_CODE, replace(weather, code="")).startswith("```python\n# No code")


def test_title_from_title_then_axes_then_name(weather: FigureFacts) -> None:
    assert ask(Purpose.TITLE, weather) == "Monthly temperature"
    assert ask(Purpose.TITLE, replace(weather, title="")) == "Temperature (°C) vs Month"
    bare = replace(weather, title="", axis_labels={}, figure_name="A " + "very " * 30 + "long name")
    title = ask(Purpose.TITLE, bare)
    assert len(title) == 80 and title.endswith("…")


def test_describe_is_one_paragraph(weather: FigureFacts) -> None:
    text = ask(Purpose.DESCRIBE, weather)
    assert "\n" not in text and text.startswith(f"{NOTE}: Revision 1 of “Temperature by city”")


def test_query_says_what_offline_can_and_cannot_do() -> None:
    text = ask(Purpose.QUERY, question="What is a violin plot?")
    assert "cannot answer free-text questions such as “What is a violin plot?”" in text
    assert "FIGTRAIL_AI_PROVIDER" in text


def test_reply_answers_the_last_message_from_the_facts(weather: FigureFacts) -> None:
    history = (
        Message("ann@example.com", "Nice plot"),
        Message("figtrail", "Thanks", is_ai=True),
        Message("bob@example.com", "Which columns hold the temp_c values?"),
    )
    text = ask(Purpose.REPLY, weather, history=history)
    assert text.startswith(f"{NOTE}, in reply to bob@example.com.")
    assert "column “temp_c” of “weather.csv”: min" in text


def test_story_is_json_of_the_schema_with_slides_in_order(
    weather: FigureFacts, weather_v2: FigureFacts
) -> None:
    story = json.loads(ask(Purpose.STORY, weather, weather_v2))
    assert set(story) == set(STORY_SCHEMA) and story["title"] == "Climate"
    assert story["summary"].startswith(NOTE)
    assert [s["revision_id"] for s in story["slides"]] == ["rev-1", "rev-2"]
    first, last = story["slides"]
    assert set(first) == set(STORY_SCHEMA["slides"][0])
    assert first["title"] == "Monthly temperature" and "24 rows" in first["description"]
    assert first["transition"].startswith("From “Monthly temperature” we turn to “Monthly temperature, three")
    assert "same data (weather.csv)" in first["transition"] and last["transition"] == ""


@pytest.mark.parametrize("purpose", list(Purpose))
def test_every_purpose_is_deterministic_and_streams_the_same_text(
    purpose: Purpose, weather: FigureFacts, weather_v2: FigureFacts
) -> None:
    prompt = Prompt(
        purpose=purpose,
        question="temperature?",
        figures=(weather, weather_v2),
        history=(Message("ann", "temperature?"),),
    )
    first, second = provider.complete(prompt), provider.complete(prompt)
    assert first == second and first.text
    events = list(provider.stream(prompt))
    deltas, final = events[:-1], events[-1]
    assert isinstance(final, Completion) and final == first
    assert all(isinstance(d, Delta) for d in deltas) and "".join(d.text for d in deltas) == first.text
    assert len(deltas) >= 1
