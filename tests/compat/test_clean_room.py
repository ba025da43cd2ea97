"""The official client's ``@reproducible`` against figtrail: its clean-room revision is stored as sent,
and the revision page and the Reproduce zip read it as they read figtrail's own."""

# ruff: noqa: B008, F821 - a Param is a default by design; plt and publish are the clean room's globals
from __future__ import annotations

import io
import json
import re
import zipfile

import matplotlib
import pandas as pd
from gofigr.publisher import Publisher
from gofigr.reproducible import CheckboxParam, DropdownParam, SliderParam, TextParam, reproducible

from tests.compat.conftest import unique
from tests.web.helpers import web_session

matplotlib.use("Agg")


def test_the_official_clients_clean_room_shows_its_parameters(live_server, owner):
    publisher = Publisher(
        gf=owner.gf, analysis=unique("clean room"), image_formats=("png",), save_pickle=False
    )
    published = []

    @reproducible(
        publisher=publisher, packages={"pd": "pandas", "plt": "matplotlib.pyplot"}, merge_packages=False
    )
    def bars(
        table,
        width=SliderParam(0.5, min=0.1, max=1.0, step=0.1),
        colour=DropdownParam("teal", choices=["teal", "orange"]),
        edges=CheckboxParam(False),
        title=TextParam("Official bars"),
    ):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar(table["name"], table["value"], width=width, color=colour, edgecolor="black" if edges else None)
        ax.set_title(title)
        return publish(fig, target=title)

    # (a value passed for a Param parameter loses its control in the official client: it is left alone here)
    published.append(bars(pd.DataFrame({"name": ["a", "b"], "value": [3, 5]})))
    (revision,) = published
    stored = owner.http.get(f"{live_server.api}revision/{revision.api_id}/", timeout=60).json()
    assert stored["is_clean_room"] is True
    flagged = {(d["type"], d["metadata"].get("format")) for d in stored["data"] if d["is_clean_room"]}
    assert flagged == {("code", "clean_room"), ("text", "json"), ("dataframe", "parquet")}

    session = web_session(live_server, owner.username, owner.password)
    page = session.get(f"{live_server.url}/revision/{revision.api_id}", timeout=60).text
    rows = dict(re.findall(r'<tr data-parameter="([^"]+)">.*?<td class="mono">([^<]*)</td>', page, re.S))
    assert rows.pop("table").endswith("bytes of Parquet)")
    assert rows == {
        "width": "0.5",
        "colour": "teal",
        "edges": "false",
        "title": "Official bars",
    }
    assert "min 0.1, max 1.0, step 0.1" in page and "choices: teal, orange" in page
    assert 'id="reproduce"' in page

    bundle = session.get(f"{live_server.url}/revision/{revision.api_id}/reproduce", timeout=60)
    archive = zipfile.ZipFile(io.BytesIO(bundle.content))
    (folder,) = {name.split("/")[0] for name in archive.namelist()}
    parameters = json.loads(archive.read(f"{folder}/parameters.json"))
    assert parameters["values"] == {
        "width": 0.5,
        "colour": "teal",
        "edges": False,
        "title": "Official bars",
    }
    assert parameters["frames"] == {"table": "data/table.parquet"}
    assert pd.read_parquet(io.BytesIO(archive.read(f"{folder}/data/table.parquet")))["value"].tolist() == [
        3,
        5,
    ]
