"""Pictures in an imported document that figtrail already knows, so an import links them instead of
making orphan figures.

A figure published through figtrail carries its way home: the watermark's QR code (and the link
printed beside it) is ``<server>/r/<short id or id>``, and a deck often keeps the picture's
hyperlink or a caption with that link. An imported picture is recognised, first that applies:

1. by a QR code in the picture that links to a revision here;
2. by the picture's own hyperlink (PowerPoint), or a link in its caption or its paragraph (Word; on a
   slide with one picture, the slide's text and notes);
3. by its bytes: the same image stored in a revision already.

Only revisions the importing user may view count: a stranger's figure is never revealed, nor linked.
QR codes are read with zxing-cpp (the one QR *reader*; segno, which the client uses, only writes them),
from the picture once its size is within the pixel budget (``figtrail.server.images``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from figtrail.server import blobs
from figtrail.server.access.policy import Actor, Level, allowed
from figtrail.server.catalog.models import Data, Revision
from figtrail.server.ids import parse_uuid
from figtrail.server.images import ImageTooLarge, open_image
from figtrail.server.imports.documents import ExtractedImage

LINK = re.compile(r"/r/([0-9A-Za-z_-]{1,64})(?![0-9A-Za-z_-])")
QR_SIDE = 2000  # pictures are read at most this wide: a QR code big enough to scan survives it


@dataclass(frozen=True)
class Known:
    """A picture's revision here, and how it was recognised ("qr code", "link" or "identical image")."""

    revision: Revision
    by: str


def recognise(image: ExtractedImage, user) -> Known | None:
    actor = Actor(user=user)
    for by, text in [*(("qr code", text) for text in qr_texts(image.payload)), *links_near(image)]:
        for token in LINK.findall(text):
            revision = revision_for_link(token)
            if revision is not None and allowed(actor, revision, Level.VIEW):
                return Known(revision, by)
    for datum in Data.objects.filter(hash=blobs.digest(image.payload), type="image", revision__isnull=False):
        revision = datum.revision
        if allowed(actor, revision, Level.VIEW):
            return Known(revision, "identical image")
    return None


def revision_for_link(token: str) -> Revision | None:
    """The revision ``/r/<token>`` opens: by short id, else by id (as the short link page finds it)."""
    revisions = Revision.objects.select_related("figure__analysis__workspace")
    revision = revisions.filter(short_id=token).first()
    if revision is None and parse_uuid(token):
        revision = revisions.filter(pk=token).first()
    return revision


def qr_texts(payload: bytes) -> list[str]:
    """The text of every QR code in the picture; none for a picture that cannot be read or is too big."""
    import zxingcpp

    try:
        with open_image(payload, reduce_to=(QR_SIDE, QR_SIDE), what="The picture") as picture:
            picture = picture.convert("L")
            if picture.width > QR_SIDE:
                picture.thumbnail((QR_SIDE, QR_SIDE))
            found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    except (ImageTooLarge, OSError, ValueError):
        return []
    return [code.text for code in found if code.text]


def links_near(image: ExtractedImage) -> list[tuple[str, str]]:
    """Links that belong to this picture: its hyperlink, its caption's or paragraph's text, and on a
    slide with one picture the slide's text and notes."""
    meta = image.metadata
    texts = [meta.get("hyperlink") or ""]
    if meta.get("import") == "docx":
        texts += [meta.get("paragraph_text") or "", meta.get("text_after") or ""]
    elif meta.get("pictures_on_slide") == 1:
        texts += [meta.get("slide_text") or "", meta.get("notes_text") or ""]
    return [("link", text) for text in texts if "/r/" in text]
