"""Shared by capture_latency.py: the figure it draws, and the MLflow side of the side-by-side.

``make_figure(seed)`` draws the benchmark's figure: a scatter of a few thousand random points, default
dpi, the same pixels for the same seed in any process (so round ``i`` gives every client the same figure).

Run as ``python _capture_worker.py --mlflow TRACKING_URI`` with the interpreter of ``.venv-bench`` (the
benchmark-only virtualenv that ``make bench`` creates with mlflow in it), it is the MLflow worker: it
starts one run, then reads one JSON command a line on stdin and answers one JSON line on stdout:

* ``{"cmd": "go", "seed": 7}``: draw the figure (not timed), time ``mlflow.log_figure(fig, ...)``;
  answers ``{"ms": ...}``;
* ``{"cmd": "burst", "seeds": [...], "title": ...}``: draw them all first, then time logging them back
  to back;
  answers ``{"ms": total, "each": [...]}``;
* ``{"cmd": "quit"}``: ends the run and exits.

Anything MLflow itself prints goes to stderr, so stdout carries nothing but answers. Run with no
arguments (``make bench`` runs every benchmarks/*.py with the project's .venv) it only says what it is.
"""

from __future__ import annotations

import json
import os
import sys
import time

POINTS = 5000
FIGSIZE = (8, 6)


def make_figure(seed: int, title: str = "Capture latency benchmark"):
    """A new matplotlib figure (pyplot, so it can be shown and closed like a notebook's): ~200 KB as PNG."""
    import matplotlib

    if "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    plt.rcParams["figure.max_open_warning"] = 0  # a burst keeps 50 open on purpose
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.scatter(
        rng.normal(size=POINTS), rng.normal(size=POINTS), c=rng.random(POINTS), s=4, cmap="viridis", alpha=0.8
    )
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return fig


def close_figure(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def png_bytes(fig) -> int:
    """Bytes of ``fig.savefig(..., format="png")`` (default dpi: what MLflow's log_figure stores)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return len(buffer.getvalue())


def _mlflow_worker(tracking_uri: str) -> int:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever MLflow prints lands on stderr, never among the answers
    sys.stdout = sys.stderr

    import platform

    import matplotlib
    import mlflow
    import numpy

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("capture-latency")
    run = mlflow.start_run(run_name="capture-latency")

    answers.write(
        json.dumps(
            {
                "ready": True,
                "mlflow": mlflow.__version__,
                "matplotlib": matplotlib.__version__,
                "numpy": numpy.__version__,
                "python": platform.python_version(),
                "run_id": run.info.run_id,
                "artifact_uri": run.info.artifact_uri,
            }
        )
        + "\n"
    )
    count = 0

    def log(seed: int, fig) -> float:
        nonlocal count
        count += 1
        started = time.perf_counter()
        mlflow.log_figure(fig, f"fig-{count:04d}-seed-{seed}.png")
        return (time.perf_counter() - started) * 1000

    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["cmd"] == "go":
                fig = make_figure(command["seed"])
                answer = {"ms": log(command["seed"], fig)}
                close_figure(fig)
            elif command["cmd"] == "burst":
                title = command.get("title", "Capture latency benchmark")
                figures = [(seed, make_figure(seed, title)) for seed in command["seeds"]]
                started = time.perf_counter()
                each = [log(seed, fig) for seed, fig in figures]
                answer = {"ms": (time.perf_counter() - started) * 1000, "each": each}
                for _, fig in figures:
                    close_figure(fig)
            elif command["cmd"] == "quit":
                mlflow.end_run()
                answers.write(json.dumps({"bye": True, "logged": count}) + "\n")
                return 0
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
        except Exception as exc:  # noqa: BLE001 - reported to the benchmark, which prints it
            answer = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        answers.write(json.dumps(answer) + "\n")
    mlflow.end_run()
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--mlflow":
        sys.exit(_mlflow_worker(sys.argv[2]))
    print("helper module for capture_latency.py (nothing to measure here)")
