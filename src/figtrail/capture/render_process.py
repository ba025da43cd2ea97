"""Rendering in a helper process, so a notebook's own process stays free for the user's next cells.

Rendering a big figure to SVG, or stamping a large PNG, is seconds of pure-Python work; on a thread it
would hold the kernel's GIL and slow down the cells that follow. The helper is a plain Python process
(``python -m figtrail.capture.render_process``, never a fork of the kernel, in a session of its own)
that reads one step per line on stdin (``figtrail.capture.steps``), does it from the frozen copy in the
outbox, writes the result into the same outbox and answers on stdout. It exits when its stdin closes.
A step that runs over its time limit gets the helper killed, with every process it started (kaleido's
Chrome); the next step starts a new one. If the helper cannot start at all, steps run on a thread.

There is one helper per lane: the primary image of new revisions never queues behind the slower
formats of earlier ones, and the helpers of the later formats run at a lower CPU priority, so they
take only what the primary image and the user's own code leave.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

from figtrail.outbox import Outbox
from figtrail.settings_table import read

# The plotting libraries a helper loads at its start when this process has imported them, and the modules
# each one's rendering needs (matplotlib's figure and Agg canvas, which unpickling a figure would import
# on the first figure, and the PNG encoder of its primary image).
PRELOAD: dict[str, tuple[str, ...]] = {
    "matplotlib": ("matplotlib.figure", "matplotlib.backends.backend_agg", "fpng"),
    "plotly": ("plotly",),
    "bokeh": ("bokeh",),
    "altair": ("altair",),
    "PIL": ("PIL.Image",),
}
BACKGROUND_NICENESS = 10  # the later formats yield the CPU to the primary image, and to the user's code


class RenderProcess:
    """The parent side of one helper: started on first use (or ``start()``), one step at a time."""

    def __init__(self, name: str = "render") -> None:
        self.name = name
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        disabled = not read("FIGTRAIL_RENDER_PROCESS")
        self._broken = disabled or not hasattr(selectors, "PollSelector")  # no poll() on Windows pipes

    @property
    def available(self) -> bool:
        return not self._broken

    def start(self) -> None:
        """Start the helper now, off the caller's thread, preloading the plotting libraries this
        process has imported, so the first figure does not wait for Python and matplotlib to start."""
        if self._broken:
            return

        def run() -> None:
            with self._lock, contextlib.suppress(OSError):
                self._ensure()

        threading.Thread(target=run, name=f"figtrail-{self.name}-start", daemon=True).start()

    def call(self, request: dict[str, Any], outbox: Outbox, timeout: float) -> dict[str, Any]:
        """One step in the helper. Raises TimeoutError (the helper was killed) or OSError (no helper
        can run here: the caller does the step itself)."""
        with self._lock:
            try:
                return self._ask({**request, "outbox": str(outbox.path)}, timeout)
            except TimeoutError:
                self._kill()
                raise
            except (OSError, ValueError) as exc:
                self._kill()
                if self._failed_recently():
                    self._broken = True  # it keeps dying: don't start it again in this process
                raise OSError(f"the render helper failed: {exc}") from exc

    def _ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        stdin, stdout = _pipes(self._ensure())
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        with selectors.PollSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                raise TimeoutError("the render helper did not answer")
        line = stdout.readline()
        if not line:
            raise OSError("the render helper exited")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def _ensure(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            preload = [name for name in PRELOAD if name in sys.modules]
            niceness = "0" if self.name == "primary" else str(BACKGROUND_NICENESS)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "figtrail.capture.render_process", niceness, *preload],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env={**os.environ, "MPLBACKEND": "Agg"},
                start_new_session=True,  # its own process group: a kill reaches the browsers it started
            )
            self._started = time.monotonic()
        return self._process

    def _failed_recently(self) -> bool:
        return time.monotonic() - getattr(self, "_started", 0.0) < 5.0

    def _kill(self) -> None:
        """Kill the helper and everything it started, browsers in sessions of their own included."""
        process, self._process = self._process, None
        if process is None:
            return
        for pid in [process.pid, *descendants(process.pid)]:
            with contextlib.suppress(OSError):
                if os.getpgid(pid) == pid:  # a group leader (kaleido starts Chrome in its own session)
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def stop(self) -> None:
        """Close the helper's stdin (it exits by itself); kill it, and what it started, if it does not."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            _pipes(process)[0].close()
            process.wait(timeout=5)
            self._process = None
        except (OSError, subprocess.TimeoutExpired):
            self._kill()


def _pipes(process: subprocess.Popen[str]) -> tuple[IO[str], IO[str]]:
    """The helper's stdin and stdout (``_ensure`` starts it with both as pipes)."""
    if process.stdin is None or process.stdout is None:
        raise OSError("the render helper has no pipes")
    return process.stdin, process.stdout


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (from /proc; none where there is no /proc)."""
    children: dict[int, list[int]] = {}
    try:
        entries = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []
    for name in entries:
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(name))
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop()
        found.append(child)
        queue.extend(children.get(child, []))
    return found


_shared: dict[str, RenderProcess] = {}


def shared_renderer(lane: str = "render") -> RenderProcess:
    """The process's helper for ``lane`` ("primary", or "rest-<library>")."""
    if lane not in _shared:
        _shared[lane] = RenderProcess(lane)
    return _shared[lane]


@atexit.register  # registered on import, before any publisher's exit flush: so it runs after them
def _stop_helpers() -> None:
    for helper in list(_shared.values()):
        helper.stop()


def serve(niceness: int, preload: list[str]) -> None:
    """The helper's side: one JSON step per line in, one JSON reply per line out."""
    import importlib

    from figtrail.capture.steps import FrozenFigures, run_step

    if niceness and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(niceness)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    for library in preload:
        for name in PRELOAD.get(library, (library,)):
            with contextlib.suppress(Exception):
                importlib.import_module(name)
    frozen = FrozenFigures()
    outboxes: dict[str, Outbox] = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            path = request["outbox"]
            outbox = outboxes.get(path) or outboxes.setdefault(path, Outbox(path))
            reply = run_step(request, outbox, frozen)
        except Exception as exc:  # answer anyway: the revision goes out with what was rendered
            reply = {"error": f"rendering failed: {type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def _exit_with_parent(parent: int) -> None:
    """A helper whose process was killed (a kernel's runner gives it seconds) must not live on,
    stuck in a render: once it is orphaned, it kills what it started and exits."""
    while os.getppid() == parent:
        time.sleep(1.0)
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    os._exit(0)


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2:])
