"""Revisions as a real client publishes them: a clean and a watermarked PNG, the cell's code, the kernel's
history, a data frame stored as CSV, and a link to the tracked data file it was read from."""

from __future__ import annotations

import json
from typing import Any

from tests.server.helpers import Api, data_item, png_bytes

CELL = """import pandas as pd
import matplotlib.pyplot as plt

frame = pd.read_csv("growth.csv")
fig, ax = plt.subplots()
ax.plot(frame["day"], frame["size"], label="control")
ax.set_xlabel("Day")
ax.set_ylabel("Tumour size (mm)")
ax.set_title("Tumour growth")
ax.legend()
"""
HISTORY = ["import numpy as np", "x = 1", CELL, "print('done')"]
TABLE = "day,size,group\n1,2.5,control\n2,3.0,control\n3,4.25,control\n4,6.0,control\n"


def publish(
    api: Api,
    figure_id: str,
    *,
    code: str = CELL,
    table: str = TABLE,
    assets: list | None = None,
    metadata: dict | None = None,
    history: list[str] | None = None,
) -> dict:
    """One revision with everything the AI reads (``metadata`` beside the backend: what the client
    recorded from the figure)."""
    items = [
        data_item(png_bytes(color=(10, 120, 200)), "image", name="figure", format="png", is_watermarked=True),
        data_item(png_bytes(), "image", name="figure", format="png", is_watermarked=False),
        data_item(
            code.encode(), "code", name="Jupyter Cell", language="Python", format="text", encoding="utf-8"
        ),
        data_item(
            json.dumps(HISTORY if history is None else history).encode(),
            "code",
            name="IPython history",
            language="python",
            format="jupyter-history/json",
            encoding="utf-8",
        ),
        data_item(table.encode(), "dataframe", name="growth", format="csv", encoding="utf-8"),
    ]
    links = [
        {"use_type": "direct", "figure_revision": None, "asset_revision": asset_revision}
        for asset_revision in assets or []
    ]
    return api.revision(
        figure_id, *items, metadata={"backend": "matplotlib", **(metadata or {})}, assets=links
    )


def published_tree(api: Api) -> dict[str, Any]:
    """A workspace, an analysis, a figure with two revisions (the second plots more data), and the data
    file the first was read from."""
    workspace, analysis, figure = api.tree()
    asset = api.asset(workspace["api_id"], "growth.csv")
    asset_revision = api.asset_revision(asset["api_id"], TABLE.encode(), "data/growth.csv")
    first = publish(api, figure["api_id"], assets=[asset_revision["api_id"]])
    second = publish(
        api,
        figure["api_id"],
        code=CELL.replace('label="control"', 'label="treated"'),
        table=TABLE + "5,9.5,treated\n",
    )
    return {
        "workspace": workspace,
        "analysis": analysis,
        "figure": figure,
        "asset": asset,
        "asset_revision": asset_revision,
        "first": first,
        "second": second,
    }


def sse_events(body: str) -> list[tuple[str, dict]]:
    """The (event name, JSON data) pairs of a Server-Sent Events body; unnamed events are "message"."""
    events = []
    for block in body.split("\n\n"):
        name, data = "message", None
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data = json.loads(line[len("data:") :].strip())
        if data is not None:
            events.append((name, data))
    return events
