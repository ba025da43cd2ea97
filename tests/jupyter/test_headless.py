"""A notebook run headless by ``jupyter execute`` (nbclient's command line), as in CI or a scheduler.

No Jupyter server names the notebook here: the analysis gets its name from the runner's command line.
There is no flush cell either: what the notebook published is sent as the kernel shuts down.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from tests.jupyter.conftest import kernel_env, notebook

JUPYTER_EXECUTE = str(Path(sys.executable).with_name("jupyter-execute"))


def test_jupyter_execute_names_the_analysis_after_the_notebook(account, kernels_dir, tmp_path):
    nb = notebook(
        [
            "%load_ext figtrail",  # configured from FIGTRAIL_URL / FIGTRAIL_API_KEY alone
            "import matplotlib.pyplot as plt\nplt.scatter([1, 2, 3], [3, 2, 1]); plt.title('Nightly')",
        ]
    )
    path = tmp_path / "Headless Run.ipynb"
    nbformat.write(nb, path)
    env = kernel_env(
        tmp_path,
        FIGTRAIL_URL=account.url,
        FIGTRAIL_API_KEY=account.api_key,
        JUPYTER_PATH=str(kernels_dir),
    )
    done = subprocess.run(
        [JUPYTER_EXECUTE, path.name], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = account.figures("Headless Run")
    [revision] = figures["Nightly"]["revisions"]
    stored = account.revision(revision["api_id"])
    assert stored["metadata"]["notebook_name"] == "Headless Run.ipynb"
    assert stored["metadata"]["notebook_path"] == str(path)
