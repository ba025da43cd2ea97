"""Turning a stored revision into :class:`figtrail.ai.FigureFacts`, the plain facts a provider reads.

Everything comes from what the server already has: the catalog names, the revision's captured metadata,
its data rows (image, code, tables, text) and the asset revisions it was made from. Providers never touch
the database; this module is the one place that decides what they are shown.
"""

from __future__ import annotations

import json
import logging

from figtrail.ai import FigureFacts, Image, TableFacts
from figtrail.ai.codefacts import parse
from figtrail.ai.codefigures import Labels, locate
from figtrail.server import blobs
from figtrail.server.catalog import environment
from figtrail.server.catalog.models import Data, DataType, Revision
from figtrail.server.images import ImageTooLarge, check_canvas, declared_size
from figtrail.server.insight import tables

log = logging.getLogger(__name__)

HISTORY_FORMAT = "jupyter-history/json"
RASTER_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
MAX_IMAGE_BYTES = 8 * 1024 * 1024  # larger pictures are left out rather than sent to a provider
MAX_TABLE_BYTES = 32 * 1024 * 1024
MAX_TABLES = 5
MAX_TEXT_CHARS = 4000
MAX_CODE_BEFORE_CHARS = 200_000  # the earlier cells kept for code extraction (the latest ones)
SKIPPED_TEXTS = {"pip freeze", "System Info"}  # annotator output, not about the figure
READ_OFF_THE_FIGURE = ("axis_labels", "series", "axes")  # keys only a client reading the figure records
PLOTTING_HINTS = ("plot", "publish", "fig", "plt.", "px.", "sns.", "alt.", "ggplot", "savefig", "show(")


def revision_facts(
    revision: Revision, *, with_image: bool = True, hide_environment: bool = False
) -> FigureFacts:
    """The facts of one revision. ``with_image=False`` leaves the picture out (text-only providers,
    or when several revisions would make the prompt too heavy); ``hide_environment`` leaves out the
    environment (``catalog/environment.py``), for a reader the policy does not show it to
    (``policy.environment_hidden``): the provider is not told what the reader may not read."""
    revision = _loaded(revision)
    if hide_environment:
        environment.hide_in(revision)
    rows = list(revision.data.all())
    metadata = revision.metadata if isinstance(revision.metadata, dict) else {}
    code, language, guessed = _code(rows)
    python = bool(code) and language.lower() == "python"
    before = _code_before(rows, code) if python else ""
    labels = _code_labels(revision, metadata, code, before) if python else None
    return FigureFacts(
        revision_id=str(revision.pk),
        figure_name=revision.figure.name,
        analysis_name=revision.figure.analysis.name,
        revision_index=revision.revision_index,
        created_on=revision.created_on.isoformat(),
        created_by=revision.created_by.username if revision.created_by else "",
        backend=str(metadata.get("backend") or _pickle_backend(rows) or ""),
        title=_title(metadata, labels),
        axis_labels=_axis_labels(metadata, labels),
        series=_series(metadata, labels),
        metadata=metadata,
        code=code,
        code_before=before,
        code_guessed=guessed,
        code_language=language,
        tables=_tables(rows),
        inputs=_inputs(revision),
        image=_image(rows) if with_image else None,
        text=_text(rows, metadata),
    )


def _loaded(revision: Revision) -> Revision:
    """The revision with what the facts read, in a few queries."""
    return (
        Revision.objects.select_related("figure__analysis", "created_by")
        .prefetch_related("data", "asset_links__asset_revision__asset")
        .get(pk=revision.pk)
    )


def _read(row: Data) -> bytes | None:
    try:
        return blobs.read(row)
    except OSError:
        log.warning("blob %s of data %s is missing", row.hash, row.pk)
        return None


def _image(rows: list[Data]) -> Image | None:
    """The picture a model should look at: PNG before other raster formats, the clean one before the
    watermarked one (the watermark's QR code is noise to a model)."""
    candidates = [
        row
        for row in rows
        if row.type == DataType.IMAGE and _format(row) in RASTER_TYPES and row.size_bytes <= MAX_IMAGE_BYTES
    ]
    candidates.sort(key=lambda row: (_format(row) != "png", bool(row.metadata.get("is_watermarked"))))
    for row in candidates:
        if (payload := _read(row)) is not None and _within_budget(row, payload):
            return Image(media_type=RASTER_TYPES[_format(row)], data=payload)
    return None


def _within_budget(row: Data, payload: bytes) -> bool:
    """A provider decodes what it is sent: a picture whose header declares a canvas over
    FIGTRAIL_MAX_IMAGE_PIXELS (a decompression bomb), or that is no picture, is left out."""
    try:
        check_canvas(*declared_size(payload))
    except ImageTooLarge as exc:
        log.info("picture of data %s left out of the AI facts: %s", row.pk, exc)
        return False
    except OSError:
        return False
    return True


def _format(row: Data) -> str:
    return str(row.metadata.get("format") or "").lower()


def _code(rows: list[Data]) -> tuple[str, str, bool]:
    """The code that drew the figure: the cell or the script; else the last relevant cell of the
    notebook's history, which is a guess (the third value says so)."""
    code_rows = [row for row in rows if row.type == DataType.CODE]
    for row in code_rows:
        if _format(row) != HISTORY_FORMAT and (text := _text_of(row)).strip():
            return text, _language(row), False
    for row in code_rows:
        if _format(row) == HISTORY_FORMAT and (cell := _last_relevant_cell(_text_of(row))):
            return cell, _language(row), True
    return "", "python", False


