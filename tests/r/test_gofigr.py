"""The official R client, gofigR 2.0.2, against the live server, as an R user runs it.

``tests/r/publish.R`` publishes a ggplot with its data frame, base graphics, a figure drawn from a
tracked data file, a clean-room figure, and a second revision; this test reads every one of them back
over the API and checks what was stored. ``make test-r`` installs R and gofigR first
(``scripts/install-r.sh``: Debian's R, and the client's sources from ``../shared/vendor/r``) and runs
this folder. Elsewhere, without R, it is skipped, saying how to run it; under ``make test-r``
(FIGTRAIL_TEST_R=1) a missing R fails instead.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.server.helpers import Api

pytestmark = pytest.mark.r

HERE = Path(__file__).resolve().parent
LIBRARY = Path(os.environ.get("FIGTRAIL_R_LIBRARY", HERE.parents[1] / ".r-library"))


def r_available() -> str | None:
    """Why gofigR cannot run here, or None when it can."""
    if shutil.which("Rscript") is None:
        return "no Rscript"
    if not (LIBRARY / "gofigR" / "DESCRIPTION").exists():
        return f"gofigR is not installed in {LIBRARY}"
    return None


@pytest.fixture(scope="module")
def published(live_server, tmp_path_factory):
    """Run publish.R once as a new user with an API key and a workspace of their own; the user (as an
    ``Api``) and what the script published, by role."""
    missing = r_available()
    if missing:
        if os.environ.get("FIGTRAIL_TEST_R"):
            pytest.fail(f"make test-r: {missing} (scripts/install-r.sh installs both)")
        pytest.skip(f"{missing}: `make test-r` installs R and gofigR and runs this")
    api = Api.of(live_server.user())
    workspace = api.workspace("R workspace")
    work = tmp_path_factory.mktemp("r-session")
    (work / ".gofigr").write_text("{}")  # gofigR reads GF_* only when a .gofigr file is found
    out = work / "published.json"
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("GF_", "FIGTRAIL_"))},
        "GF_URL": live_server.url,
        "GF_API_KEY": api.session.post(api.base + "api_key/", json={"name": "gofigR"}).json()["token"],
        "GF_WORKSPACE": workspace["api_id"],
        "R_LIBS_USER": str(LIBRARY),
        "HOME": str(work),
    }
    done = subprocess.run(
        ["Rscript", str(HERE / "publish.R"), str(out)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"publish.R failed:\n{done.stdout}\n{done.stderr}"
    return api, workspace, work, json.loads(out.read_text())


def revision(api: Api, api_id: str) -> dict:
    return api.ok(f"revision/{api_id}/")


def payload(api: Api, datum: dict) -> bytes:
    return base64.b64decode(api.ok(f"data/{datum['api_id']}/")["data"])


def images(rev: dict, watermarked: bool) -> list[dict]:
    return [
        d
        for d in rev["data"]
        if d["type"] == "image"
        and d["metadata"].get("format") == "png"
        and bool(d["metadata"].get("is_watermarked")) is watermarked
    ]


def test_a_ggplot_is_stored_whole_with_its_data_in_the_named_figure(published):
    api, workspace, _, ids = published
    rev = revision(api, ids["ggplot"])
    assert rev["is_processing"] is False
    assert rev["figure_metadata"]["name"] == "Weight and mileage"
    figure = api.ok(f"figure/{rev['figure']}/")
    analysis = api.ok(f"analysis/{figure['analysis']}/")
    assert (analysis["name"], analysis["workspace"]) == ("R compatibility", workspace["api_id"])
    [plain], [stamped] = images(rev, watermarked=False), images(rev, watermarked=True)
    picture, with_mark = payload(api, plain), payload(api, stamped)
    assert Image.open(io.BytesIO(picture)).format == "PNG" and Image.open(io.BytesIO(picture)).width > 300
    assert with_mark != picture  # gofigR draws its QR code into a copy of the same canvas
    assert Image.open(io.BytesIO(with_mark)).size == Image.open(io.BytesIO(picture)).size
    frames = [d for d in rev["data"] if d["type"] == "dataframe"]
    assert frames, [d["name"] for d in rev["data"]]
    session = [d for d in rev["data"] if d["name"] == "sessionInfo"]
    assert session and b"R version" in payload(api, session[0])
    assert isinstance(rev["metadata"], dict)


def test_base_graphics_are_captured_from_an_expression(published):
    api, _, _, ids = published
    rev = revision(api, ids["base"])
    assert rev["figure_metadata"]["name"] == "Pressure vs temperature"
    [plain] = images(rev, watermarked=False)
    assert Image.open(io.BytesIO(payload(api, plain))).width > 300


def test_a_tracked_data_file_is_an_asset_the_next_figure_links(published):
    api, workspace, work, ids = published
    rev = revision(api, ids["asset_figure"])
    assert rev["assets"], "the figure drawn after sync_file links no asset revision"
    linked = api.ok(f"asset_revision/{rev['assets'][0]['asset_revision']}/")
    [stored] = [d for d in linked["data"] if d["type"] == "file"]
    assert payload(api, stored) == (work / "iris.csv").read_bytes()
    asset = api.ok(f"asset/{linked['asset']}/")
    assert (asset["name"], asset["workspace"]) == ("iris.csv", workspace["api_id"])


def test_a_clean_room_figure_keeps_its_parameters_source_and_data(published):
    api, _, _, ids = published
    rev = revision(api, ids["clean_room"])
    assert rev["is_clean_room"] is True
    [manifest] = [d for d in rev["data"] if d["metadata"].get("role") == "manifest"]
    parameters = json.loads(payload(api, manifest))["parameters"]
    assert parameters["bins"]["widget"] == "slider" and parameters["bins"]["value"] == 20
    assert parameters["fill_color"]["choices"] == ["steelblue", "coral"]
    assert parameters["show_density"]["value"] is True
    assert parameters["title"]["value"] == "Distribution of MPG"
    [source] = [d for d in rev["data"] if d["metadata"].get("format") == "clean_room"]
    assert b"geom_histogram" in payload(api, source)
    tables = [d for d in rev["data"] if d["type"] == "dataframe" and d["metadata"].get("format") == "parquet"]
    assert tables and payload(api, tables[0])[:4] == b"PAR1"


def test_publishing_the_same_figure_again_adds_the_next_revision(published):
    api, _, _, ids = published
    first, second = revision(api, ids["ggplot"]), revision(api, ids["second"])
    assert second["figure"] == first["figure"]
    assert second["revision_index"] == first["revision_index"] + 1
    listed = [r["api_id"] for r in api.ok(f"figure/{first['figure']}/")["revisions"]]
    assert {ids["ggplot"], ids["second"]} <= set(listed)
    digests = {hashlib.sha256(payload(api, images(r, False)[0])).hexdigest() for r in (first, second)}
    assert len(digests) == 2  # a new title: a new picture


def test_auto_assign_waits_for_the_picture_and_names_the_figure_by_its_title(published):
    """gofigR posts ``revision/auto-assign/`` without data, then PATCHes the picture: the server assigns
    the revision once the picture is there, naming the figure by the title it reads off it."""
    api, _, _, ids = published
    deadline = time.monotonic() + 90
    while (rev := revision(api, ids["auto_assigned"]))["is_processing"] and time.monotonic() < deadline:
        time.sleep(0.25)
    assert rev["is_processing"] is False
    assert rev["figure_metadata"]["name"] == "Power and speed"
    assert "Power and speed" in rev["image_text"]
    assert re.fullmatch(r"[0-9a-f]{16}", rev["phash"])
    [plain] = images(rev, watermarked=False)
    figure = api.ok(f"figure/{rev['figure']}/")
    assert [r["api_id"] for r in figure["revisions"]] == [ids["auto_assigned"]]
    assert figure["size_bytes"] == rev["size_bytes"] >= plain["size_bytes"]
    assert api.ok(f"analysis/{figure['analysis']}/")["name"] == "R compatibility"
