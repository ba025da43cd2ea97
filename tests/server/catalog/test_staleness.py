"""Stale figures (figtrail.server.catalog.staleness): a figure whose latest revision was made from an older
version of a tracked data file is stale, in the API (the ``stale`` field, ``figure/?stale=``) and on the
web pages (the figure's callout, the cards' badge, the asset page's "What uses this file")."""

from __future__ import annotations

import re

from tests.server.helpers import data_item, png_bytes, refusal
from tests.web.helpers import web_session


def drawn_from(api, figure_id: str, asset_revision_id: str) -> dict:
    image = data_item(png_bytes(), "image", name="figure", format="png")
    return api.revision(
        figure_id, image, assets=[{"asset_revision": asset_revision_id, "use_type": "indirect"}]
    )


def landscape(api):
    """volumes.csv in two versions; 'Old' last drawn from the first, 'Redrawn' from both in turn, 'Plain'
    from no file at all."""
    workspace, analysis, old = api.tree()
    redrawn, plain = api.figure(analysis["api_id"], "Redrawn"), api.figure(analysis["api_id"], "Plain")
    asset = api.asset(workspace["api_id"], "volumes.csv")
    first = api.asset_revision(asset["api_id"], b"day,volume\n1,10\n")
    drawn_from(api, old["api_id"], first["api_id"])
    drawn_from(api, redrawn["api_id"], first["api_id"])
    api.revision(plain["api_id"], data_item(png_bytes(), "image", name="figure", format="png"))
    second = api.asset_revision(asset["api_id"], b"day,volume\n1,10\n2,12\n")
    latest = drawn_from(api, redrawn["api_id"], second["api_id"])
    return analysis, asset, first, second, {"old": old, "redrawn": redrawn, "plain": plain, "latest": latest}


def test_a_figure_last_drawn_from_an_older_data_file_is_stale_in_the_api(owner):
    analysis, asset, first, second, figures = landscape(owner)
    stale = owner.ok(f"figure/{figures['old']['api_id']}/")["stale"]
    assert stale == [
        {
            "asset": asset["api_id"],
            "name": "volumes.csv",
            "used": {"api_id": first["api_id"], "revision_index": first["revision_index"]},
            "newest": {"api_id": second["api_id"], "revision_index": second["revision_index"]},
        }
    ]
    assert owner.ok(f"figure/{figures['redrawn']['api_id']}/")["stale"] == []
    assert owner.ok(f"figure/{figures['plain']['api_id']}/")["stale"] == []
    listed = {f["name"]: f["stale"] for f in owner.ok(f"figure/?analysis={analysis['api_id']}")}
    assert listed[figures["old"]["name"]] == stale and listed["Redrawn"] == [] and listed["Plain"] == []
    only_stale = owner.ok(f"figure/?analysis={analysis['api_id']}&stale=true")
    assert [f["api_id"] for f in only_stale] == [figures["old"]["api_id"]]
    fresh = {f["api_id"] for f in owner.ok(f"figure/?analysis={analysis['api_id']}&stale=false")}
    assert fresh == {figures["redrawn"]["api_id"], figures["plain"]["api_id"]}
    message = refusal(owner.get(f"figure/?analysis={analysis['api_id']}&stale=maybe"), 400, "stale")
    assert message == ["Use stale=true (the stale figures) or stale=false."]


def test_publishing_again_from_the_new_version_makes_it_fresh(owner):
    _, _, _, second, figures = landscape(owner)
    drawn_from(owner, figures["old"]["api_id"], second["api_id"])
    assert owner.ok(f"figure/{figures['old']['api_id']}/")["stale"] == []


