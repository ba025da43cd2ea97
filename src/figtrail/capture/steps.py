"""The CPU-heavy steps of finishing a revision, each one small request with its own time limit.

A step renders one format of a frozen figure, or stamps the watermark on one image, and writes the
result into the outbox. ``run_step`` is the one implementation; ``Steps`` decides where it runs (the
render helper process, or a thread of this process) and enforces the limit. A step that fails, or does
not finish within the limit, answers with the reason instead of bytes: the revision goes out without
that format and says why, and no later figure ever waits for it. A helper that runs over its time is
killed (with any browser it started); the next step starts a fresh one.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from figtrail.capture.backends import RenderError, get_backend
from figtrail.capture.backends.base import MissingRenderer
from figtrail.capture.limits import within
from figtrail.capture.watermark import Watermark
from figtrail.outbox import Outbox

DEFAULT_STEP_TIMEOUT = 60.0
EARLY_LIMIT = 8  # steps begun ahead of their job and not yet taken up: at most this many at a time
Reply = dict[str, Any]


class FrozenFigures:
    """The last few frozen figures loaded, by snapshot hash: formats of one figure load it once."""

    def __init__(self, size: int = 2) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._size = size

    def get(self, backend: Any, digest: str, outbox: Outbox) -> Any:
        if digest not in self._items:
            self._items[digest] = backend.load(outbox.blob(digest))
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        self._items.move_to_end(digest)
        return self._items[digest]


def run_step(request: dict[str, Any], outbox: Outbox, frozen: FrozenFigures, copy: Any = None) -> Reply:
    """Do one step: ``{"op": "render", "backend", "snapshot", "format"}`` or ``{"op": "stamp",
    "format", "blob", "link", "qr_code"}``; answers ``{"blob": hash}`` or ``{"error": why}`` (with
    ``"missing": True`` when a renderer is not installed)."""
    if request["op"] == "stamp":
        return _stamp(request, outbox)
    backend = get_backend(request["backend"])
    fmt = request["format"]
    try:
        figure = copy if copy is not None else _frozen(backend, request, outbox, frozen)
        content = backend.render(figure, fmt)
    except MissingRenderer as exc:
        return {"error": str(exc), "missing": True}
    except RenderError as exc:
        return {"error": str(exc)}
    except Exception as exc:
        return {"error": f"{backend.name} could not render {fmt}: {type(exc).__name__}: {exc}"}
    return {"blob": outbox.put_blob(content)}


def _frozen(backend: Any, request: dict[str, Any], outbox: Outbox, frozen: FrozenFigures) -> Any:
    if not request.get("snapshot"):
        raise RenderError(f"{backend.name}: no frozen copy of the figure to render from")
    return frozen.get(backend, request["snapshot"], outbox)


def _stamp(request: dict[str, Any], outbox: Outbox) -> Reply:
    mark, fmt = Watermark(qr_code=request.get("qr_code", True)), request["format"]
    try:
        content = outbox.blob(request["blob"])
        stamped = (
            mark.stamp_png(content, request["link"])
            if fmt == "png"
            else mark.stamp_html(content, request["link"])
        )
    except Exception as exc:
        return {"error": f"watermark failed on {fmt}: {type(exc).__name__}: {exc}"}
    return {"blob": outbox.put_blob(stamped)}


class Helper(Protocol):
    """Where steps run outside this process: a ``RenderProcess`` (``figtrail.capture.render_process``)."""

    @property
    def available(self) -> bool: ...

    def call(self, request: dict[str, Any], outbox: Outbox, timeout: float) -> Reply: ...


class Steps:
    """Runs steps within ``timeout`` seconds each: in ``helper`` (a ``RenderProcess``) when there is
    one, else on a thread here. Remembers, for the rest of the process, a renderer that ran out of time
    (plotly's Chrome), so later figures skip it at once instead of each waiting the full limit."""

    def __init__(self, helper: Helper | None = None, timeout: float = DEFAULT_STEP_TIMEOUT) -> None:
        self.helper = helper
        self.timeout = timeout
        self._frozen = FrozenFigures()
        self._stuck: dict[str, str] = {}
        self._lock = threading.Lock()
        self._early: OrderedDict[str, Future[Reply]] = OrderedDict()
        self._early_lock = threading.Lock()

    def start(self, request: dict[str, Any], outbox: Outbox) -> None:
        """Begin a step now, on a thread of its own, for a later ``run`` of the same request to take
        up: the primary image starts rendering when the figure is frozen, not when the sender gets
        to its job. At most ``EARLY_LIMIT`` wait to be taken up (a job another process finishes never
        takes its step up; finished ones are dropped first)."""
        key = _early_key(request)
        with self._early_lock:
            finished = [k for k, begun in self._early.items() if begun.done()]
            while len(self._early) >= EARLY_LIMIT and finished:
                del self._early[finished.pop(0)]
            if key in self._early or len(self._early) >= EARLY_LIMIT:
                return
            result: Future[Reply] = Future()
            self._early[key] = result

        def work() -> None:
            try:
                result.set_result(self._step(request, outbox, None))
            except BaseException as exc:  # _step answers a step's errors itself: this is for the unforeseen
                result.set_result({"error": f"{_describe(request)} failed: {type(exc).__name__}: {exc}"})

        threading.Thread(target=work, name="figtrail-early-render", daemon=True).start()

    def run(self, request: dict[str, Any], outbox: Outbox, copy: Any = None) -> Reply:
        if copy is None:
            with self._early_lock:
                begun = self._early.pop(_early_key(request), None)
            if begun is not None:
                return begun.result()  # bounded: the step has its own time limit
        return self._step(request, outbox, copy)

    def _step(self, request: dict[str, Any], outbox: Outbox, copy: Any) -> Reply:
        key = _renderer_key(request)
        what = _describe(request)
        if key in self._stuck:
            return {"error": f"{what} was not stored: {self._stuck[key]}", "skipped": True}
        reply = self._run(request, outbox, copy)
        if reply.get("timeout"):
            reply["error"] = (
                f"{what} was not stored: {key or 'rendering it'} took longer than {self.timeout:g} s "
                "(the limit is FIGTRAIL_RENDER_TIMEOUT)"
            )
            if key is not None:
                self._stuck[key] = f"{key} ran out of time earlier in this process, so it was skipped"
        return reply

    def _run(self, request: dict[str, Any], outbox: Outbox, copy: Any) -> Reply:
        if self.helper is not None and copy is None and self.helper.available:
            try:
                return self.helper.call(request, outbox, self.timeout)
            except TimeoutError:
                return {"timeout": True}
            except OSError:
                pass  # the helper cannot run here: do it on a thread instead
        with self._lock:  # one in-process step at a time (matplotlib and kaleido are not thread-safe)
            return _on_thread(self.timeout, _describe(request), run_step, request, outbox, self._frozen, copy)


def _on_thread(timeout: float, what: str, function: Callable[..., Reply], *args: Any) -> Reply:
    try:
        return within(timeout, function, *args, name="figtrail-render")
    except TimeoutError:  # the thread is left behind, and its renderer skipped from now on
        return {"timeout": True}
    except BaseException as exc:  # reported as the step's error
        return {"error": f"{what} failed: {type(exc).__name__}: {exc}"}


def _describe(request: dict[str, Any]) -> str:
    if request["op"] == "stamp":
        return f"the watermark on the {request['format']}"
    return f"{request['backend']} {request['format'].upper()}"


def _early_key(request: dict[str, Any]) -> str:
    return json.dumps(request, sort_keys=True)


def _renderer_key(request: dict[str, Any]) -> str | None:
    if request["op"] != "render":
        return None
    return get_backend(request["backend"]).renderer_key(request["format"])
