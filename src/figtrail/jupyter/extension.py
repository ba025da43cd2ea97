"""``%load_ext figtrail``: publish every figure a notebook shows, without slowing the cell down.

How it hooks in:

* IPython's display publisher and display hook are wrapped. When a figure is shown, it is frozen
  right away (what was displayed is what gets published) and a small widget with its link is shown
  under it.
* At the end of the cell (``post_run_cell``) the frozen figures are written to the outbox. Waiting for
  the end of the cell lets an explicit ``publish(fig, target=...)`` in the same cell replace the
  automatic one, so each figure is published once.
* In a batch run (``jupyter execute``, nbconvert, papermill, nbclient: the runner lets no one answer
  ``input()``, and shuts the kernel down a few seconds after the last cell), the end of each cell also
  waits until its revisions are on the server, so none is left behind when the kernel goes. If they
  cannot be delivered, the run says so on stderr; with ``FIGTRAIL_STRICT=1`` the cell fails too.
  Interactive sessions never wait. ``FIGTRAIL_BATCH=1`` / ``0`` overrides the guess.
* ``FigtrailError`` raised in a cell (e.g. by ``configure``) shows as one line, not a traceback.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from figtrail.capture.backends import backends as resolve_backends
from figtrail.capture.context import CaptureContext
from figtrail.client.errors import FigtrailError
from figtrail.client.revision import PublishedRevision
from figtrail.jupyter.notebook import notebook_info
from figtrail.jupyter.trap import displayed_images, find_figure, shows_figure
from figtrail.jupyter.widget import widget_bundle
from figtrail.settings_table import read

NOT_CONFIGURED_HINT = (
    "figtrail is loaded but not configured, so figures are not published: call configure(...) "
    "or run `figtrail config` (or set FIGTRAIL_URL and FIGTRAIL_API_KEY)"
)


INJECTED_NAMES = ("configure", "publish", "FindByName", "ApiId", "NotebookName", "DEFAULT_ANNOTATORS")


@dataclass
class CellState:
    """Figures shown in the current cell: prepared (frozen), committed at the end of the cell."""

    raw_cell: str | None = None
    cell_id: str | None = None
    prepared: dict[int, Any] = field(default_factory=dict)  # id(figure) -> Prepared (auto, not yet queued)
    published: dict[int, PublishedRevision] = field(default_factory=dict)  # id(figure) -> explicit publish


class Extension:
    """The per-kernel state of the figtrail extension."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.publisher = None
        self.auto_publish = True
        self.show_widget = True
        self.cell = CellState()
        self._inside = False
        self._warned_unconfigured = False
        self._told_undelivered = False
        self._original_publish = None
        self._original_write_format_data = None
        self._installed_custom_exc = False

    # -- wiring ------------------------------------------------------------------------------------

    def register(self) -> None:
        events = self.shell.events
        events.register("pre_run_cell", self._pre_run_cell)
        events.register("post_run_cell", self._post_run_cell)
        self._original_publish = self.shell.display_pub.publish
        self.shell.display_pub.publish = self._display_publish
        hook = self.shell.displayhook
        if hasattr(hook, "write_format_data"):
            self._original_write_format_data = hook.write_format_data
            hook.write_format_data = self._write_format_data
        if not self.shell.custom_exceptions:
            self.shell.set_custom_exc((FigtrailError,), _one_line_error)
            self._installed_custom_exc = True

    def unregister(self) -> None:
        events = self.shell.events
        for name, callback in (("pre_run_cell", self._pre_run_cell), ("post_run_cell", self._post_run_cell)):
            if callback in events.callbacks[name]:
                events.unregister(name, callback)
        self.shell.display_pub.__dict__.pop("publish", None)
        if self._original_write_format_data is not None:
            self.shell.displayhook.__dict__.pop("write_format_data", None)
        if self._installed_custom_exc:
            self.shell.set_custom_exc((), None)

    # -- IPython callbacks -------------------------------------------------------------------------

    def _pre_run_cell(self, info: Any = None) -> None:
        self._commit_cell()  # anything left from a cell whose post_run_cell never came
        self.cell = CellState(
            raw_cell=getattr(info, "raw_cell", None),
            cell_id=getattr(info, "cell_id", None),
        )

    def _post_run_cell(self, result: Any = None) -> None:
        self._commit_cell()
        if self.publisher is not None and self.batch_run():
            self._deliver_before_the_cell_ends(result)

    def batch_run(self) -> bool:
        """Whether a runner, not a person, executes this cell: the request allows no ``input()``."""
        if self.publisher.config.batch is not None:
            return self.publisher.config.batch
        kernel = getattr(self.shell, "kernel", None)
        if kernel is None:  # a terminal IPython: a person is there
            return False
        try:
            request = kernel.get_parent("shell") or {}
        except Exception:
            return False
        allowed = (request.get("content") or {}).get("allow_stdin")
        return allowed is False

    def _deliver_before_the_cell_ends(self, result: Any) -> None:
        from figtrail.client.errors import DeliveryError

        if self.publisher.deliver_all(tell=not self._told_undelivered):
            self._told_undelivered = False
            return
        self._told_undelivered = True  # once per outage; the exit flush gives the final count
        if not self.publisher.strict or result is None:
            return
        left = len(self.publisher._sender.outstanding())
        if (
            getattr(result, "error_in_exec", None) is None
            and getattr(result, "error_before_exec", None) is None
        ):
            error = DeliveryError(
                f"{left} revision(s) were not delivered to {self.publisher.url}; they wait in the outbox "
                f"({self.publisher.outbox.path}). FIGTRAIL_STRICT is set, so the run fails."
            )
            result.error_in_exec = error  # the runner sees a failed cell and fails the run
            self.shell.showtraceback((DeliveryError, error, None))  # shown as the cell's error

    def _display_publish(self, data: dict, metadata: dict | None = None, *args: Any, **kwargs: Any) -> Any:
        found = self._figure_being_shown(data)
        shown = self._original_publish(data, metadata, *args, **kwargs)
        if found is not None:
            self._auto_publish(*found, data)
        return shown

    def _write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> Any:
        found = self._figure_being_shown(format_dict)
        shown = self._original_write_format_data(format_dict, md_dict)
        if found is not None:
            self._auto_publish(*found, format_dict)
        return shown

    # -- publishing --------------------------------------------------------------------------------

    def publish(self, fig: Any = None, target: Any = None, **kwargs: Any) -> PublishedRevision | None:
        """An explicit publish from a cell; replaces the automatic one of the same figure in this cell."""
        publisher = self._require_publisher()
        if fig is None:
            from figtrail.client.publisher import _default_figure

            fig = _default_figure()
        earlier = self.cell.prepared.pop(id(fig), None)
        reuse = earlier.handle if earlier is not None else None

        def queued(handle: PublishedRevision) -> None:
            self.cell.published[id(fig)] = handle
            if reuse is None:
                self._show_widget(handle)

        return publisher._submit(
            lambda: publisher._prepare(fig, target, context=self.context(), reuse=reuse, **kwargs), queued
        )

    def context(self) -> CaptureContext:
        """The cell as it is now: its code, count and history, and the notebook it belongs to."""
        history = list(getattr(self.shell.history_manager, "input_hist_raw", [])[1:])
        code = self.cell.raw_cell if self.cell.raw_cell is not None else (history[-1] if history else None)
        info = notebook_info()
        return CaptureContext(
            cwd=os.getcwd(),
            in_notebook=True,
            cell_code=code,
            cell_id=self.cell.cell_id,
            execution_count=self.shell.execution_count - 1,  # IPython counts a cell before running it
            history=history,
            notebook_name=info.name,
            notebook_path=info.path,
        )

    def _figure_being_shown(self, data: dict) -> tuple[Any, Any] | None:
        if self._inside or not self.auto_publish or not isinstance(data, dict):
            return None
        if self.publisher is None:
            self._warn_unconfigured(data)
            return None
        try:
            found = find_figure(self.shell.user_ns, resolve_backends(self.publisher.backends), skip=3)
        except Exception:
            return None
        if found is None or not shows_figure(data, found[1]):
            return None
        if id(found[0]) in self.cell.published or id(found[0]) in self.cell.prepared:
            return None
        return found

    def _auto_publish(self, figure: Any, backend: Any, data: dict) -> None:
        """Freeze the figure now; it is queued at the end of the cell. Never raises into the cell."""
        self._inside = True
        try:
            prepared = self.publisher._prepare(
                figure, backend=backend, context=self.context(), displayed=displayed_images(data)
            )
            self.cell.prepared[id(figure)] = prepared
            self._show_widget(prepared.handle)
        except Exception as exc:
            if self.publisher.strict:
                raise
            self.publisher._notify(
                f"could not capture the {backend.name} figure: {type(exc).__name__}: {exc}"
            )
        finally:
            self._inside = False

    def _commit_cell(self) -> None:
        prepared, self.cell.prepared = list(self.cell.prepared.values()), {}
        for item in prepared:
            try:
                self.publisher._commit(item)
            except Exception as exc:
                self.publisher._notify(
                    f"could not queue {item.handle.figure_name!r}: {type(exc).__name__}: {exc}"
                )

    def _show_widget(self, handle: PublishedRevision) -> None:
        if not self.show_widget:
            return
        self._inside = True
        try:
            self._original_publish(widget_bundle(handle, self.publisher._sender.unreachable), {})
        finally:
            self._inside = False

    def _warn_unconfigured(self, data: dict) -> None:
        if not self._warned_unconfigured and any(kind.startswith("image/") for kind in data):
            self._warned_unconfigured = True
            print(f"figtrail: {NOT_CONFIGURED_HINT}", file=sys.stderr)

    def _require_publisher(self):
        if self.publisher is None:
            from figtrail.client.errors import NotConfiguredError

            raise NotConfiguredError()
        return self.publisher