def test_the_web_pages_say_which_figures_are_stale_and_what_uses_a_file(live_server, owner):
    analysis, asset, first, second, figures = landscape(owner)
    session = web_session(live_server, owner.username, owner.password)
    figure_page = session.get(f"{live_server.url}/figure/{figures['old']['api_id']}", timeout=30).text
    callout = re.search(r'<div class="callout stale" id="stale">(.*?)</div>', figure_page, re.S)
    assert callout, "no stale callout on the figure page"
    text = re.sub(r"<[^>]+>", "", callout.group(1))
    assert f"volumes.csv: made from revision {first['revision_index'] + 1}" in text
    assert f"revision {second['revision_index'] + 1} is newer" in text
    fresh_page = session.get(f"{live_server.url}/figure/{figures['redrawn']['api_id']}", timeout=30).text
    assert 'id="stale"' not in fresh_page
    grid = session.get(f"{live_server.url}/analysis/{analysis['api_id']}", timeout=30).text
    cards = dict(re.findall(r'data-figure="([^"]+)">(.*?)</a>', grid, re.S))
    assert "tag stale" in cards[figures["old"]["api_id"]]
    assert "tag stale" not in cards[figures["redrawn"]["api_id"]]
    uses = session.get(f"{live_server.url}/asset/{asset['api_id']}", timeout=30).text
    section = uses[uses.index('id="asset-uses"') :]
    rows = dict(re.findall(r'<tr data-revision="([^"]+)">(.*?)</tr>', section, re.S))
    assert (
        "latest of its figure: stale"
        in rows[next(iter(owner.ok(f"revision/?figure={figures['old']['api_id']}")))["api_id"]]
    )
    assert "latest of its figure</span>" in rows[figures["latest"]["api_id"]]
    assert len(rows) == 3  # both of Redrawn's revisions and Old's one


def test_the_figure_list_and_the_analysis_nest_say_the_same_of_each_figure(owner):
    """figure/?analysis= is built without a serializer (catalog/figure_summaries.py); the analysis's
    nested figures go through FigureSummarySerializer: the two must agree field for field."""
    analysis, _, _, _, figures = landscape(owner)
    owner.put(
        f"figure/{figures['plain']['api_id']}/",
        {"name": "Plain", "analysis": analysis["api_id"], "description": "no file"},
    )
    listed = sorted(owner.ok(f"figure/?analysis={analysis['api_id']}"), key=lambda f: f["api_id"])
    nested = sorted(owner.ok(f"analysis/{analysis['api_id']}/")["figures"], key=lambda f: f["api_id"])
    assert listed == nested
    assert {f["name"]: bool(f["stale"]) for f in listed}[figures["old"]["name"]] is True


def test_a_figure_behind_on_two_files_lists_each_once_by_name(owner):
    """Two files, both newer since; one version linked two ways (direct and indirect): one entry a file."""
    workspace, analysis, figure = owner.tree()
    versions = {}
    for name in ("zeta.csv", "alpha.csv"):
        asset = owner.asset(workspace["api_id"], name)
        versions[name] = (asset, owner.asset_revision(asset["api_id"], f"{name},1\n".encode()))
    image = data_item(png_bytes(), "image", name="figure", format="png")
    links = [
        {"asset_revision": versions["zeta.csv"][1]["api_id"], "use_type": "direct"},
        {"asset_revision": versions["zeta.csv"][1]["api_id"], "use_type": "indirect"},
        {"asset_revision": versions["alpha.csv"][1]["api_id"], "use_type": "indirect"},
    ]
    owner.revision(figure["api_id"], image, assets=links)
    assert owner.ok(f"figure/{figure['api_id']}/")["stale"] == []
    newest = {
        name: owner.asset_revision(asset["api_id"], f"{name},2\n".encode())
        for name, (asset, _) in versions.items()
    }
    stale = owner.ok(f"figure/{figure['api_id']}/")["stale"]
    assert [entry["name"] for entry in stale] == ["alpha.csv", "zeta.csv"]
    for entry in stale:
        assert entry["used"]["api_id"] == versions[entry["name"]][1]["api_id"]
        assert entry["newest"]["api_id"] == newest[entry["name"]]["api_id"]
    listed = {f["api_id"]: f["stale"] for f in owner.ok(f"figure/?analysis={analysis['api_id']}&stale=true")}
    assert listed == {figure["api_id"]: stale}
