"""The compare page over HTTP, signed in: what it says changed (data frames, code paired across renamed
files, the data files' versions), and comparing revisions of different figures, allowed for a viewer
of both and refused, with the app's error page, for a stranger to one."""

from __future__ import annotations

import html
import io
import re
import uuid

import pytest

from tests.server.helpers import data_item, new_user, png_bytes, unique
from tests.web.helpers import error_page, web_session
from tests.web.seed import code, line_chart, table_csv


def keyed_csv(samples: list[str], changed: dict[str, str] | None = None, weight: bool = False) -> bytes:
    header = "sample,volume" + (",weight" if weight else "")
    lines = [header]
    for sample in samples:
        n = int(sample[1:])
        volume = (changed or {}).get(sample, f"{100 + n}.0")
        lines.append(f"{sample},{volume}" + (f",{20 + n}" if weight else ""))
    return ("\n".join(lines) + "\n").encode()


def parquet(rows: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"day": list(range(rows)), "count": [d * 3 for d in range(rows)]})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


SAMPLES = [f"s{i:03d}" for i in range(30)]
# B: s003 and s004 gone, s010's volume changed, three new samples, a weight column
SAMPLES_B = [s for s in SAMPLES if s not in ("s003", "s004")] + ["s100", "s101", "s102"]


def revision(api, figure_id: str, *data: dict, assets: list[str] = ()) -> dict:
    body = {"figure": figure_id, "client_id": str(uuid.uuid4()), "metadata": {}, "data": list(data)}
    if assets:
        body["assets"] = [{"asset_revision": a, "use_type": "direct"} for a in assets]
    return api.created("revision/", body)


@pytest.fixture(scope="module")
def history(owner):
    """Two revisions of one figure whose code moved to another file and whose data changed, and a
    revision of a figure in another workspace."""
    workspace = owner.workspace(unique("Compare changes"))
    analysis = owner.analysis(workspace["api_id"], "Cohort")
    figure = owner.figure(analysis["api_id"], "Volumes")
    asset = owner.asset(workspace["api_id"], "volumes.csv", analysis["api_id"])
    first_file = owner.asset_revision(asset["api_id"], table_csv(10), "data/volumes.csv")
    second_file = owner.asset_revision(asset["api_id"], table_csv(12), "data/volumes.csv")
    a = revision(
        owner,
        figure["api_id"],
        data_item(line_chart(1), "image", name="figure", format="png"),
        data_item(code(1).encode(), "code", name="growth.ipynb", language="Python"),
        data_item(keyed_csv(SAMPLES), "dataframe", name="samples", format="csv"),
        data_item(parquet(40), "dataframe", name="counts", format="parquet"),
        assets=[first_file["api_id"]],
    )
    b = revision(
        owner,
        figure["api_id"],
        data_item(line_chart(2), "image", name="figure", format="png"),
        data_item(code(2).encode(), "code", name="analysis_v2.py", language="Python"),
        data_item(
            keyed_csv(SAMPLES_B, {"s010": "999.5"}, weight=True), "dataframe", name="samples", format="csv"
        ),
        data_item(parquet(41), "dataframe", name="counts", format="parquet"),
        assets=[second_file["api_id"]],
    )
    other_ws = owner.workspace(unique("Another study"))
    other_analysis = owner.analysis(other_ws["api_id"], "Pilot")
    other_figure = owner.figure(other_analysis["api_id"], "Pilot volumes")
    other = revision(
        owner,
        other_figure["api_id"],
        data_item(png_bytes(140, 90), "image", name="figure", format="png"),
        data_item(code(1).encode(), "code", name="pilot.py", language="Python"),
    )
    return {"a": a, "b": b, "other": other, "workspace": workspace, "other_figure": other_figure}


def page(session, server, a: str, b: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"a": a, "b": b, **params}.items())
    response = session.get(f"{server.url}/compare?{query}", timeout=60)
    assert response.status_code == 200, response.text[:2000]
    return response.text