_extension: Extension | None = None


def get_extension() -> Extension | None:
    return _extension


def load(shell: Any) -> Extension:
    """Register the hooks (once per kernel), offer the public names, and configure from the settings."""
    global _extension
    if _extension is not None and _extension.shell is shell:
        return _extension
    auto_configure = read("FIGTRAIL_AUTO_CONFIGURE")  # before any hook: a bad value changes nothing
    if _extension is not None:
        _extension.unregister()
    _extension = Extension(shell)
    _extension.register()
    from figtrail import jupyter

    shell.user_ns.update({name: getattr(jupyter, name) for name in INJECTED_NAMES})
    if auto_configure:
        _auto_configure()
    return _extension


def unload(shell: Any) -> None:
    global _extension
    if _extension is not None:
        _extension.unregister()
        _extension = None


def _auto_configure() -> None:
    """Configure from FIGTRAIL_* / the config file when they say enough; stay quiet when they don't."""
    from figtrail.client.config import load_config

    try:
        config = load_config()
        config.require_credentials()
    except FigtrailError:
        return
    from figtrail.jupyter.configure import configure

    try:
        configure()
    except FigtrailError as exc:
        print(f"figtrail: {exc}", file=sys.stderr)


def _one_line_error(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    """Show a figtrail error as the one readable line it was written to be."""
    lines = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, lines)
    return lines
