"""Real notebooks, executed headless by a real Jupyter kernel (nbclient), against the live server.

The kernel is this virtualenv's Python, through a kernelspec written to a temporary folder, so a
fresh machine needs nothing but ``make test``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tests.client.accounts import Account, make_account

KERNEL_NAME = "figtrail-test"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


@pytest.fixture(scope="session")
def kernels_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL_NAME, "language": "python"})
    )
    return root


@pytest.fixture(scope="module")
def account(live_server) -> Account:
    return make_account(live_server)


def notebook(cells: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nb


def kernel_env(home: Path, **settings: str) -> dict[str, str]:
    """A kernel's environment: this machine's, minus any figtrail or gofigr settings, plus ``settings``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FIGTRAIL_", "GF_", "JPY_", "PYTEST_"))}
    return {
        **clean,
        "HOME": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLBACKEND": INLINE_BACKEND,
        "FIGTRAIL_CONFIG": str(home / "figtrail-config.json"),
        "FIGTRAIL_OUTBOX": str(home / "outbox"),
        **settings,
    }


def notebook_client(nb: nbformat.NotebookNode, kernels_dir: Path, cwd: Path) -> NotebookClient:
    manager = KernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels_dir / "kernels")]),
    )
    return NotebookClient(nb, km=manager, timeout=180, resources={"metadata": {"path": str(cwd)}})


def run_notebook(
    cells: list[str], kernels_dir: Path, cwd: Path, env: dict[str, str]
) -> nbformat.NotebookNode:
    """Execute every cell in a fresh kernel; fails (with the cell's error) if a cell raises."""
    nb = notebook(cells)
    notebook_client(nb, kernels_dir, cwd).execute(env=env, cwd=str(cwd))
    return nb


def outputs_text(nb: nbformat.NotebookNode) -> list[str]:
    """Every output of every cell, as text (stream text, or the text/plain of display data)."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            found.append(
                output.get("text") or output.get("data", {}).get("text/plain") or output.get("evalue") or ""
            )
    return found
