"""The code's structure via ast, and the backward slice EXTRACT_CODE is built on."""

from __future__ import annotations

from figtrail.ai.codefacts import analyse
from figtrail.ai.codefigures import minimal_code
from tests.ai.realistic import WEATHER_CODE


def test_analyse_lists_imports_files_and_plotting_calls() -> None:
    facts = analyse(WEATHER_CODE)
    assert facts.imports == ("os", "pandas", "matplotlib.pyplot")
    assert facts.files_read == ("weather.csv (pd.read_csv)",)
    assert facts.plotting_calls[:2] == ("plt.subplots", "ax.plot")
    assert "ax.set_ylabel" in facts.plotting_calls
    assert "print" in facts.calls and "print" not in facts.plotting_calls
    assert facts.error == ""


def test_analyse_reports_code_that_does_not_parse() -> None:
    facts = analyse("plt.plot(x,\n")
    assert facts.error and facts.imports == ()


def test_slice_keeps_what_the_plot_needs_through_a_main_function() -> None:
    code = """\
import sys
import numpy as np
import seaborn as sns

LIMIT = 10
noise = np.random.default_rng(0).normal(size=5)
values = np.arange(LIMIT)

def main():
    sns.lineplot(x=values, y=values ** 2)

print(sys.argv)
if __name__ == "__main__":
    main()
"""
    sliced = minimal_code(code)
    assert sliced is not None
    compile(sliced, "<slice>", "exec")
    assert "import sys" not in sliced and "noise" not in sliced
    for kept in (
        "import numpy as np",
        "import seaborn as sns",
        "LIMIT = 10",
        "values = np.arange",
        "def main",
    ):
        assert kept in sliced


def test_slice_keeps_in_place_changes_and_drops_overwritten_values() -> None:
    code = """\
import matplotlib.pyplot as plt
xs = [0, 1]
xs = [1, 2, 3]
xs.append(4)
ys = [x * x for x in xs]
ys.sort(reverse=True)
plt.plot(xs, ys)
"""
    sliced = minimal_code(code)
    assert sliced is not None
    assert "xs = [0, 1]" not in sliced
    assert "xs.append(4)" in sliced and "ys.sort(reverse=True)" in sliced


def test_no_slice_without_plotting_or_parseable_code() -> None:
    assert minimal_code("x = 1\nprint(x)\n") is None
    assert minimal_code("def broken(:\n") is None
