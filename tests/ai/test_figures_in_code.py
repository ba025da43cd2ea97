"""One script or cell, several figures: the offline provider tells each figure only what that figure shows,
and the code it extracts for a figure runs and draws that figure (checked in a fresh interpreter)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from figtrail.ai.base import FigureFacts, Prompt, Purpose
from figtrail.ai.codefigures import Labels, drawings, locate, locate_facts, minimal_code
from figtrail.ai.offline import OfflineProvider
from tests.ai.scripts import (
    EARLIER_CELLS,
    FACTORY,
    HELPERS_AND_CSV,
    LATER_CELL,
    LOOP,
    NOTEBOOK_CELL,
    SCRIPTS,
    STATE_MACHINE,
    figure_facts,
    recorded_figures,
    run_extracted,
)

provider = OfflineProvider()
SINGLE_FIGURE_SCRIPTS = ["state_machine", "helpers_and_csv", "factory", "notebook_cell"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    return {name: recorded_figures(tmp_path_factory.mktemp(name), code) for name, code in SCRIPTS.items()}


def ask(purpose: Purpose, facts: FigureFacts, question: str = "") -> str:
    return provider.complete(Prompt(purpose=purpose, question=question, figures=(facts,))).text


def extracted(facts: FigureFacts) -> str:
    match = re.fullmatch(r"```python\n(.*)\n```", ask(Purpose.EXTRACT_CODE, facts), re.S)
    assert match
    return match.group(1)


def test_the_scripts_really_draw_several_figures(recorded: dict[str, list[dict]]) -> None:
    assert [f["title"] for f in recorded["state_machine"]] == ["Squares", "A sine wave"]
    assert [f["title"] for f in recorded["helpers_and_csv"]] == ["Revenue by region", "Monthly cost"]
    assert [f["title"] for f in recorded["factory"]] == ["Growth", "Decay"]
    assert [f["title"] for f in recorded["notebook_cell"]] == ["Left panel", "Right panel"]
    assert [f["title"] for f in recorded["loop"]] == ["Berlin", "Lisbon"]
    assert recorded["helpers_and_csv"][0]["series"] == ["north", "south"]


@pytest.mark.parametrize("script", SINGLE_FIGURE_SCRIPTS)
def test_each_recorded_figure_is_found_in_the_code(script: str, recorded: dict[str, list[dict]]) -> None:
    code = SCRIPTS[script]
    assert len(drawings(code)) == len(recorded[script])
    for index, figure in enumerate(recorded[script]):
        located = locate_facts(figure_facts(code, figure))
        assert located.chosen == index, (figure, located.reason)
        assert located.drawing is not None and located.drawing.labels.title == figure["title"]


def test_labels_come_through_the_code_s_own_functions() -> None:
    found = drawings(HELPERS_AND_CSV)
    assert [d.labels.title for d in found] == ["Revenue by region", "Monthly cost"]
    assert found[0].labels.series == ("north", "south") and found[1].labels.series == ("all regions",)
    assert found[1].labels.axis_labels == {"x": "Month", "y": "Cost (kEUR)"}
    assert [d.published for d in found] == [True, True]
    growth, decay = drawings(FACTORY)
    assert (growth.labels.series, decay.labels.series) == (("growth",), ("decay",))


@pytest.mark.parametrize("script", SINGLE_FIGURE_SCRIPTS)
def test_extracted_code_runs_and_draws_only_the_figure_asked_for(
    script: str, recorded: dict[str, list[dict]], tmp_path: Path
) -> None:
    for figure in recorded[script]:
        code = extracted(figure_facts(SCRIPTS[script], figure))
        drawn = run_extracted(tmp_path, code)
        assert len(drawn) == 1, code
        assert drawn[0]["title"] == figure["title"], code
        assert drawn[0].get("series") == figure.get("series"), code
        assert "publish" not in code and "%matplotlib" not in code


def test_extracted_code_keeps_what_the_figure_needs_and_drops_the_other(
    recorded: dict[str, list[dict]],
) -> None:
    cost = extracted(figure_facts(HELPERS_AND_CSV, recorded["helpers_and_csv"][1]))
    for kept in ("import pandas as pd", 'pd.read_csv("sales.csv")', "def style", "costs = ", "ax_cost.bar"):
        assert kept in cost
    for dropped in ("def rolling", "north =", "ax_revenue", "Revenue by region", "Publisher"):
        assert dropped not in cost
    wave = extracted(figure_facts(STATE_MACHINE, recorded["state_machine"][1]))
    assert "import math" in wave and "plt.plot(xs, squares" not in wave and "Squares" not in wave
    assert "xs.append(i)" in wave and "waves = " in wave  # the loop building the lists stays whole
    decay = extracted(figure_facts(FACTORY, recorded["factory"][1]))
    assert "def make_chart" in decay and "first = " not in decay and "growth = " not in decay
    assert "from numpy.random import default_rng" in decay and "rng = " in decay


def test_insight_about_one_figure_states_only_its_own_facts(recorded: dict[str, list[dict]]) -> None:
    cost = figure_facts(HELPERS_AND_CSV, recorded["helpers_and_csv"][1], name="Costs")
    text = ask(Purpose.INSIGHT, cost)
    assert "“Monthly cost”" in text and "“all regions”" in text
    assert "ax_cost.bar" in text and "reads sales.csv (pd.read_csv)" in text
    for other in ("Revenue", "north", "south", "ax_revenue", "rolling"):
        assert other not in text, other
    assert "The code draws 2 figures; this is figure 2 of them" in text
    question = ask(Purpose.INSIGHT, cost, question="How do the north and south revenues compare?")
    assert "matches none of the stored facts" in question
    wave = ask(Purpose.DESCRIBE, figure_facts(STATE_MACHINE, recorded["state_machine"][1]))
    assert "savefig" not in wave and "Squares" not in wave and "plt.bar" not in wave


def test_without_recorded_facts_several_figures_are_not_guessed_at() -> None:
    """The official client records no title or labels: which figure of the cell this is stays unknown,
    and the answer says so instead of naming the first figure's title and every figure's series."""
    bare = figure_facts(NOTEBOOK_CELL, {}, name="Figure 7")
    located = locate_facts(bare)
    assert located.chosen is None and located.ambiguous
    text = ask(Purpose.INSIGHT, bare)
    assert "The code draws 2 figures" in text and "do not tell which one this is" in text
    for guessed in ("Left panel", "Right panel", "left", "right", "ax1.plot", "ax2.plot"):
        assert guessed not in text, guessed
    code = extracted(bare)
    assert "could not tell which" in code.splitlines()[0]
    assert "ax1.plot" in code and "ax2.plot" in code
    named = replace(bare, figure_name="Right panel")  # the figure was named after its title
    assert locate_facts(named).chosen == 1
    assert "ax1" not in extracted(named)


def test_a_loop_drawing_a_figure_per_item_is_narrowed_to_the_item(
    recorded: dict[str, list[dict]], tmp_path: Path
) -> None:
    lisbon = figure_facts(LOOP, recorded["loop"][1])
    located = locate_facts(lisbon)
    assert located.chosen == 0 and located.drawing is not None and located.drawing.several
    assert "this one among them" in ask(Purpose.DESCRIBE, lisbon)
    code = extracted(lisbon)
    assert "narrowed to 'Lisbon'" in code.splitlines()[0] and "for city in ['Lisbon']:" in code
    drawn = run_extracted(tmp_path, code)
    assert [f["title"] for f in drawn] == ["Lisbon"] and drawn[0]["series"] == ["Lisbon"]


def test_a_loop_that_cannot_be_narrowed_is_said_to_draw_several(tmp_path: Path) -> None:
    code = LOOP.replace('for city in ["Berlin", "Lisbon"]:', "for city, values in temperatures.items():")
    facts = figure_facts(code, {"title": "Lisbon", "series": ["Lisbon"]})
    extraction = extracted(facts)
    assert "makes several figures" in extraction.splitlines()[0]
    assert "Lisbon" in [f["title"] for f in run_extracted(tmp_path, extraction)]


def test_f_string_labels_are_read_with_the_values_they_may_take() -> None:
    code = LOOP.replace("ax.set_title(city)", 'ax.set_title(f"Temperature in {city}")')
    (loop,) = drawings(code)
    assert loop.titles == {"temperature in berlin", "temperature in lisbon"}
    sliced = minimal_code(code, 0, title="Temperature in Lisbon")
    assert sliced is not None and "for city in ['Lisbon']:" in sliced


def test_a_title_the_figure_does_not_have_rules_a_drawing_out() -> None:
    located = locate(NOTEBOOK_CELL, title="Right panel", series=["left"])
    assert located.chosen == 1
    assert locate(NOTEBOOK_CELL, title="Something else").chosen is None
    computed = NOTEBOOK_CELL.replace('ax2.set_title("Right panel")', "ax2.set_title(heading)")
    located = locate(computed, title="Computed heading")
    assert located.chosen == 1 and "other figures have titles other than" in located.reason


def test_only_the_publishing_call_is_evidence_when_nothing_was_recorded() -> None:
    code = NOTEBOOK_CELL.replace("%matplotlib inline\n", "import figtrail as ft\n") + "ft.publish(fig2)\n"
    located = locate(code)
    assert located.chosen == 1 and "publishes" in located.reason
    sliced = minimal_code(code, 1)
    assert sliced is not None and "ft.publish" not in sliced and "ax1" not in sliced


def test_closing_or_showing_before_any_drawing_is_no_figure() -> None:
    code = """\
