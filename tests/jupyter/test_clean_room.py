"""``@reproducible`` in a real notebook: a figure the function draws is auto-published when the cell
shows it (after the function returned) as a clean-room revision; one it publishes itself, once."""

from __future__ import annotations

import json

from tests.jupyter.conftest import kernel_env, run_notebook

CELLS = [
    """%load_ext figtrail
from figtrail.jupyter import *
import figtrail as ft
import matplotlib.pyplot as plt
import pandas as pd
from typing import Literal""",
    """@ft.reproducible
def curve(points, power=ft.SliderParam(2, min=1, max=4), title="Shown curve"):
    fig, ax = plt.subplots()
    ax.plot(points["x"], points["x"] ** power)
    ax.set_title(title)

curve(pd.DataFrame({"x": [0.0, 1.0, 2.0]}), power=3)""",
    """@ft.reproducible
def explicit(kind: Literal["bar", "line"] = "bar"):
    fig, ax = plt.subplots()
    ax.bar([1, 2], [2, 1]) if kind == "bar" else ax.plot([1, 2], [2, 1])
    ax.set_title("Published inside")
    publish(fig, target="Published inside")

explicit()""",
    """plt.plot([1, 2]); plt.title("Not clean")""",
    """from figtrail.jupyter import get_extension
assert get_extension().publisher.flush(120)""",
]


def test_a_notebook_records_clean_room_figures(account, kernels_dir, tmp_path):
    env = kernel_env(tmp_path, FIGTRAIL_URL=account.url, FIGTRAIL_API_KEY=account.api_key)
    run_notebook(CELLS, kernels_dir, tmp_path, env)
    (analysis,) = account.analyses()  # the module's own account: this notebook's analysis
    figures = account.figures(analysis["name"])
    assert {"Shown curve", "Published inside", "Not clean"} <= set(figures)

    (shown,) = figures["Shown curve"]["revisions"]
    stored = account.revision(shown["api_id"])
    assert stored["is_clean_room"] is True
    manifest = next(
        d for d in stored["data"] if d["is_clean_room"] and d["metadata"].get("role") == "manifest"
    )
    parameters = json.loads(account.payload(manifest["api_id"]))["parameters"]
    assert parameters["power"] == {
        "type": "integer",
        "widget": "slider",
        "value": 3,
        "min": 1,
        "max": 4,
        "step": 1,
    }
    assert parameters["points"] == {"type": "dataframe"}
    source = next(d for d in stored["data"] if d["is_clean_room"] and d["type"] == "code")
    assert account.payload(source["api_id"]).decode().startswith("fig, ax = plt.subplots()")

    (inside,) = figures["Published inside"]["revisions"]  # published once: auto-publish does not double it
    stored = account.revision(inside["api_id"])
    assert stored["is_clean_room"] is True
    manifest = next(
        d for d in stored["data"] if d["is_clean_room"] and d["metadata"].get("role") == "manifest"
    )
    kind = json.loads(account.payload(manifest["api_id"]))["parameters"]["kind"]
    assert kind == {"type": "string", "widget": "dropdown", "value": "bar", "choices": ["bar", "line"]}
    (plain,) = figures["Not clean"]["revisions"]
    assert account.revision(plain["api_id"])["is_clean_room"] is False
