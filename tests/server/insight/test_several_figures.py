"""A cell that draws two figures, published as two revisions with the same code: the live server's offline
answers give each figure only its own labels and code, and say so when which figure it is is unknown."""

from __future__ import annotations

import pytest

from tests.ai.scripts import NOTEBOOK_CELL, run_extracted
from tests.server.insight.figures import TABLE, publish

EARLIER = [
    "%matplotlib inline\nimport pandas as pd\nimport matplotlib.pyplot as plt",
    "frame = pd.read_csv('growth.csv')\nframe.describe()",
    "fig, ax = plt.subplots()\nax.plot(frame['day'], frame['size'])\nax.set_title('Before')",
]
LATER = """\
fig, ax = plt.subplots()
ax.plot(frame["day"], frame["size"] * 2, label="doubled")
ax.set_title("Doubled growth")
ax.legend()
"""


@pytest.fixture(scope="module")
def revisions(owner) -> dict[str, str]:
    _, analysis, _ = owner.tree()
    left = owner.figure(analysis["api_id"], "Figure A")["api_id"]
    right = owner.figure(analysis["api_id"], "Figure B")["api_id"]
    unnamed = owner.figure(analysis["api_id"], "Figure C")["api_id"]
    recorded = {"title": "Right panel", "series": ["right"]}
    return {
        "recorded": publish(owner, right, code=NOTEBOOK_CELL, metadata=recorded)["api_id"],
        "title_only": publish(owner, left, code=NOTEBOOK_CELL, metadata={"title": "Left panel"})["api_id"],
        "nothing": publish(owner, unnamed, code=NOTEBOOK_CELL)["api_id"],
        "later_cell": publish(
            owner,
            owner.figure(analysis["api_id"], "Doubled")["api_id"],
            code=LATER,
            history=[*EARLIER, LATER, "print('after')"],
            metadata={"title": "Doubled growth", "series": ["doubled"]},
        )["api_id"],
        "no_cell": publish(  # a client that recorded the kernel's history but not the cell
            owner,
            owner.figure(analysis["api_id"], "Doubled again")["api_id"],
            code="",
            history=[*EARLIER, LATER, "print('after')"],
            metadata={"title": "Doubled growth", "series": ["doubled"]},
        )["api_id"],
    }


def ask(owner, path: str, revision_id: str) -> dict:
    response = owner.post(path, {"revision_id": revision_id})
    assert response.status_code == 200, response.text
    return response.json()


def test_each_figure_is_told_only_its_own_labels_and_code(owner, revisions):
    text = ask(owner, "ai/insight/", revisions["recorded"])["text"]
    assert "“Right panel”" in text and "“right”" in text and "this is figure 2 of them" in text
    assert "Left panel" not in text and "“left”" not in text and "ax1" not in text
    code = ask(owner, "ai/extract_code/", revisions["recorded"])["code"]
    assert "ax2.set_title" in code and "ax1" not in code


def test_labels_the_client_did_not_record_come_from_the_figure_s_own_code(owner, revisions):
    text = ask(owner, "ai/insight/", revisions["title_only"])["text"]
    assert "It shows 1 series: “left”" in text
    assert "right" not in text.lower()


def test_nothing_recorded_means_nothing_attributed(owner, revisions):
    text = ask(owner, "ai/insight/", revisions["nothing"])["text"]
    assert "The code draws 2 figures" in text and "do not tell which one this is" in text
    for guessed in ("Left panel", "Right panel", "“left”", "“right”", "ax1.plot"):
        assert guessed not in text, guessed
    code = ask(owner, "ai/extract_code/", revisions["nothing"])["code"]
    assert "could not tell which" in code and "ax1" in code and "ax2" in code


def test_extracted_code_of_a_notebook_cell_runs_with_what_earlier_cells_defined(owner, revisions, tmp_path):
    code = ask(owner, "ai/extract_code/", revisions["later_cell"])["code"]
    assert "frame = pd.read_csv('growth.csv')" in code and "'Before'" not in code
    drawn = run_extracted(tmp_path, code, {"growth.csv": TABLE})
    assert [(f["title"], f["series"]) for f in drawn] == [("Doubled growth", ["doubled"])]


def test_code_taken_from_the_history_is_said_to_be_a_guess(owner, revisions, tmp_path):
    text = ask(owner, "ai/insight/", revisions["no_cell"])["text"]
    assert "No cell was recorded with this figure" in text and "may not be the one that drew it" in text
    code = ask(owner, "ai/extract_code/", revisions["no_cell"])["code"]
    assert "# No cell was recorded with this figure" in code
    drawn = run_extracted(tmp_path, code, {"growth.csv": TABLE})
    assert [f["title"] for f in drawn] == ["Doubled growth"]
