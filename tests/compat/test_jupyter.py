"""``%load_ext gofigr`` inside a real IPython shell (in a subprocess), publishing to the live server.

The shell gets its configuration the way a user's kernel would: GF_* environment variables or a
``.gofigr`` file, and ``JPY_SESSION_NAME`` naming the notebook, as jupyter_server sets it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gofigr import FindByName

from tests.compat.conftest import unique

DRIVER = Path(__file__).with_name("jupyter_driver.py")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def run_cells(cells: list[str], *, cwd: Path, env: dict[str, str]) -> list[dict]:
    """Run the cells in a fresh kernel-like shell; fail with its output if any cell raised.

    Returns what the emulated browser tab saw of the server (empty unless DRIVER_PAGE_URL is set).
    """
    home = cwd / "home"
    home.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GF_", "JPY_", "DRIVER_"))}
    full_env = {
        **clean,
        "HOME": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLBACKEND": INLINE_BACKEND,
        **env,
    }
    done = subprocess.run(
        [sys.executable, str(DRIVER)],
        input=json.dumps(cells),
        text=True,
        capture_output=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )
    output = f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert done.returncode == 0, output
    [line] = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    results = json.loads(line.removeprefix("RESULTS "))
    assert [r["success"] for r in results["cells"]] == [True] * len(cells), output
    assert "Traceback" not in done.stdout + done.stderr, output
    return results["browser"]


def _analysis(gf, workspace, name: str):
    matches = [a for a in gf.Workspace(api_id=workspace.api_id).fetch().analyses if a.name == name]
    assert len(matches) == 1, [a.name for a in gf.Workspace(api_id=workspace.api_id).fetch().analyses]
    return gf.Analysis(api_id=matches[0].api_id).fetch()


FIRST_CELL = "fig, ax = plt.subplots()\nax.plot(df.x, df.y)\nax.set_title('First')\nplt.show()"
SECOND_CELL = "fig, ax = plt.subplots()\nax.plot(df.y, df.x)\nax.set_title('First')\nplt.show()"


@pytest.fixture(scope="module")
def notebook_run(live_server, owner, tmp_path_factory):
    """Auto-publish two cells titled "First" from a notebook named "My Notebook", configured by env vars."""
    gf = owner.gf
    workspace = gf.find_workspace(FindByName(unique("jupyter ws"), create=True))
    key = gf.create_api_key("compat: notebook kernel")
    folder = tmp_path_factory.mktemp("notebook")
    notebook = folder / "My Notebook.ipynb"
    notebook.write_text(json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    (folder / "data.csv").write_text("x,y\n1,2\n2,5\n3,4\n")
    cells = [
        "%load_ext gofigr",
        "import matplotlib.pyplot as plt\ndf = gf.read_csv('data.csv')",
        FIRST_CELL,
        SECOND_CELL,
    ]
    env = {
        "GF_URL": live_server.url,
        "GF_API_KEY": key.token,
        "GF_WORKSPACE": workspace.api_id,
        "JPY_SESSION_NAME": str(notebook),
    }
    run_cells(cells, cwd=folder, env=env)
    return workspace, folder


def test_analysis_is_named_after_the_notebook(owner, notebook_run):
    workspace, _ = notebook_run
    analysis = _analysis(owner.gf, workspace, "My Notebook")
    assert [f.name for f in analysis.figures] == ["First"]  # the second cell reused the figure


def test_each_displayed_figure_became_a_revision_with_image_and_code(owner, notebook_run):
    gf = owner.gf
    workspace, folder = notebook_run
    [figure] = _analysis(gf, workspace, "My Notebook").figures
    revisions = [
        gf.Revision(api_id=r.api_id).fetch() for r in gf.Figure(api_id=figure.api_id).fetch().revisions
    ]
    assert [r.revision_index for r in revisions] == [0, 1]
    for revision, cell in zip(revisions, [FIRST_CELL, SECOND_CELL], strict=True):
        assert revision.metadata["notebook_name"] == "My Notebook.ipynb"
        assert revision.metadata["notebook_path"] == str(folder / "My Notebook.ipynb")
        assert revision.metadata["backend"] == "matplotlib"
        pngs = [d for d in revision.image_data if d.format == "png"]
        assert sorted(d.is_watermarked for d in pngs) == [False, True]
        assert all(d.data.startswith(b"\x89PNG\r\n\x1a\n") for d in pngs)
        assert [d.contents for d in revision.code_data if d.name == "Jupyter Cell"] == [cell]
        assert revision.size_bytes == sum(len(d.data) for d in revision.data)
    assert revisions[0].image_data[0].data != revisions[1].image_data[0].data
    short_ids = [owner.http.get(gf.api_url + f"revision/{r.api_id}/").json()["short_id"] for r in revisions]
    assert short_ids[0][:8] == short_ids[1][:8] and [s[8:] for s in short_ids] == ["0", "1"]


def test_notebook_assets_are_scoped_to_the_analysis_and_linked(owner, notebook_run):
    gf = owner.gf
    workspace, folder = notebook_run
    analysis = _analysis(gf, workspace, "My Notebook")
    assets = {a.name: a for a in gf.Workspace(api_id=workspace.api_id).fetch().assets}
    assert set(assets) == {"data.csv", "My Notebook.ipynb"}
    data_asset = gf.Asset(api_id=assets["data.csv"].api_id).fetch()
    assert data_asset.analysis.api_id == analysis.api_id
    [data_revision] = data_asset.revisions
    assert (
        gf.AssetRevision(api_id=data_revision.api_id).fetch().data[0].data
        == (folder / "data.csv").read_bytes()
    )

    [figure] = analysis.figures
    for summary in gf.Figure(api_id=figure.api_id).fetch().revisions:
        revision = gf.Revision(api_id=summary.api_id).fetch(fetch_data=False)
        assert data_revision.api_id in {link.asset_revision.api_id for link in revision.assets}
    back_links = gf.AssetRevision(api_id=data_revision.api_id).fetch().figure_revisions
    assert len(back_links) == 2


def test_configure_and_publish_in_one_cell_is_annotated_silently(live_server, owner, tmp_path):
    """From a ``.gofigr`` file: a revision published before its cell was known is completed silently."""
    gf = owner.gf
    workspace_name = unique("jupyter config ws")
    key = gf.create_api_key("compat: config file")
    config = {
        "api_key": key.token,
        "url": live_server.url,
        "workspace": workspace_name,
        "auto_configure": False,
    }
    (tmp_path / ".gofigr").write_text(json.dumps(config))
    cell = (
        "%load_ext gofigr\n"
        "configure(analysis=FindByName('Configured', create=True), auto_publish=False)\n"
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\n"
        "ax.bar([1, 2], [3, 4])\n"
        "ax.set_title('Same cell')\n"
        "publish(fig)\n"
        "plt.close(fig)"
    )
    run_cells([cell], cwd=tmp_path, env={"JPY_SESSION_NAME": str(tmp_path / "Config.ipynb")})

    [workspace] = [w for w in gf.workspaces if w.name == workspace_name]  # created once, from the file
    analysis = _analysis(gf, workspace, "Configured")
    [figure] = analysis.figures
    assert figure.name == "Same cell"
    [summary] = gf.Figure(api_id=figure.api_id).fetch().revisions
    revision = gf.Revision(api_id=summary.api_id).fetch()
    assert [d.contents for d in revision.code_data if d.name == "Jupyter Cell"] == [cell]
    assert revision.metadata["notebook_name"] == "Config.ipynb"
    assert revision.updated_on is not None  # re-annotated after the cell ran
    actions = {
        (item.target_type, item.action) for item in workspace.get_logs() if item.target_id == revision.api_id
    }
    assert actions == {("revision", "create")}  # the re-annotation was a silent save


def test_notebook_name_arrives_through_the_metadata_proxy(live_server, owner, tmp_path):
    """No JPY_SESSION_NAME: the kernel learns the notebook from its browser tab, via ``metadata/<token>``."""
    gf = owner.gf
    workspace = gf.find_workspace(FindByName(unique("proxy ws"), create=True))
    key = gf.create_api_key("compat: proxy")
    (tmp_path / "Proxy Notebook.ipynb").write_text("{}")
    env = {
        "GF_URL": live_server.url,
        "GF_API_KEY": key.token,
        "GF_WORKSPACE": workspace.api_id,
        "DRIVER_PAGE_URL": "http://localhost:8888/lab/tree/Proxy%20Notebook.ipynb",
        "DRIVER_TAB_TITLE": "Name: Proxy Notebook.ipynb\nPath: Proxy Notebook.ipynb\nLast Saved: now",
    }
    cells = [
        "%load_ext gofigr",
        "import matplotlib.pyplot as plt\nax = plt.gca()\nax.set_title('Via proxy')\nplt.show()",
    ]
    browser = run_cells(cells, cwd=tmp_path, env=env)

    [seen] = browser  # the loader script ran once
    assert seen["preflight_status"] == 200
    assert seen["preflight_headers"]["access-control-allow-origin"] in ("*", "http://localhost:8888")
    assert "post" in seen["preflight_headers"]["access-control-allow-methods"].lower()
    assert "content-type" in seen["preflight_headers"]["access-control-allow-headers"].lower()
    assert seen["post_status"] == 200 and seen["post_allow_origin"] in ("*", "http://localhost:8888")

    analysis = _analysis(gf, workspace, "Proxy Notebook")
    [figure] = analysis.figures
    assert figure.name == "Via proxy"
    [summary] = gf.Figure(api_id=figure.api_id).fetch().revisions
    metadata = gf.Revision(api_id=summary.api_id).fetch(fetch_data=False).metadata
    assert metadata["notebook_name"] == "Proxy Notebook.ipynb"
    assert metadata["url"] == env["DRIVER_PAGE_URL"]
