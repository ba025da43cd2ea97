"""Real scripts and notebook cells that draw several figures, run for real (matplotlib's Agg backend) to
get each figure's facts the way figtrail's client records them from the live figure."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from figtrail.ai.base import FigureFacts  # noqa: E402
from figtrail.capture.backends.matplotlib import MatplotlibBackend  # noqa: E402

SALES_CSV = "month,region,revenue,cost\n" + "".join(
    f"{month},{region},{100 + 7 * month + 30 * n},{60 + 3 * month + 10 * n}\n"
    for month in range(1, 13)
    for n, region in enumerate(("north", "south"))
)

# pyplot's state machine: two figures, lists built by loops, the second figure after plt.show().
STATE_MACHINE = """\
import math
import matplotlib.pyplot as plt

xs = []
squares = []
for i in range(10):
    xs.append(i)
    squares.append(i * i)
waves = [math.sin(x / 2) for x in xs]

plt.figure(figsize=(5, 3))
plt.plot(xs, squares, label="squares")
plt.title("Squares")
plt.xlabel("n")
plt.ylabel("n squared")
plt.legend()
plt.savefig("squares.png")
plt.show()

plt.plot(xs, waves, label="sine wave", color="tab:green")
plt.title("A sine wave")
plt.xlabel("x")
plt.ylabel("sin(x / 2)")
plt.legend()
plt.show()
"""

# Object-oriented matplotlib with helper functions defined above and a CSV read with pandas; both
# figures are published by the script.
HELPERS_AND_CSV = """\
import pandas as pd
import matplotlib.pyplot as plt
from figtrail import Publisher


def rolling(values, window=3):
    out = []
    for n in range(len(values)):
        chunk = values[max(0, n - window + 1) : n + 1]
        out.append(sum(chunk) / len(chunk))
    return out


def style(ax, title, ylabel):
    ax.set_title(title)
    ax.set_xlabel("Month")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()


sales = pd.read_csv("sales.csv")
north = sales[sales["region"] == "north"]
south = sales[sales["region"] == "south"]
costs = sales.groupby("month")["cost"].sum()

fig_revenue, ax_revenue = plt.subplots()
ax_revenue.plot(north["month"], rolling(list(north["revenue"])), label="north")
ax_revenue.plot(south["month"], rolling(list(south["revenue"])), label="south")
style(ax_revenue, "Revenue by region", "Revenue (kEUR)")

fig_cost, ax_cost = plt.subplots()
ax_cost.bar(costs.index, costs.values, label="all regions")
style(ax_cost, "Monthly cost", "Cost (kEUR)")

publisher = Publisher(analysis="Sales")
publisher.publish(fig_revenue, dataframes={"sales": sales})
publisher.publish(fig_cost)
"""

# A function that makes a figure, called twice with different titles.
FACTORY = """\
import numpy as np
import matplotlib.pyplot as plt
from numpy.random import default_rng

rng = default_rng(7)
growth = np.cumsum(rng.uniform(0, 1, 30))
decay = 30 - np.cumsum(rng.uniform(0, 1, 30))


def make_chart(values, title, colour="tab:blue"):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(np.arange(len(values)), values, color=colour, label=title.lower())
    ax.set_title(title)
    ax.set_ylabel("Level")
    return fig


first = make_chart(growth, "Growth")
second = make_chart(decay, "Decay", colour="tab:red")
"""

# A notebook cell drawing two figures, published by the official client without any recorded facts.
NOTEBOOK_CELL = """\
%matplotlib inline
import matplotlib.pyplot as plt

fig1, ax1 = plt.subplots()
ax1.plot([1, 2, 3], [3, 1, 2], label="left")
ax1.set_title("Left panel")
fig2, ax2 = plt.subplots()
ax2.plot([1, 2, 3], [1, 2, 3], label="right")
ax2.set_title("Right panel")
"""

# A loop that draws one figure per city.
LOOP = """\
import matplotlib.pyplot as plt

