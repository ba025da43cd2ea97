"""Facts built the way the server builds them: from a real matplotlib figure drawn by real code, and a
real pandas table, so the offline provider is tested on what it will actually see."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from figtrail.ai.base import FigureFacts, Image, TableFacts  # noqa: E402

WEATHER_CODE = """\
%matplotlib inline
import os
import pandas as pd
import matplotlib.pyplot as plt

df = pd.read_csv("weather.csv")
print(df.describe())
df["temp_f"] = df["temp_c"] * 9 / 5 + 32
unused = os.getcwd()
monthly = df.groupby("month")["temp_c"].mean()
cities = sorted(df["city"].unique())

fig, ax = plt.subplots(figsize=(6, 4))
for city in cities:
    rows = df[df["city"] == city]
    ax.plot(rows["month"], rows["temp_c"], marker="o", label=city)
ax.set_title("Monthly temperature")
ax.set_xlabel("Month")
ax.set_ylabel("Temperature (°C)")
ax.legend()
print(monthly)
"""


def weather_table() -> pd.DataFrame:
    months = np.arange(1, 13)
    frames = [
        pd.DataFrame(
            {"month": months, "city": city, "temp_c": base + 10 * np.sin((months - 4) / 12 * 2 * np.pi)}
        )
        for city, base in (("Berlin", 10.0), ("Lisbon", 17.0))
    ]
    return pd.concat(frames, ignore_index=True)


def table_facts(name: str, frame: pd.DataFrame) -> TableFacts:
    numeric = frame.select_dtypes("number")
    stats = {
        column: {
            "min": float(numeric[column].min()),
            "max": float(numeric[column].max()),
            "mean": float(numeric[column].mean()),
        }
        for column in numeric.columns
    }
    return TableFacts(
        name=name,
        rows=len(frame),
        columns=tuple(str(c) for c in frame.columns),
        dtypes={str(c): str(t) for c, t in frame.dtypes.items()},
        stats=stats,
        preview_csv=frame.head(5).to_csv(index=False),
    )


def draw(directory: Path, code: str, frame: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Run ``code`` as a notebook cell would (magics dropped) next to weather.csv; return its figure."""
    frame.to_csv(directory / "weather.csv", index=False)
    runnable = "\n".join(line for line in code.splitlines() if not line.startswith("%"))
    namespace: dict = {}
    with contextlib.chdir(directory), contextlib.redirect_stdout(io.StringIO()):
        exec(compile(runnable, "<cell>", "exec"), namespace)
    return namespace["fig"], namespace["df"]


def figure_facts(
    directory: Path, code: str = WEATHER_CODE, frame: pd.DataFrame | None = None, *, revision: int = 1
) -> FigureFacts:
    frame = weather_table() if frame is None else frame
    fig, data = draw(directory, code, frame)
    ax = fig.axes[0]
    legend = ax.get_legend()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=40)
    plt.close(fig)
    return FigureFacts(
        revision_id=f"rev-{revision}",
        figure_name="Temperature by city",
        analysis_name="Climate",
        revision_index=revision,
        backend="matplotlib",
        title=ax.get_title(),
        axis_labels={"x": ax.get_xlabel(), "y": ax.get_ylabel()},
        series=tuple(t.get_text() for t in legend.get_texts()) if legend else (),
        metadata={"figsize": list(fig.get_size_inches())},
        code=code,
        tables=(table_facts("weather.csv", data),),
        inputs=("weather.csv",),
        image=Image("image/png", buffer.getvalue()),
    )
