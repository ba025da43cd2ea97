"""The same notebook, run once with the official ``gofigr`` client and once with ours, on our server.

Both runs must leave equivalent revisions: the same figures, each with a PNG and a watermarked PNG,
the cell's code, and the notebook, backend and environment metadata under the same keys.
"""

from __future__ import annotations

import base64

from tests.jupyter.conftest import kernel_env, run_notebook

PLOTS = [
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9]); plt.title('Squares')",
    "fig, ax = plt.subplots()\nax.hist([1, 2, 2, 3, 3, 3]); ax.set_title('Counts')",
]
SHARED_METADATA = {"notebook_name", "notebook_path", "backend", "python_version", "kernel", "cell_id"}


def test_the_official_client_and_ours_leave_equivalent_revisions(account, kernels_dir, tmp_path_factory):
    runs = run_both(account, kernels_dir, tmp_path_factory)
    check_both_clients_publish_the_same_figures_once(runs)
    check_revisions_carry_the_same_images_code_and_metadata(runs, account)


def run_both(account, kernels_dir, tmp_path_factory):
    results = {}
    for client, first_cell, settings in (
        ("official", "%load_ext gofigr", {"GF_URL": account.url, "GF_API_KEY": account.api_key}),
        (
            "figtrail",
            "%load_ext figtrail",
            {"FIGTRAIL_URL": account.url, "FIGTRAIL_API_KEY": account.api_key},
        ),
    ):
        work = tmp_path_factory.mktemp(client)
        name = f"Equivalence {client}"
        env = kernel_env(work, JPY_SESSION_NAME=str(work / f"{name}.ipynb"), **settings)
        cells = [first_cell, *PLOTS]
        if client == "figtrail":
            cells.append(
                "from figtrail.jupyter import get_extension\nassert get_extension().publisher.flush(60)"
            )
        run_notebook(cells, kernels_dir, work, env)
        figures = account.figures(name)
        results[client] = {
            figure: [account.revision(r["api_id"]) for r in detail["revisions"]]
            for figure, detail in figures.items()
        }
    return results


def summary(account, revision: dict) -> dict:
    """What a user would compare: images by (format, watermarked), the cell's code, the metadata keys."""
    code = [d for d in revision["data"] if d["name"] == "Jupyter Cell"]
    cell = base64.b64decode(account.get(f"data/{code[0]['api_id']}/")["data"]).decode() if code else None
    images = {
        (d["metadata"]["format"], bool(d["metadata"].get("is_watermarked")))
        for d in revision["data"]
        if d["type"] == "image"
    }
    return {"png": ("png", False) in images, "watermarked png": ("png", True) in images, "cell": cell}


def check_both_clients_publish_the_same_figures_once(runs):
    assert sorted(runs["official"]) == sorted(runs["figtrail"]) == ["Counts", "Squares"]
    assert all(len(revisions) == 1 for client in runs.values() for revisions in client.values())


def check_revisions_carry_the_same_images_code_and_metadata(runs, account):
    for figure in ("Squares", "Counts"):
        [official] = runs["official"][figure]
        [ours] = runs["figtrail"][figure]
        assert summary(account, official) == summary(account, ours)
        assert summary(account, ours)["cell"] in PLOTS
        shared = SHARED_METADATA & set(official["metadata"])
        assert shared <= set(ours["metadata"])
        for key in ("backend", "python_version", "kernel"):
            assert ours["metadata"][key] == official["metadata"][key]
        assert ours["metadata"]["notebook_name"] == "Equivalence figtrail.ipynb"
        assert official["metadata"]["notebook_name"] == "Equivalence official.ipynb"
        if "git" in official["metadata"]:
            assert {"hash", "branch", "remote_url"} <= set(ours["metadata"]["git"])