temperatures = {"Berlin": [1, 3, 8, 13], "Lisbon": [11, 12, 14, 16]}
for city in ["Berlin", "Lisbon"]:
    fig, ax = plt.subplots()
    ax.plot(temperatures[city], label=city)
    ax.set_title(city)
"""

# A notebook: cells run before the one that drew the figure define what it uses (and draw another).
EARLIER_CELLS = [
    "%matplotlib inline\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
    "sales = pd.read_csv('sales.csv')",
    "sales.head()",
    "fig, ax = plt.subplots()\nax.plot(sales['month'], sales['cost'], label='cost')\nax.set_title('Cost')",
    "def by_region(frame, region):\n    return frame[frame['region'] == region]",
    "print(undefined_name)",  # a cell that failed: it is not needed, so it is not kept
]
LATER_CELL = """\
north = by_region(sales, "north")
fig, ax = plt.subplots()
ax.plot(north["month"], north["revenue"], label="north")
ax.set_title("North revenue")
ax.legend()
"""

SCRIPTS = {
    "state_machine": STATE_MACHINE,
    "helpers_and_csv": HELPERS_AND_CSV,
    "factory": FACTORY,
    "notebook_cell": NOTEBOOK_CELL,
    "loop": LOOP,
}


def runnable(code: str) -> str:
    """The code as a script runs it: IPython magics dropped, figtrail's publishing left out."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith("%")]
    return "\n".join(line for line in lines if "Publisher" not in line and "publish(" not in line)


def recorded_figures(directory: Path, code: str) -> list[dict]:
    """Run ``code`` next to sales.csv; what figtrail's client records from each figure it leaves open
    (the figures closed by plt.show() are read when shown)."""
    (directory / "sales.csv").write_text(SALES_CSV)
    backend = MatplotlibBackend()
    shown: list[dict] = []

    def show(*args: object, **kwargs: object) -> None:
        for number in plt.get_fignums():
            shown.append(backend.facts(plt.figure(number)))
        plt.close("all")

    plt.close("all")
    original = plt.show
    plt.show = show  # type: ignore[assignment]
    try:
        with contextlib.chdir(directory), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(runnable(code), "<script>", "exec"), {})
        show()
    finally:
        plt.show = original  # type: ignore[assignment]
    return shown


def figure_facts(code: str, recorded: dict, *, name: str = "Figure", revision: int = 1) -> FigureFacts:
    return FigureFacts(
        revision_id=f"rev-{revision}",
        figure_name=name,
        analysis_name="Scripts",
        revision_index=revision,
        backend="matplotlib",
        title=recorded.get("title", ""),
        axis_labels=recorded.get("axis_labels", {}),
        series=tuple(recorded.get("series", ())),
        metadata={"backend": "matplotlib", **recorded},
        code=code,
    )


PROBE = """
import json as _json
import matplotlib.pyplot as _plt
from figtrail.capture.backends.matplotlib import MatplotlibBackend as _Backend
_seen = list(globals().get("_shown", []))
print(_json.dumps(_seen + [_Backend().facts(_plt.figure(n)) for n in _plt.get_fignums()]))
"""

SHOW_HOOK = """
import matplotlib.pyplot as _plt
from figtrail.capture.backends.matplotlib import MatplotlibBackend as _Backend
_shown = []
def _show(*args, **kwargs):
    _shown.extend(_Backend().facts(_plt.figure(n)) for n in _plt.get_fignums())
    _plt.close("all")
_plt.show = _show
"""


def run_extracted(directory: Path, code: str, files: dict[str, str] | None = None) -> list[dict]:
    """Run extracted code in a fresh interpreter with the Agg backend next to sales.csv (and ``files``);
    the facts of every figure it drew (those shown and those left open)."""
    for name, text in {"sales.csv": SALES_CSV, **(files or {})}.items():
        (directory / name).write_text(text)
    script = directory / "extracted.py"
    script.write_text(SHOW_HOOK + "\n" + code + "\n" + PROBE)
    env = {**os.environ, "MPLBACKEND": "Agg", "FIGTRAIL_HOME": str(directory / "home")}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=directory, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, textwrap.indent(code, "    ") + "\n" + done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))