import matplotlib.pyplot as plt
plt.close("all")
plt.style.use("ggplot")
plt.plot([1, 2, 3], label="rise")
plt.title("Rise")
plt.show()
plt.savefig("after.png")
"""
    (only,) = drawings(code)
    assert only.labels == Labels(title="Rise", axis_labels={}, series=("rise",))
    sliced = minimal_code(code, 0)
    assert sliced is not None and 'plt.style.use("ggplot")' in sliced and "after.png" not in sliced


def test_subplots_twin_axes_and_loops_over_axes_are_one_figure() -> None:
    code = """\
import matplotlib.pyplot as plt
fig, axes = plt.subplots(1, 2)
axes[0].plot([1, 2], label="a")
right = axes[1]
right.bar([1, 2], [3, 4], label="b")
twin = axes[0].twinx()
twin.plot([2, 1], label="c")
for ax in axes:
    ax.grid()
fig.suptitle("Both")
"""
    (only,) = drawings(code)
    assert only.labels.title == "Both" and only.labels.series == ("a", "b", "c")


def test_a_notebook_cell_s_code_takes_what_it_needs_from_earlier_cells(tmp_path: Path) -> None:
    before = "\n\n".join(EARLIER_CELLS)
    facts = replace(
        figure_facts(LATER_CELL, {"title": "North revenue", "series": ["north"]}), code_before=before
    )
    code = extracted(facts)
    for kept in ("import pandas as pd", "sales = pd.read_csv", "def by_region", "north = by_region"):
        assert kept in code
    for dropped in ("%matplotlib", "sales.head()", "'Cost'", "undefined_name"):
        assert dropped not in code
    drawn = run_extracted(tmp_path, code)
    assert [(f["title"], f["series"]) for f in drawn] == [("North revenue", ["north"])]
    alone = extracted(replace(facts, code_before=""))  # without the earlier cells it says what is missing
    assert alone.splitlines()[1] == (
        "# Not defined in this code (it ran elsewhere, in an earlier cell?): by_region, sales, plt."
    )


@pytest.mark.parametrize(
    ("code", "labels"),
    [
        (
            "from bokeh.plotting import figure, show\np = figure(title='Sales')\n"
            "p.line([1, 2], [3, 4], legend_label='north')\nshow(p)",
            Labels("Sales", {}, ("north",)),
        ),
        (
            "import plotly.graph_objects as go\nfig = go.Figure()\n"
            "fig.add_trace(go.Scatter(x=[1], y=[2], name='s'))\n"
            "fig.update_layout(title='T', xaxis_title='Day', yaxis_title='Size')",
            Labels("T", {"x": "Day", "y": "Size"}, ("s",)),
        ),
        (
            "from plotnine import ggplot, aes, geom_line, labs\n"
            "p = ggplot(df, aes('a', 'b')) + geom_line() + labs(title='G', x='A', y='B')",
            Labels("G", {"x": "A", "y": "B"}, ()),
        ),
        (
            "import seaborn as sns\nimport matplotlib.pyplot as plt\ng = sns.FacetGrid(df, col='k')\n"
            "g.map(plt.hist, 'v')\ng.set_axis_labels('Value', 'Count')\ng.fig.suptitle('Facets')",
            Labels("Facets", {"x": "Value", "y": "Count"}, ()),
        ),
    ],
)
def test_labels_of_other_libraries_figures(code: str, labels: Labels) -> None:
    (only,) = drawings(code)
    assert only.labels == labels


def test_subplots_recorded_from_the_figure_are_described(tmp_path: Path) -> None:
    code = """\
import matplotlib.pyplot as plt
fig, (left, right) = plt.subplots(1, 2)
left.plot([1, 2], label="rise")
left.set_title("Rise")
right.set_xlabel("Day")
right.set_ylabel("Size")
fig.suptitle("Both")
"""
    (figure,) = recorded_figures(tmp_path, code)
    text = ask(Purpose.DESCRIBE, figure_facts(code, figure))
    assert "It has 2 subplots: “Rise”, “Size” vs “Day”." in text