def attributes(text: str, tag_class: str, key: str, value: str) -> dict[str, str]:
    """The attributes of the element of class ``tag_class`` whose ``key`` attribute is ``value``."""
    for match in re.finditer(rf'<details class="section {tag_class}"([^>]*)>', text):
        attrs = {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', match.group(1))}
        if attrs.get(key) == value:
            return attrs
    raise AssertionError(f"no {tag_class} with {key}={value}")


def test_the_data_diff_counts_rows_and_columns(live_server, owner, history):
    session = web_session(live_server, owner.username, owner.password)
    text = page(session, live_server, history["a"]["api_id"], history["b"]["api_id"])
    samples = attributes(text, "frame-diff", "data-frame", "samples")
    assert samples["data-status"] == "changed"
    assert (samples["data-rows-added"], samples["data-rows-removed"], samples["data-rows-changed"]) == (
        "3",
        "2",
        "1",
    )
    assert (samples["data-columns-added"], samples["data-columns-removed"]) == ("1", "0")
    flat = re.sub(r"<[^>]+>", "", text)
    assert "Rows: 30 in A, 31 in B; 3 added, 2 removed, 1 changed (matched by sample)." in flat
    assert "Columns: added weight; values changed in volume." in flat
    assert "110.0 999.5" in flat  # s010's volume: A's value struck out, B's beside it (row 11)
    counts = attributes(text, "frame-diff", "data-frame", "counts")  # Parquet: one row more
    assert (counts["data-rows-added"], counts["data-rows-removed"], counts["data-rows-changed"]) == (
        "1",
        "0",
        "0",
    )
    # the data file each was made from: another version of the same asset
    assert re.search(r'data-file="volumes.csv" data-status="changed"', text)
    assert "version changed" in text


def test_code_is_paired_across_renamed_files(live_server, owner, history):
    session = web_session(live_server, owner.username, owner.password)
    text = page(session, live_server, history["a"]["api_id"], history["b"]["api_id"], code="split")
    pair = attributes(text, "code-pair", "data-old-name", "growth.ipynb")
    assert pair["data-new-name"] == "analysis_v2.py"
    assert "growth.ipynb → analysis_v2.py" in html.unescape(text)
    assert re.search(r'data-similarity="\d+">renamed, \d+% alike', text)
    # highlighted: the changed line, in both layouts; the split one shown, the unified one hidden
    assert '<span class="n">treated_rate</span>' in text
    assert re.search(r'data-code-layout="unified"\s+hidden', text)
    assert not re.search(r'data-code-layout="split"\s+hidden', text)
    assert "<del>" not in text.split('id="code-diff"')[1].split('id="data-diff"')[0]
    unified = page(session, live_server, history["a"]["api_id"], history["b"]["api_id"])
    assert re.search(r'<tr class="del">(?:(?!</tr>).)*0\.088', unified, re.S)
    assert re.search(r'<tr class="add">(?:(?!</tr>).)*0\.076', unified, re.S)


def test_revisions_of_different_figures_compare_for_a_viewer_of_both(live_server, owner, history):
    viewer = new_user(live_server)
    added = owner.post(
        f"workspace/{history['workspace']['api_id']}/members/add/",
        {"username": viewer.username, "membership_type": "viewer"},
    )
    assert added.status_code == 200, added.text
    session = web_session(live_server, viewer.username, viewer.password)
    a, other = history["a"]["api_id"], history["other"]["api_id"]
    # a stranger to the other workspace: told what an id nobody uses is told, in every mode
    for mode in ("side", "diff"):
        refused = session.get(f"{live_server.url}/compare?a={a}&b={other}&mode={mode}", timeout=60)
        assert error_page(refused, 404) == ("Not found", f"No revision with id {other}.")
    refused = session.get(f"{live_server.url}/web/compare/diff.png?a={a}&b={other}", timeout=60)
    assert refused.status_code == 404
    shared = owner.post(
        f"figure/{history['other_figure']['api_id']}/share/user/",
        {"username": viewer.username, "sharing_enabled": True},
    )
    assert shared.status_code == 200, shared.text
    for mode in ("side", "slider", "overlay", "diff"):
        text = page(session, live_server, a, other, mode=mode)
        assert 'id="cross-figure"' in text
        assert "Volumes" in text and "Pilot volumes" in text
    assert "% of pixels changed" in text
    diff = session.get(f"{live_server.url}/web/compare/diff.png?a={a}&b={other}&tol=40", timeout=60)
    assert diff.status_code == 200 and diff.headers["Content-Type"] == "image/png"
    # the other side typed as a link: the page at its own address
    typed = session.get(
        f"{live_server.url}/compare?a={a}&b={history['b']['api_id']}&side=b&other=https://x.test/r/{other}",
        allow_redirects=False,
        timeout=60,
    )
    assert typed.status_code == 302 and f"b={other}" in typed.headers["Location"]


def test_the_tolerance_changes_what_counts_as_changed(live_server, owner, history):
    session = web_session(live_server, owner.username, owner.password)
    a, b = history["a"]["api_id"], history["b"]["api_id"]

    def changed(tolerance: int) -> float:
        text = page(session, live_server, a, b, mode="diff", tol=tolerance)
        return float(re.search(r'id="changed-percent">([\d.]+)%', text).group(1))

    assert changed(0) >= changed(16) >= changed(254)
    assert changed(255) == 0.0
