"""What a revision records besides the image: code, notebook, git state, environment, system.

Each annotator looks at the ``CaptureContext`` of a publish and returns metadata (merged into the
revision's ``metadata``) and data objects (code or text attached to the revision). They run on the
background sender, each within ``ANNOTATE_TIMEOUT`` seconds, so a slow one never delays a notebook
cell and a stuck one never holds up the revision. What changes after ``publish()`` (the git state, the
script's source, the modules imported) they read from ``context.provenance``, observed at
``publish()`` time, never from the live process. An annotator that fails or runs out of time adds a
note instead of stopping the revision.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from typing import Any

from figtrail.capture import provenance
from figtrail.capture.context import CaptureContext
from figtrail.capture.limits import within

ANNOTATE_TIMEOUT = 10.0


@dataclass
class DataItem:
    """One data object for the revision, before its bytes go to the outbox. ``with_primary`` items
    (the code that drew the figure) go out with the first image; the rest follow with the other
    formats."""

    name: str
    type: str
    content: bytes
    metadata: dict[str, Any] = field(default_factory=dict)
    with_primary: bool = False


@dataclass
class Annotation:
    metadata: dict[str, Any] = field(default_factory=dict)
    data: list[DataItem] = field(default_factory=list)


def code_item(
    name: str, code: str, fmt: str = "text", language: str = "Python", with_primary: bool = False
) -> DataItem:
    meta = {"language": language, "format": fmt, "encoding": "utf-8"}
    return DataItem(name=name, type="code", content=code.encode(), metadata=meta, with_primary=with_primary)


def text_item(name: str, text: str, fmt: str | None = None) -> DataItem:
    return DataItem(
        name=name, type="text", content=text.encode(), metadata={"format": fmt, "encoding": "utf-8"}
    )


class Annotator:
    """Base class. ``annotate`` returns an ``Annotation``; it should not raise, but may.

    ``live`` annotators describe the publishing process itself (its installed packages): they are
    skipped when a revision is finished by another process (``figtrail outbox flush`` after a crash),
    where they would describe the wrong process.
    """

    live = False

    def annotate(self, context: CaptureContext) -> Annotation:
        raise NotImplementedError


class NotebookAnnotator(Annotator):
    """The notebook's name and path, when publishing from a notebook."""

    def annotate(self, context: CaptureContext) -> Annotation:
        if not context.in_notebook:
            return Annotation()
        return Annotation(
            metadata={"notebook_name": context.notebook_name, "notebook_path": context.notebook_path}
        )


class CellCodeAnnotator(Annotator):
    """The code of the cell that drew the figure, and the cell's id where the front end gives one."""

    def annotate(self, context: CaptureContext) -> Annotation:
        if not context.in_notebook:
            return Annotation()
        code = context.cell_code
        data = [code_item("Jupyter Cell", code, with_primary=True)] if code is not None else []
        return Annotation(metadata={"cell_id": context.cell_id}, data=data)


class ExecutionCountAnnotator(Annotator):
    """The cell's execution count (``In [n]``): tells re-runs and out-of-order runs apart."""

    def annotate(self, context: CaptureContext) -> Annotation:
        if context.execution_count is None:
            return Annotation()
        return Annotation(metadata={"execution_count": context.execution_count})


class HistoryAnnotator(Annotator):
    """Every cell run so far in this kernel, in order: what led up to the figure."""

    def annotate(self, context: CaptureContext) -> Annotation:
        if not context.history:
            return Annotation()
        history = json.dumps(context.history)
        return Annotation(data=[code_item("IPython history", history, "jupyter-history/json", "python")])


class ScriptAnnotator(Annotator):
    """Outside notebooks: the script's path, arguments and source."""

    def annotate(self, context: CaptureContext) -> Annotation:
        if context.in_notebook:
            return Annotation()
        meta: dict[str, Any] = {"argv": context.argv, "script": context.script_path}
        observed = context.provenance
        source = (
            observed.get("script_source")
            if observed is not None
            else provenance.script_source(context.script_path)
            if context.script_path
            else None
        )
        name = os.path.basename(context.script_path or "")
        data = [code_item(name, source, with_primary=True)] if source is not None else []
        return Annotation(metadata=meta, data=data)


