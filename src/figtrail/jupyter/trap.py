"""Finding the figure behind a display: walk up the call stack from IPython's display machinery.

Every way a notebook shows a figure (matplotlib's inline backend, ``fig.show()``, ``display(fig)``, a
figure as the cell's last expression) ends in IPython's display publisher or display hook, with the
figure object somewhere in the library frames above it. The walk stops at the user's own code, so a
figure that merely sits in a user variable is never mistaken for the one being shown.
"""

from __future__ import annotations

import sys
from typing import Any

from figtrail.capture.backends import Backend

IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
INTERACTIVE_TYPES = ("text/html", "application/vnd.plotly.v1+json", "application/vnd.bokehjs_exec.v0+json")
MAX_FRAMES = 80


def find_figure(user_ns: dict, backends: list[Backend], skip: int = 2) -> tuple[Any, Backend] | None:
    """The highest-priority figure in the frames between the display call and the user's code."""
    by_module = {backend.module: (rank, backend) for rank, backend in enumerate(backends)}
    best: tuple[int, Any, Backend] | None = None
    frame = sys._getframe(skip)
    for _ in range(MAX_FRAMES):
        if frame is None or frame.f_globals is user_ns:
            break
        for value in frame.f_locals.values():
            match = by_module.get(type(value).__module__.partition(".")[0])
            if match and (best is None or match[0] < best[0]) and match[1].is_figure(value):
                best = (match[0], value, match[1])
        frame = frame.f_back
    return (best[1], best[2]) if best else None


def shows_figure(data: dict, backend: Backend) -> bool:
    """Whether a display bundle is a picture of the figure (not, say, a table shown beside it)."""
    if any(kind in data for kind in IMAGE_TYPES):
        return True
    return backend.interactive and any(kind in INTERACTIVE_TYPES or "vega" in kind for kind in data)


def displayed_images(data: dict) -> dict[str, bytes]:
    """The PNG the notebook is about to show, reused as the revision's PNG (no second render)."""
    import base64

    png = data.get("image/png")
    if isinstance(png, str):
        try:
            png = base64.b64decode(png)
        except ValueError:
            png = None
    return {"png": png} if isinstance(png, bytes) and png else {}