def _language(row: Data) -> str:
    return str(row.metadata.get("language") or "python").lower()


def _text_of(row: Data) -> str:
    payload = _read(row)
    if payload is None:
        return ""
    return payload.decode(row.metadata.get("encoding") or "utf-8", errors="replace")


def _last_relevant_cell(history_json: str) -> str:
    """The last cell that plots or publishes; the last non-empty cell if none seems to."""
    try:
        cells = json.loads(history_json)
    except ValueError:
        return ""
    if not isinstance(cells, list):
        return ""
    cells = [cell for cell in cells if isinstance(cell, str) and cell.strip()]
    for cell in reversed(cells):
        if any(hint in cell for hint in PLOTTING_HINTS):
            return cell
    return cells[-1] if cells else ""


def _code_before(rows: list[Data], code: str) -> str:
    """The cells the notebook ran before this one (from the kernel's history, up to the last run of this
    cell), each that parses as Python: what the cell's code may need from them (imports, data,
    functions), for extracting code that runs on its own. '' outside notebooks."""
    for row in rows:
        if row.type != DataType.CODE or _format(row) != HISTORY_FORMAT:
            continue
        try:
            cells = json.loads(_text_of(row))
        except ValueError:
            continue
        if not isinstance(cells, list):
            continue
        cells = [cell for cell in cells if isinstance(cell, str)]
        runs = [n for n, cell in enumerate(cells) if cell.strip() == code.strip()]
        if not runs:
            continue
        kept: list[str] = []
        for cell in reversed(cells[: runs[-1]]):  # the latest cells, up to the budget
            if sum(map(len, kept)) + len(cell) > MAX_CODE_BEFORE_CHARS:
                break
            if cell.strip() and parse(cell) is not None:
                kept.append(cell.strip())
        return "\n\n".join(reversed(kept))
    return ""


def _pickle_backend(rows: list[Data]) -> str:
    return next((str(row.metadata.get("backend")) for row in rows if row.metadata.get("backend")), "")


def _code_labels(revision: Revision, metadata: dict, code: str, before: str) -> Labels | None:
    """The labels the code gives this revision's figure, to fill in what the client did not record.

    Only from the statements that draw this figure: a cell or script drawing several figures gives a
    figure the labels of the one that matches what was recorded from it (or that the code publishes,
    or that is titled like the figure), and none when which one it is cannot be told.
    """
    title = metadata.get("title")
    axis_labels = metadata.get("axis_labels")
    series = metadata.get("series")
    located = locate(
        code,
        title=title if isinstance(title, str) else "",
        axis_labels={str(k): str(v) for k, v in axis_labels.items()} if isinstance(axis_labels, dict) else {},
        series=[str(item) for item in series] if isinstance(series, list) else [],
        axes=metadata.get("axes"),
        figure_name=revision.figure.name,
        before=before,
    )
    if located.drawing is None or any(key in metadata for key in READ_OFF_THE_FIGURE):
        # figtrail's client read the live figure: what it did not record, the figure does not show
        # (a label= without a legend, say), so the code fills nothing in
        return None
    return located.drawing.labels


def _title(metadata: dict, labels: Labels | None) -> str:
    if isinstance(metadata.get("title"), str) and metadata["title"].strip():
        return metadata["title"].strip()
    return labels.title if labels else ""


def _axis_labels(metadata: dict, labels: Labels | None) -> dict[str, str]:
    stored = metadata.get("axis_labels")
    if isinstance(stored, dict):
        return {str(key): str(value) for key, value in stored.items()}
    return dict(labels.axis_labels) if labels else {}


def _series(metadata: dict, labels: Labels | None) -> tuple[str, ...]:
    stored = metadata.get("series")
    if isinstance(stored, list):
        return tuple(str(item) for item in stored)
    return tuple(labels.series) if labels else ()


def _tables(rows: list[Data]) -> tuple[TableFacts, ...]:
    found = []
    for row in rows:
        if row.type != DataType.DATAFRAME or row.size_bytes > MAX_TABLE_BYTES or len(found) >= MAX_TABLES:
            continue
        payload = _read(row)
        if payload is None:
            continue
        try:
            summary = tables.summarise(row.name or "table", payload, row.metadata.get("format"))
        except Exception as exc:  # a malformed table must not stop the answer about the figure
            log.warning("could not summarise table %s: %s", row.pk, exc)
            continue
        if summary is not None:
            found.append(summary)
    return tuple(found)


def _inputs(revision: Revision) -> tuple[str, ...]:
    names = []
    for link in revision.asset_links.all():
        name = link.asset_revision.asset.name
        if name not in names:
            names.append(name)
    return tuple(names)


def _text(rows: list[Data], metadata: dict) -> str:
    parts = [metadata["text"]] if isinstance(metadata.get("text"), str) else []
    for row in rows:
        if row.type == DataType.TEXT and row.name not in SKIPPED_TEXTS:
            parts.append(_text_of(row))
    return "\n\n".join(part.strip() for part in parts if part.strip())[:MAX_TEXT_CHARS]
