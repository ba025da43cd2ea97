"""figtrail.capture.steps: a step begun early (at publish time) is taken up, never done twice."""

from __future__ import annotations

import threading

from figtrail.capture.steps import EARLY_LIMIT, Steps
from figtrail.outbox import Outbox


class CountingHelper:
    """A render helper that answers each request with a new blob name, once ``release`` is set."""

    available = True

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.release = threading.Event()
        self.release.set()

    def call(self, request: dict, outbox: Outbox, timeout: float) -> dict:
        self.calls.append(request)
        self.release.wait(timeout)
        return {"blob": f"blob-{len(self.calls)}"}


def render(snapshot: str, fmt: str = "png") -> dict:
    return {"op": "render", "backend": "matplotlib", "snapshot": snapshot, "format": fmt}


def test_a_step_begun_early_is_taken_up_by_its_run_not_done_again(tmp_path):
    helper, outbox = CountingHelper(), Outbox(tmp_path)
    helper.release.clear()  # the early render is still under way when the sender asks for it
    steps = Steps(helper)
    steps.start(render("a"), outbox)
    threading.Timer(0.05, helper.release.set).start()
    assert steps.run(render("a"), outbox) == {"blob": "blob-1"}
    assert len(helper.calls) == 1
    assert steps.run(render("a"), outbox) == {"blob": "blob-2"}  # taken up once; a new run renders anew


def test_another_format_or_figure_is_not_confused_with_the_one_begun(tmp_path):
    helper, outbox = CountingHelper(), Outbox(tmp_path)
    steps = Steps(helper)
    steps.start(render("a"), outbox)
    assert steps.run(render("a", "svg"), outbox)["blob"] != steps.run(render("b"), outbox)["blob"]
    assert [call["snapshot"] for call in helper.calls].count("a") == 2  # the begun PNG, and the SVG
    assert steps.run(render("a"), outbox) == {"blob": "blob-1"}


def test_steps_never_taken_up_are_bounded(tmp_path):
    """A job another process finishes never takes up its early render: only EARLY_LIMIT are kept,
    beyond the limit nothing more is begun, and finished ones make room first."""
    helper, outbox = CountingHelper(), Outbox(tmp_path)
    helper.release.clear()
    steps = Steps(helper)
    for number in range(EARLY_LIMIT + 3):
        steps.start(render(f"stuck-{number}"), outbox)
    begun = list(steps._early.values())
    helper.release.set()
    for result in begun:
        result.result(timeout=10)
    assert len(helper.calls) == EARLY_LIMIT
    steps.start(render("later"), outbox)
    assert len(steps._early) == EARLY_LIMIT
    assert steps.run(render("later"), outbox) == {"blob": f"blob-{EARLY_LIMIT + 1}"}
    assert len(helper.calls) == EARLY_LIMIT + 1


def test_a_step_that_fails_early_answers_its_error_to_the_run(tmp_path):
    class Broken(CountingHelper):
        def call(self, request: dict, outbox: Outbox, timeout: float) -> dict:
            raise TimeoutError("the render helper did not answer")

    steps = Steps(Broken(), timeout=1)
    steps.start(render("a"), Outbox(tmp_path))
    reply = steps.run(render("a"), Outbox(tmp_path))
    assert reply["error"] == (
        "matplotlib PNG was not stored: rendering it took longer than 1 s "
        "(the limit is FIGTRAIL_RENDER_TIMEOUT)"
    )
