"""``Publisher``: publish figures from scripts (and, through ``figtrail.jupyter``, from notebooks).

``publish`` freezes the figure, writes it to the outbox and returns at once; the background sender
renders, annotates and delivers it. Problems are reported as one line and the revision waits in the
outbox; with ``strict=True`` ``publish`` instead waits for delivery and raises the typed error.
"""

from __future__ import annotations

import atexit
import os
import sys
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from figtrail.capture.annotators import instantiate
from figtrail.capture.annotators import warm_up as warm_up_annotators
from figtrail.capture.assets import TRACKER, TrackedFile
from figtrail.capture.backends import Backend, backend_for, backends, get_backend
from figtrail.capture.cleanroom import clean_room_of
from figtrail.capture.context import CaptureContext, script_context
from figtrail.capture.render_process import shared_renderer
from figtrail.capture.revision import CaptureSettings, Finisher, PendingCapture, capture
from figtrail.capture.steps import Steps
from figtrail.capture.watermark import Watermark
from figtrail.client.catalog import Catalog
from figtrail.client.config import ClientConfig, load_config
from figtrail.client.errors import DeliveryError, FigtrailError
from figtrail.client.http import Connection
from figtrail.client.queries import AnalysisTarget, Files, NotebookName, Spec, Target, to_spec
from figtrail.client.revision import PublishedRevision
from figtrail.client.sender import PROCESS_TOKEN, Sender, notify_stderr
from figtrail.client.short_ids import ShortIds
from figtrail.outbox import AssetJob, AssetRef, Job, Outbox, RevisionJob

ANONYMOUS_FIGURE = "Anonymous Figure"


@dataclass
class Prepared:
    """A captured revision not yet in the outbox."""

    job: RevisionJob
    pending: PendingCapture
    handle: PublishedRevision


STRICT_TIMEOUT = 120.0
RENDER_STEPS_PER_REVISION = 4  # the primary image, two other formats, a watermark: what a wait allows for


