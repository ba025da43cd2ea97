"""What the server reads off a revision's picture, without any AI provider: a perceptual hash and text.

- :func:`perceptual_hash`: the image's 64-bit DCT hash (``imagehash.phash``) as 16 hex digits. Two
  renderings of the same chart (a tweak of the data, a title changed by a word) are a few bits apart;
  different charts are 20 or more (:data:`NEAR_DUPLICATE_BITS` is the line between).
- :func:`read_text`: the words Tesseract OCR finds (``pytesseract`` and the Debian package
  ``tesseract-ocr``, offline), and the title among them: the tallest line of words, where a figure's
  title usually stands out. Without the ``tesseract`` program there is no text (:func:`ocr_available`).

Both open the image through :func:`figtrail.server.images.open_image`, so a decompression bomb is never
decoded; both answer "nothing read" rather than raise for bytes that are no picture.
"""

from __future__ import annotations

import logging
import shutil
import statistics
from dataclasses import dataclass

from PIL import Image

from figtrail.server import blobs
from figtrail.server.catalog.models import Data, Revision
from figtrail.server.images import open_image
from figtrail.server.payload_responses import RASTER_FORMATS

log = logging.getLogger(__name__)

NEAR_DUPLICATE_BITS = 8  # of 64: at most this many bits apart is "the same figure, redrawn"
OCR_MAX_SIDE = 2400  # pixels: larger images are scaled down before OCR (time grows with the area)
OCR_MIN_SIDE = 1600  # pixels: smaller images are enlarged to this before OCR
OCR_TIMEOUT_SECONDS = 30
OCR_MIN_CONFIDENCE = 60  # Tesseract's per-word confidence, 0 to 100
# sparse text (page segmentation mode 11): a chart's words are scattered, not a page of paragraphs, and
# read so, Tesseract finds the tick labels a title is measured against
OCR_CONFIG = "--psm 11"
MAX_TEXT = 20_000  # characters of OCR text kept on a revision
NO_PICTURE = ""  # ``Revision.phash`` of a revision read without a picture to hash: read, nothing found


@dataclass(frozen=True)
class Reading:
    """The text OCR found in an image (lines, top to bottom) and the line that looks like its title."""

    text: str = ""
    title: str | None = None


def primary_image(rows: list[Data]) -> Data | None:
    """The picture a revision is read from: its first raster image, unwatermarked ones first (the
    watermark's QR code and link would be read as text)."""
    images = [
        row
        for row in rows
        if row.type == "image" and str((row.metadata or {}).get("format", "")).lower() in RASTER_FORMATS
    ]
    images.sort(key=lambda row: bool((row.metadata or {}).get("is_watermarked")))
    return images[0] if images else None


def perceptual_hash(payload: bytes) -> str | None:
    """The image's perceptual hash (16 hex digits), or None if it cannot be read."""
    try:
        import imagehash
    except ImportError:  # the server extra installs it; a bare install reads no hashes
        return None
    try:
        with open_image(payload, reduce_to=(512, 512)) as image:
            return str(imagehash.phash(_flattened(image)))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("no perceptual hash: %s", exc)
        return None


def read_picture(revision: Revision, *, with_text: bool = False) -> tuple[str, str | None]:
    """The perceptual hash of the revision's picture (``NO_PICTURE`` without one) and, if asked and OCR
    is installed, its text; kept on the revision when it had none (a concurrent reader's stays)."""
    image = primary_image(list(revision.data.all()))
    phash, text = NO_PICTURE, None
    if image is not None:
        payload = blobs.read(image)  # from the store that holds it (an organization's bucket)
        phash = perceptual_hash(payload) or NO_PICTURE
        if with_text and ocr_available():
            text = read_text(payload).text
    changes: dict = {"phash": phash} | ({"image_text": text} if text is not None else {})
    Revision.objects.filter(pk=revision.pk, phash=None).update(**changes)
    return phash, text