class GitAnnotator(Annotator):
    """The commit, branch, remote and dirty state of the git repository the code runs in, as they were
    when ``publish()`` was called."""

    def annotate(self, context: CaptureContext) -> Annotation:
        if context.provenance is not None:
            info = context.provenance.get("git")
        else:  # a job from an older client: the repository as it is now is the best there is
            info = provenance.git_state(
                os.path.dirname(context.script_path) if context.script_path else context.cwd
            )
        return Annotation(metadata={"git": info}) if info else Annotation()


class EnvironmentAnnotator(Annotator):
    """Python's version and interpreter, the versions of the packages in use, and the full package list."""

    live = True

    def annotate(self, context: CaptureContext) -> Annotation:
        modules = (context.provenance or {}).get("modules")
        meta = {
            "python_version": sys.version,
            "kernel": sys.executable,
            "packages": imported_package_versions(modules),
        }
        return Annotation(metadata=meta, data=[text_item("pip freeze", installed_packages())])


class SystemAnnotator(Annotator):
    """The machine: host name and operating system."""

    def annotate(self, context: CaptureContext) -> Annotation:
        uname = platform.uname()
        meta = {"host": uname.node, "os": platform.platform()}
        info = " ".join([uname.system, uname.node, uname.release, uname.version, uname.machine])
        return Annotation(metadata=meta, data=[text_item("System Info", info)])


class BackendAnnotator(Annotator):
    """Which plotting library drew the figure."""

    def annotate(self, context: CaptureContext) -> Annotation:
        return Annotation(metadata={"backend": context.backend})


DEFAULT_ANNOTATORS: tuple[type[Annotator], ...] = (
    NotebookAnnotator,
    CellCodeAnnotator,
    ExecutionCountAnnotator,
    HistoryAnnotator,
    ScriptAnnotator,
    GitAnnotator,
    EnvironmentAnnotator,
    SystemAnnotator,
    BackendAnnotator,
)


def instantiate(annotators: Any) -> list[Annotator]:
    """Accept classes or instances (the public API passes classes, like ``DEFAULT_ANNOTATORS``)."""
    chosen = DEFAULT_ANNOTATORS if annotators is None else annotators
    return [item() if isinstance(item, type) else item for item in chosen]


def run_annotators(
    annotators: list[Annotator], context: CaptureContext, timeout: float | None = None
) -> tuple[Annotation, list[str]]:
    """Merge every annotator's output; one that fails or takes longer than ``timeout`` seconds
    (``ANNOTATE_TIMEOUT``) leaves a note, and the rest still count."""
    limit = ANNOTATE_TIMEOUT if timeout is None else timeout
    merged, notes = Annotation(), []
    for annotator in annotators:
        name = type(annotator).__name__
        try:
            result = within(limit, annotator.annotate, context, name="figtrail-annotator")
        except TimeoutError:
            notes.append(f"{name} did not finish within {limit:g} s; what it records is missing")
            continue
        except Exception as exc:
            notes.append(f"{name} failed: {type(exc).__name__}: {exc}")
            continue
        merged.metadata.update(result.metadata)
        merged.data.extend(result.data)
    return merged, notes


@functools.cache
def _distributions() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in importlib_metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(name, dist.version)
    return found


@functools.cache
def _module_owners() -> Mapping[str, list[str]]:
    return importlib_metadata.packages_distributions()


def installed_packages() -> str:
    """``name==version`` for every installed distribution (what ``pip freeze`` lists), read once."""
    return "\n".join(
        f"{name}=={version}"
        for name, version in sorted(_distributions().items(), key=lambda item: item[0].lower())
    )


def imported_package_versions(modules: list[str] | None = None) -> dict[str, str]:
    """Versions of the distributions whose modules were imported (``modules``, observed at publish
    time; default: what this process has imported now): the ones that matter."""
    owners, versions, found = _module_owners(), _distributions(), {}
    for module in modules if modules is not None else provenance.imported_modules():
        for dist in owners.get(module, []):
            if dist in versions:
                found[dist] = versions[dist]
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


_warm_lock = threading.Lock()
_warmed = False


def warm_up() -> None:
    """Import pygit2 and read the package list once, off the caller's thread, so the first publish
    pays neither (about 0.1 s and 0.1-0.5 s)."""

    def run() -> None:
        try:
            import pygit2  # noqa: F401
        except ImportError:
            pass
        installed_packages()

    global _warmed
    with _warm_lock:
        if _warmed:  # once per process: a publisher made again by `configure` finds it done
            return
        _warmed = True
    threading.Thread(target=run, name="figtrail-warm-up", daemon=True).start()
