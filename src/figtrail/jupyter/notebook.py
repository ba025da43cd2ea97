"""Which notebook is running: its name and path, so the analysis can be named after it.

Tried in order: what the user passed to ``configure``; VS Code's ``__vsc_ipynb_file__``; Jupyter's
``JPY_SESSION_NAME`` (JupyterLab and Notebook set it for every kernel); and, for headless runs, the
command line of the process that started the kernel (``jupyter execute x.ipynb``, ``papermill x.ipynb
out.ipynb``, ``jupyter nbconvert --execute x.ipynb``), whose first ``.ipynb`` argument is the notebook.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NotebookInfo:
    name: str | None = None
    path: str | None = None
    source: str = "unknown"


_override: NotebookInfo | None = None


def set_notebook(name: str | None = None, path: str | None = None) -> None:
    """Override discovery (``configure(notebook_name=..., notebook_path=...)``)."""
    global _override
    if name is None and path is None:
        _override = None
        return
    _override = NotebookInfo(name=name or os.path.basename(path or ""), path=path, source="configure")


def notebook_info() -> NotebookInfo:
    if _override is not None:
        return _override
    for finder in (_from_vscode, _from_jupyter_server):
        found = finder()
        if found is not None:
            return found
    return _from_parent_command_line()


def _from_vscode() -> NotebookInfo | None:
    shell = _shell()
    path = shell.user_ns.get("__vsc_ipynb_file__") if shell is not None else None
    return NotebookInfo(os.path.basename(path), path, "vscode") if path else None


def _from_jupyter_server() -> NotebookInfo | None:
    path = os.environ.get("JPY_SESSION_NAME")
    if not path or not path.endswith(".ipynb"):
        return None
    return NotebookInfo(os.path.basename(path), path, "jupyter")


@functools.cache
def _from_parent_command_line() -> NotebookInfo:
    """Headless runners name the notebook on their command line; look a few processes up."""
    pid = os.getppid()
    for _ in range(3):
        if pid <= 1:
            break
        argv, cwd, parent = _process(pid)
        for arg in argv[1:]:
            if arg.endswith(".ipynb") and not arg.startswith("-"):
                path = Path(cwd or ".", arg) if not os.path.isabs(arg) else Path(arg)
                return NotebookInfo(path.name, str(path), "command line")
        pid = parent
    return NotebookInfo()


def _process(pid: int) -> tuple[list[str], str | None, int]:
    """(argv, cwd, parent pid) of a process; /proc on Linux, psutil elsewhere when installed."""
    proc = Path(f"/proc/{pid}")
    try:
        argv = [
            part.decode(errors="replace") for part in (proc / "cmdline").read_bytes().split(b"\0") if part
        ]
        cwd = os.readlink(proc / "cwd")
        parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        return argv, cwd, parent
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        process = psutil.Process(pid)
        return process.cmdline(), process.cwd(), process.ppid()
    except Exception:
        return [], None, 0


def _shell():
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()
