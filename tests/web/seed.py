"""Realistic content for the web tests and screenshots, made through the real REST API.

Images are drawn with matplotlib (Agg) so that pages look as they do with real figures; each revision
also carries code, metadata, a pip freeze, a data frame and links to asset revisions, as the official
client sends them.
"""

from __future__ import annotations

import io
import math
import uuid
from dataclasses import dataclass, field

from tests.server.helpers import Api, data_item, unique

GIT = {"branch": "main", "remote_url": "git@github.com:lab/tumour-growth.git"}


def treated_rate(revision: int) -> float:
    return round(0.10 - 0.012 * revision, 3)


def line_chart(revision: int, width: float = 6.4, height: float = 4.2) -> bytes:
    """A growth curve that changes a little with every revision (so the pixel diff has something)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = list(range(0, 29))
    fig, ax = plt.subplots(figsize=(width, height), dpi=80)
    for arm, (rate, colour) in enumerate([(0.11, "#0e7490"), (treated_rate(revision), "#d97706")]):
        ax.plot(
            days,
            [100 * math.exp(rate * d) for d in days],
            color=colour,
            lw=2,
            label=["control", "treated"][arm],
        )
    ax.set_title(f"Tumour volume (v{revision})")
    ax.set_xlabel("day")
    ax.set_ylabel("volume (mm³)")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def code(revision: int) -> str:
    return (
        "import pandas as pd\n"
        "import matplotlib.pyplot as plt\n\n"
        "df = pd.read_csv('volumes.csv')\n"
        f"treated_rate = {treated_rate(revision):.3f}\n"
        "fig, ax = plt.subplots()\n"
        "for arm, group in df.groupby('arm'):\n"
        "    ax.plot(group.day, group.volume, label=arm)\n"
        f"ax.set_title('Tumour volume (v{revision})')\n"
        "ax.legend()\n"
    )


def table_csv(rows: int) -> bytes:
    lines = ["day,arm,volume"]
    for i in range(rows):
        lines.append(
            f"{i // 2},{'control' if i % 2 == 0 else 'treated'},{100 * math.exp(0.09 * (i // 2)):.1f}"
        )
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Seeded:
    workspace: dict
    analysis: dict
    figure: dict
    revisions: list[dict] = field(default_factory=list)
    asset_revision: dict | None = None


def revision_body(
    figure_id: str, index: int, asset_revision_id: str | None, short_id: str | None = None
) -> dict:
    data = [
        data_item(line_chart(index), "image", name="figure", format="png", is_watermarked=False),
        data_item(code(index).encode(), "code", name="Jupyter Cell", language="Python", format="jupyter"),
        data_item(b"numpy==2.1.0\npandas==2.2.3\nmatplotlib==3.9.2\n", "text", name="pip freeze"),
        data_item(table_csv(120), "dataframe", name="volumes", format="csv"),
    ]
    body = {
        "figure": figure_id,
        "client_id": str(uuid.uuid4()),
        "metadata": {
            "git": {**GIT, "hash": f"{index:02d}3f9a1c7be2d4e5f60718293a4b5c6d7e8f9012"},
            "python_version": "3.11.9",
            "backend": "matplotlib",
            "notebook_name": "growth.ipynb",
            "treated_rate": treated_rate(index),
        },
        "data": data,
    }
    if asset_revision_id:
        body["assets"] = [{"asset_revision": asset_revision_id, "use_type": "direct"}]
    if short_id:
        body["short_id"] = short_id
    return body


def seed(
    api: Api, revisions: int = 3, short_prefix: str | None = None, workspace_name: str | None = None
) -> Seeded:
    """A workspace > analysis > figure with ``revisions`` revisions made from one asset revision."""
    workspace = api.workspace(workspace_name or unique("Tumour growth study"))
    analysis = api.analysis(workspace["api_id"], "Xenograft cohort 2")
    figure = api.figure(analysis["api_id"], "Tumour volume by arm")
    asset = api.asset(workspace["api_id"], "volumes.csv", analysis["api_id"])
    asset_revision = api.asset_revision(asset["api_id"], table_csv(40), "data/volumes.csv")
    seeded = Seeded(workspace, analysis, figure, asset_revision=asset_revision)
    for index in range(1, revisions + 1):
        short_id = f"{short_prefix}{index}" if short_prefix else None
        body = revision_body(figure["api_id"], index, asset_revision["api_id"], short_id)
        seeded.revisions.append(api.created("revision/", body))
    return seeded
