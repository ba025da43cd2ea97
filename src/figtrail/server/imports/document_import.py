"""A stored PowerPoint or Word upload into figures: one revision per picture, except the pictures figtrail
already knows (``recognition``: by QR code, link or bytes), which the result lists with their revisions."""

from __future__ import annotations

from collections.abc import Callable

from figtrail.server import blobs
from figtrail.server.catalog.models import Analysis
from figtrail.server.imports import archives, documents, recognition, writer
from figtrail.server.imports.documents import ExtractedImage
from figtrail.server.tasks.registry import TaskFailed

EXTRACTORS: dict[str, Callable[[bytes, str], list[ExtractedImage]]] = {
    "pptx": documents.pptx_images,
    "docx": documents.docx_images,
}


def import_document(
    kind: str, analysis: Analysis, user, blob_hash: str, file_name: str, report: Callable[[float], None]
) -> dict:
    payload = blobs.get(blob_hash)
    try:
        archives.check_package(payload, file_name)  # zip bombs: limits checked before parsing
    except archives.ArchiveRefused as exc:
        raise TaskFailed(str(exc)) from exc
    images = EXTRACTORS[kind](payload, file_name)
    report(0.1)
    used: set[str] = set()
    figures, revisions, recognised, skipped = [], [], [], 0
    for position, image in enumerate(images, start=1):
        name = unique_name(image, used)
        known = recognition.recognise(image, user)
        if known is not None and not _imported_here(known, analysis, name):
            recognised.append(_recognised(position, image, known))  # linked to it, no orphan figure
        else:
            figure, _made = writer.figure_named(analysis, user, name)
            if writer.latest_image_hash(figure) == blobs.digest(image.payload):
                skipped += 1  # the same picture imported before: nothing changed
            else:
                rev = writer.add_image_revision(figure, user, image.payload, image.format, image.metadata)
                revisions.append(str(rev.pk))
            figures.append(str(figure.pk))
        report(0.1 + 0.9 * position / len(images))
    return {
        "analysis": str(analysis.pk),
        "images": len(images),
        "figures": list(dict.fromkeys(figures)),
        "revisions": revisions,
        "recognised": recognised,
        "skipped": skipped,
    }


def _imported_here(known: recognition.Known, analysis: Analysis, name: str) -> bool:
    """The identical picture is this import's own figure's (the same file imported again): that figure
    is kept, and the picture counted as unchanged, as before recognition."""
    figure = known.revision.figure
    return known.by == "identical image" and figure.analysis_id == analysis.pk and figure.name == name


def _recognised(position: int, image: ExtractedImage, known: recognition.Known) -> dict:
    where = {key: image.metadata[key] for key in ("slide_number", "image_number") if key in image.metadata}
    return {
        "image": position,
        **where,
        "revision": str(known.revision.pk),
        "figure": str(known.revision.figure_id),
        "figure_name": known.revision.figure.name,
        "by": known.by,
    }


def unique_name(image: ExtractedImage, used: set[str]) -> str:
    """Two pictures of one file never share a figure: a repeated name gets its slide or number added."""
    name = image.name
    where = image.metadata.get("slide_number") or image.metadata.get("image_number")
    if name in used:
        name = f"{name} ({'slide' if 'slide_number' in image.metadata else 'image'} {where})"
    counter = 2
    base = name
    while name in used:
        name, counter = f"{base} ({counter})", counter + 1
    used.add(name)
    return name