class Publisher:
    """Publishes figures to one server as one account, into one workspace and analysis.

    ``workspace``: a name (created if missing), ``FindByName``, ``ApiId`` or None for FIGTRAIL_WORKSPACE,
    else the account's primary workspace. ``analysis``: the same, or ``NotebookName()``; None names it
    after the script or notebook. ``url``, ``api_key``, ``username``, ``password``, ``outbox``: override
    FIGTRAIL_* and the config file (``config``: a whole ``ClientConfig`` instead). ``annotators``: what
    each revision records (default: code, git, environment, packages). ``backends``: the plotting
    libraries to recognise, in order (default: all). ``watermark``: False for none, or a ``Watermark``.
    ``image_formats``: what is rendered (default PNG and SVG). ``default_metadata``: merged into every
    revision's metadata. ``save_pickle``: keep a matplotlib figure's pickle. ``strict``: wait for the
    server and raise typed errors instead of queueing (default FIGTRAIL_STRICT). ``render_process``:
    False renders on a thread of this process. ``notify``: where notices go (default: stderr).

    Making one does no network I/O: the server is first reached by the background sender.

    Public: ``publish``, ``flush``, ``deliver_all``, ``waiting``, ``close``, and what it publishes to
    (``url``, ``account``, ``workspace``, ``analysis``, ``outbox``, ``config``, ``strict``). The rest is
    machinery (the connection, the sender, the finisher); ``figtrail.jupyter`` alone reaches into it,
    through ``_prepare``, ``_commit`` and ``_submit``: a notebook cell's figures are prepared as they
    are drawn and committed when the cell ends.
    """

    def __init__(
        self,
        workspace: Target | None = None,
        analysis: AnalysisTarget | None = None,
        *,
        url: str | None = None,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        annotators: Sequence[Any] | None = None,
        backends: Sequence[str | Backend] | None = None,
        watermark: bool | Watermark | None = None,
        image_formats: Sequence[str] | None = None,
        default_metadata: dict[str, Any] | None = None,
        save_pickle: bool = True,
        strict: bool | None = None,
        render_process: bool = True,
        outbox: str | os.PathLike[str] | None = None,
        notify: Callable[[str], None] | None = None,
        config: ClientConfig | None = None,
    ) -> None:
        self.config = config or load_config(
            url=url, api_key=api_key, username=username, password=password, outbox=outbox
        )
        self._connection = Connection(self.config)
        self.url = self._connection.url
        self.outbox = Outbox(self.config.outbox)
        self.workspace = to_spec(workspace)  # a plain name is created if missing, as in the official client
        self.analysis = analysis
        self.backends = list(backends) if backends else None
        self.default_metadata = {**self.config.default_metadata, **(default_metadata or {})}
        self._settings = CaptureSettings(
            image_formats=tuple(image_formats or self.config.image_formats),
            watermark=_watermark(watermark, self.config.watermark),
            save_pickle=save_pickle,
            annotators=instantiate(annotators),
        )
        self.strict = self.config.strict if strict is None else strict
        self._notify = notify or notify_stderr
        self._owner = PROCESS_TOKEN  # any publisher of this process may finish this process's captures
        self._short_ids = ShortIds(self._connection)
        self._catalog = Catalog(self._connection, self.config.workspace)
        self._pending = _PENDING
        self._handles = _HANDLES
        timeout = self.config.render_timeout
        self._finisher = Finisher(
            self.outbox,
            self._pending,
            _steps("primary", render_process, timeout),
            lambda backend: _steps(f"rest-{backend}", render_process, timeout),
            notify=self._notify,
        )
        self._sender = Sender(
            self.outbox, self._connection, self._catalog, self._short_ids, self._finisher, self._notify
        )
        self._sender.on_delivered = self._delivered
        TRACKER.outbox_path = TRACKER.outbox_path or self.outbox.path
        _register_exit_flush(self)
        _make_current(self)
        warm_up_annotators()
        self._short_ids.reserve_in_background()  # no network I/O here: a publisher never waits
        self._sender.start()

    @property
    def account(self) -> str:
        return self._connection.account

    def publish(
        self,
        fig: Any = None,
        target: Target | None = None,
        dataframes: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        backend: str | Backend | None = None,
        files: Files | None = None,
        *,
        context: CaptureContext | None = None,
        displayed: dict[str, bytes] | None = None,
    ) -> PublishedRevision | None:
        """Hand a revision of ``fig`` to the outbox and return its handle (``.url``, ``.wait()``).

        ``target`` is the figure: a name (found, or created), ``FindByName``, ``ApiId``, or None for the
        plot's title. ``dataframes`` ({name: DataFrame}) are stored as tables, ``files`` whole.
        """
        return self._submit(
            lambda: self._prepare(
                fig, target, dataframes, metadata, backend, files, context=context, displayed=displayed
            )
        )

    def _submit(
        self,
        make: Callable[[], Prepared],
        on_queued: Callable[[PublishedRevision], None] | None = None,
    ) -> PublishedRevision | None:
        """Prepare and queue one revision. Outside strict mode a failure becomes one notice, never an
        exception in the user's cell; in strict mode it raises, and the call waits for delivery."""
        try:
            handle = self._commit(make())
        except FigtrailError as exc:
            if self.strict:
                raise
            self._notify(f"could not publish: {exc}")
            return None
        if on_queued is not None:
            on_queued(handle)
        if self.strict:
            self._wait_strictly(handle)
        return handle

    def _prepare(
        self,
        fig: Any = None,
        target: Target | None = None,
        dataframes: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        backend: str | Backend | None = None,
        files: Files | None = None,
        *,
        context: CaptureContext | None = None,
        displayed: dict[str, bytes] | None = None,
        reuse: PublishedRevision | None = None,
    ) -> Prepared:
        """Freeze the figure and build its job without queueing it yet (the notebook commits at cell end).

        ``reuse`` keeps the id and link of a revision prepared earlier for the same figure, so a link
        already shown stays right.
        """
        fig = _default_figure() if fig is None else fig
        chosen = (
            get_backend(backend) if isinstance(backend, str) else backend or backend_for(fig, self.backends)
        )
        if chosen is None:
            raise TypeError(f"figtrail cannot publish a {type(fig).__name__}; supported: {_supported()}")
        context = context or script_context(chosen.name)
        context.backend = chosen.name
        with self.outbox.synced_together():  # on disk when this is left; the render need not wait
            room = clean_room_of(fig)  # a figure from a @reproducible run records that run
            fields, snapshot = capture(
                fig, chosen, self._settings, self.outbox, displayed, dataframes, files, room
            )
            self._finisher.start_primary(fields)  # rendering starts now, beside the rest of the cell
            context.observe()  # git, the script's source, the modules: as they are now, not when sent
            context_json = context.to_json(self.outbox)
        figure = to_spec(target) or {"name": snapshot.title or ANONYMOUS_FIGURE, "create": True}
        handle = self._handle(figure, reuse)
        job: RevisionJob = {
            **fields,  # what capture stored: stage, data, notes, facts, render
            "kind": "revision",
            "id": handle.api_id,
            "short_id": handle.short_id,
            "link": handle.url,
            "url": self.url,
            "account": self.account,
            "owner": self._owner,
            "figure_name": handle.figure_name,
            "target": {"workspace": self.workspace, "analysis": self._analysis_spec(), "figure": figure},
            "metadata": {**self.default_metadata, **(metadata or {})},
            "context": context_json,
        }
        return Prepared(job, PendingCapture(snapshot, context, self._settings), handle)

    def _commit(self, prepared: Prepared) -> PublishedRevision:
        """Write the job to the outbox (atomically) and wake the sender."""
        job = prepared.job
        job["assets"] = [self._asset_ref(tracked) for tracked in TRACKER.current()]
        self._pending[job["id"]] = prepared.pending
        self._handles[job["id"]] = prepared.handle
        self.outbox.add(job)
        self._sender.wake()
        return prepared.handle

    def _handle(self, figure: Spec, reuse: PublishedRevision | None) -> PublishedRevision:
        name = figure.get("name") or figure.get("api_id")
        if reuse is not None:
            reuse.figure_name = name
            return reuse
        api_id, short_id = str(uuid.uuid4()), self._short_ids.next()
        return PublishedRevision(api_id, short_id, f"{self.url}/r/{short_id or api_id}", name)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until everything published so far is on the server, every format of it; False when
        ``timeout`` runs out or the server is found unreachable (then it waits in the outbox)."""
        return self._sender.flush(timeout)

    def waiting(self) -> list[Job]:
        return [job for job in self.outbox.pending() if job.get("url") == self.url]

    def close(self) -> None:
        """Stop the background sender; what is still queued stays in the outbox."""
        self._sender.stop()
        _live.discard(self)

    def _analysis_spec(self) -> Spec:
        """The analysis to publish into; NotebookName is resolved now, from the running notebook."""
        if (
            self.analysis is None
            or isinstance(self.analysis, NotebookName)
            or self.analysis == "NotebookName"
        ):
            return {"name": _default_analysis_name(self.analysis), "create": True, "description": None}
        spec = to_spec(self.analysis)
        assert spec is not None  # only None gives None
        return spec

    def _asset_ref(self, tracked: TrackedFile) -> AssetRef:
        job_id = TRACKER.bind(tracked, f"{self.url} {self.account}", self._asset_job)
        return {"local": job_id, "name": tracked.name}

    def _asset_job(self, tracked: TrackedFile) -> str:
        if not self.outbox.has_blob(tracked.digest):
            TRACKER.track(tracked.path)  # its copy was cleaned up; take it again if unchanged
        job: AssetJob = {
            "kind": "asset",
            "stage": "ready",
            "id": str(uuid.uuid4()),
            "url": self.url,
            "account": self.account,
            "name": tracked.name,
            "path": tracked.path,
            "digest": tracked.digest,
            "size": tracked.size,
            "blob": tracked.digest,
            "target": {"workspace": self.workspace},
        }
        self.outbox.add(job)
        return job["id"]

    def _delivered(self, job_id: str, error: str | None) -> None:
        handle = self._handles.pop(job_id, None)
        if handle is not None:
            handle._mark(error)

    def _wait_strictly(self, handle: PublishedRevision) -> None:
        if handle.wait(STRICT_TIMEOUT):
            return
        if handle.error:
            raise DeliveryError(handle.error)
        raise DeliveryError(
            f"revision of {handle.figure_name!r} was not delivered within {STRICT_TIMEOUT:.0f} s "
            f"(the server at {self.url} is unreachable?); it waits in the outbox: `figtrail outbox flush`"
        )

    def deliver_all(self, patience: float | None = None, tell: bool = True) -> bool:
        """Block until everything published so far is on the server, for as long as it keeps
        arriving (``patience`` seconds without progress, default ``FIGTRAIL_EXIT_WAIT``); if some
        cannot be delivered, say on stderr (``tell``) how many wait and where. A batch run calls this
        before it may end."""
        left = self._sender.outstanding()
        if not left:
            return True
        patience = self.config.exit_wait if patience is None else patience
        # a revision being rendered may take every one of its steps' time limits, one after another
        limit = patience + RENDER_STEPS_PER_REVISION * self.config.render_timeout * len(left)
        if self._sender.drain(patience, limit):
            return True
        if tell:
            self._tell_undelivered()
        return False

    def _tell_undelivered(self) -> None:
        """One line on stderr (the runner's too, from a kernel): how many revisions wait, and where."""
        left = len(self._sender.outstanding())
        reason = "the server is unreachable" if self._sender.unreachable else "they did not arrive in time"
        message = (
            f"{left} revision(s) were not delivered ({reason}); they wait in the outbox "
            f"({self.outbox.path}): run `figtrail outbox flush` where that folder is kept"
        )
        self._notify(message)
        if sys.__stderr__ is not None and sys.stderr is not sys.__stderr__:  # a kernel: tell the runner too
            print(f"figtrail: {message}", file=sys.__stderr__, flush=True)

    def _exit_flush(self) -> None:
        """At exit: finish and send everything, as long as it keeps arriving; say what is left."""
        self.deliver_all()


def _steps(lane: str, render_process: bool, timeout: float) -> Steps:
    """A lane's steps: in its own render helper (started now, so the first figure need not wait)."""
    helper = shared_renderer(lane) if render_process else None
    if helper is not None:
        helper.start()
    return Steps(helper, timeout)


def _watermark(value: bool | Watermark | None, default: bool) -> Watermark:
    if isinstance(value, Watermark):
        return value
    return Watermark(enabled=default if value is None else bool(value))


def _default_figure() -> Any:
    if "matplotlib.pyplot" in sys.modules:
        return sys.modules["matplotlib.pyplot"].gcf()
    raise TypeError("publish() needs a figure: pass fig=..., e.g. publish(fig)")


def _supported() -> str:
    return ", ".join(backend.name for backend in backends())


def _default_analysis_name(analysis: Any) -> str:
    """A notebook's name (without .ipynb), else the script's file name, else a fixed name."""
    if isinstance(analysis, NotebookName) or analysis == "NotebookName" or "ipykernel" in sys.modules:
        from figtrail.jupyter.notebook import notebook_info

        info = notebook_info()
        if info.name:
            return os.path.splitext(info.name)[0]
    main: str | None = getattr(sys.modules.get("__main__"), "__file__", None)
    if main and not str(main).endswith("ipykernel_launcher.py"):
        return os.path.splitext(os.path.basename(main))[0]
    return "Untitled analysis"


# Process-wide, so that a publisher made by re-running ``configure`` finishes and reports what the one
# it replaced had captured.
_PENDING: dict[str, PendingCapture] = {}
_HANDLES: dict[str, PublishedRevision] = {}
_live: weakref.WeakSet[Publisher] = weakref.WeakSet()
_current: Publisher | None = None
_exit_registered = False


def _make_current(publisher: Publisher) -> None:
    global _current
    _current = publisher


def current_publisher() -> Publisher:
    """The publisher made last (by ``Publisher(...)`` or ``configure``), or one made from the config."""
    return _current if _current is not None else Publisher()


def _register_exit_flush(publisher: Publisher) -> None:
    global _exit_registered
    if not _exit_registered:
        atexit.register(_flush_all_at_exit)
        _exit_registered = True
    _live.add(publisher)


def _flush_all_at_exit() -> None:
    for publisher in list(_live):
        try:
            publisher._exit_flush()
        except Exception as exc:  # exiting anyway: report, never raise
            notify_stderr(f"could not flush the outbox at exit ({type(exc).__name__}: {exc})")
