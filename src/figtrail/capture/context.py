"""What is known about the moment of publishing, captured in the cell before it is gone.

The annotators run later, on the background sender; everything they need from the cell (its code,
its execution count, the notebook, the working directory) is copied here first, and so is what the
moment itself is (``provenance``: the git state, the script's source, the modules imported, read by
``figtrail.capture.provenance``), so a revision records the moment of ``publish()``, not of sending.
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from figtrail.capture.provenance import observe as observe_provenance
from figtrail.outbox import Outbox


@dataclass
class CaptureContext:
    backend: str = "N/A"
    cwd: str = field(default_factory=os.getcwd)
    in_notebook: bool = False
    cell_code: str | None = None
    cell_id: str | None = None
    execution_count: int | None = None
    history: list[str] | None = None
    notebook_name: str | None = None
    notebook_path: str | None = None
    script_path: str | None = None
    argv: list[str] = field(default_factory=lambda: list(sys.argv))
    provenance: dict[str, Any] | None = None  # None: not observed (a job from an older client)

    def observe(self) -> CaptureContext:
        """Read what can change after ``publish()`` returns; call it in the publishing thread."""
        self.provenance = observe_provenance(self.cwd, self.script_path)
        return self

    def to_json(self, outbox: Outbox | None = None) -> dict[str, Any]:
        """As JSON for the job; with an ``outbox``, the script's source goes into it as a payload (stored
        once however many figures the script publishes) and the job names it by hash."""
        data = asdict(self)
        observed = data.get("provenance") or {}
        if outbox is not None and observed.get("script_source") is not None:
            digest = outbox.put_blob(observed["script_source"].encode())
            data["provenance"] = {**observed, "script_source": None, "script_blob": digest}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], outbox: Outbox | None = None) -> CaptureContext:
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        observed = known.get("provenance") or {}
        if outbox is not None and observed.get("script_blob"):
            try:
                source = outbox.blob(observed["script_blob"]).decode("utf-8", errors="replace")
            except FileNotFoundError:
                source = None
            known["provenance"] = {**observed, "script_source": source}
        return cls(**known)


def script_context(backend: str) -> CaptureContext:
    """The context of a plain Python script (or ``python -c``): its path and source, if it has one."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return CaptureContext(backend=backend, script_path=os.path.abspath(path) if path else None)
