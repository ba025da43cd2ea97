"""Rendering in a helper process, so a notebook's own process stays free for the user's next cells.

Rendering a big figure to SVG, or stamping a large PNG, is seconds of pure-Python work; on a thread it
would hold the kernel's GIL and slow down the cells that follow. The helper is a plain Python process
(``python -m figtrail.capture.render_process``, never a fork of the kernel) that reads one job per
line on stdin, renders it from the frozen copy in the outbox, writes the payloads into the same outbox
and answers with the job's new data list. It exits when its stdin closes. If it cannot start or fails,
the caller renders in-process instead: the helper only ever makes things faster.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import threading
from typing import Any

from figtrail.client.outbox import Job, Outbox

REPLY_TIMEOUT = 300.0


class RenderProcess:
    """The parent side: one helper per process, started on first use, one job at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        disabled = os.environ.get("FIGTRAIL_RENDER_PROCESS") == "0"
        self._broken = disabled or not hasattr(selectors, "PollSelector")  # no poll() on Windows pipes

    def render(self, job: Job, outbox: Outbox) -> bool:
        """Render ``job`` in the helper; True when done (``job`` updated), False to render here instead."""
        if self._broken or not (job.get("render") or {}).get("backend"):
            return False
        with self._lock:
            try:
                reply = self._ask({"outbox": str(outbox.path), "job": job})
            except (OSError, ValueError, TimeoutError):
                self._stop()
                self._broken = True  # don't retry a helper that failed once; in-process works
                return False
        job["data"], job["notes"] = reply["data"], reply["notes"]
        return True

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self._ensure()
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        with selectors.PollSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(REPLY_TIMEOUT):
                raise TimeoutError("the render helper did not answer")
        line = process.stdout.readline()
        if not line:
            raise OSError("the render helper exited")
        return json.loads(line)

    def _ensure(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            env = {**os.environ, "MPLBACKEND": "Agg"}
            self._process = subprocess.Popen(
                [sys.executable, "-m", "figtrail.capture.render_process"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
            )
            atexit.register(self._stop)
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                process.stdin.close()
                process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()


_shared: RenderProcess | None = None


def shared_renderer() -> RenderProcess:
    global _shared
    if _shared is None:
        _shared = RenderProcess()
    return _shared


def serve() -> None:
    """The helper's side: one JSON request per line in, one JSON reply per line out."""
    from figtrail.capture.revision import render_job

    for line in sys.stdin:
        request = json.loads(line)
        job = request["job"]
        try:
            render_job(job, Outbox(request["outbox"]))
        except Exception as exc:  # answer anyway: the revision goes out with what was captured
            job.setdefault("notes", []).append(f"rendering failed: {type(exc).__name__}: {exc}")
        sys.stdout.write(json.dumps({"data": job.get("data", []), "notes": job.get("notes", [])}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