def hash_distance(first: str, second: str) -> int:
    """How many of the 64 bits two perceptual hashes differ in."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def ocr_available() -> bool:
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return shutil.which("tesseract") is not None


def read_text(payload: bytes) -> Reading:
    """The words in the image and its title, by OCR; an empty :class:`Reading` when OCR is not
    installed, fails or finds nothing."""
    if not ocr_available():
        return Reading()
    import pytesseract

    try:
        with open_image(payload, reduce_to=(OCR_MAX_SIDE, OCR_MAX_SIDE)) as image:
            picture = _flattened(image)
            picture.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE))
            if max(picture.size) < OCR_MIN_SIDE:  # small text is read (and measured) better enlarged
                scale = OCR_MIN_SIDE / max(picture.size)
                enlarged = (round(picture.width * scale), round(picture.height * scale))
                picture = picture.resize(enlarged, Image.Resampling.LANCZOS)
            words = pytesseract.image_to_data(
                picture,
                output_type=pytesseract.Output.DICT,
                timeout=OCR_TIMEOUT_SECONDS,
                config=OCR_CONFIG,
            )
    except (OSError, ValueError, RuntimeError, Image.DecompressionBombError) as exc:
        log.info("no OCR text: %s", exc)  # RuntimeError: Tesseract failed or timed out
        return Reading()
    return _reading(words)


def _flattened(image: Image.Image) -> Image.Image:
    """RGB on white: a transparent figure's background reads as the white it is shown on."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def _reading(words: dict) -> Reading:
    """Tesseract's words grouped into lines, top to bottom, and the title among them: a line of real
    words (scatter markers read as "e", "ee", "°" are not), written across (a rotated axis label is
    tall and narrow), read with confidence, in the top quarter of the text (titles are on top; axis
    labels and notes below), and in a font clearly larger than the rest (tick labels, legends); the
    largest such line, or the only text there is."""
    lines: dict[tuple, list[tuple[str, float, int, int, int, int]]] = {}
    for index, text in enumerate(words.get("text", [])):
        text = (text or "").strip()
        try:
            confidence = float(words["conf"][index])
        except (TypeError, ValueError):
            continue
        if not (_is_word(text) or any(c.isdigit() for c in text)) or confidence < OCR_MIN_CONFIDENCE:
            continue
        key = (words["block_num"][index], words["par_num"][index], words["line_num"][index])
        box = (int(words[name][index]) for name in ("height", "top", "left", "width"))
        entry = (text, confidence, *box)
        lines.setdefault(key, []).append(entry)
    found = []  # (top, bottom, font size, confidence, text, is words, written across)
    for entries in lines.values():
        line = " ".join(entry[0] for entry in entries)
        size = statistics.median(_font_size(entry[0], entry[2]) for entry in entries)
        confidence = statistics.mean(entry[1] for entry in entries)
        width = max(entry[4] + entry[5] for entry in entries) - min(entry[4] for entry in entries)
        height = max(entry[2] for entry in entries)
        wordy = sum(_is_word(entry[0]) for entry in entries) * 2 >= len(entries)
        top = min(entry[3] for entry in entries)
        found.append((top, top + height, size, confidence, line, wordy, width >= height))
    found.sort()
    text = "\n".join(line[4] for line in found)[:MAX_TEXT]
    across = [line for line in found if line[6]]  # a rotated label's height is its length
    if not across:
        return Reading(text=text)
    first, last = min(line[0] for line in across), max(line[1] for line in across)
    on_top = first + (last - first) / 4
    candidates = [line for line in across if line[5] and line[3] >= 80 and line[0] <= on_top]
    if not candidates:
        return Reading(text=text)
    title = max(candidates, key=lambda line: (line[2], -line[0]))  # the largest; the topmost of equals
    others = [line[2] for line in across if line is not title]
    if others and title[2] < 1.15 * statistics.median(others):  # no larger than tick labels, legends
        return Reading(text=text)
    return Reading(text=text, title=title[4].strip(STRAY)[:500] or None)


STRAY = " \"'‘’“”`.,:;|_-—~«»"  # read at the ends of a title from the edges of its letters or frame
ASCENDING = set("bdfhiklt0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DESCENDING = set("gjpqy")


def _font_size(token: str, height: int) -> float:
    """A word's font size from the height of its box: "one" spans the x-height only, "Power" and "10"
    reach up, "speed" up and down; each fills a known share of the font's size."""
    share = 0.5 + 0.25 * any(c in ASCENDING for c in token) + 0.25 * any(c in DESCENDING for c in token)
    return height / share


def _is_word(token: str) -> bool:
    """At least two letters, not all the same one ("ee" is a cluster of markers, "GDP" a word)."""
    letters = [c.casefold() for c in token if c.isalpha()]
    return len(letters) >= 2 and len(set(letters)) >= 2
