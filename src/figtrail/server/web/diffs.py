"""What changed between two revisions: text (code, environment), metadata, and pixels.

Text is compared with :mod:`difflib` and pixels with Pillow's ``ImageChops``; both run on the server so
the page needs no diff library of its own.
"""

from __future__ import annotations

import difflib
import io
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.cache import cache
from PIL import Image, ImageChops, ImageOps

from figtrail.server import blobs
from figtrail.server.images import check_canvas, open_image

if TYPE_CHECKING:
    from figtrail.server.catalog.models import Data

CONTEXT_LINES = 3
PIXEL_THRESHOLD = 16  # per-channel difference below which a pixel counts as unchanged (antialiasing noise)
HIGHLIGHT = (230, 20, 80)


@dataclass
class DiffLine:
    kind: str  # "same", "add", "del", "gap"
    old_no: int | None
    new_no: int | None
    text: str


@dataclass
class TextDiff:
    name: str
    lines: list[DiffLine] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    status: str = "changed"  # "changed", "same", "added", "removed"


def text_diff(name: str, old: str | None, new: str | None) -> TextDiff:
    """A unified diff with a few lines of context around each change."""
    if old is None or new is None:
        status = "added" if old is None else "removed"
        text = new if old is None else old
        kind = "add" if old is None else "del"
        lines = [
            DiffLine(kind, None if kind == "add" else i, i if kind == "add" else None, line)
            for i, line in enumerate((text or "").splitlines(), 1)
        ]
        return TextDiff(
            name, lines, len(lines) if kind == "add" else 0, len(lines) if kind == "del" else 0, status
        )
    a, b = old.splitlines(), new.splitlines()
    result = TextDiff(name)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        if result.lines:
            result.lines.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                result.lines += [
                    DiffLine("same", i + 1, j + 1, a[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            if tag in ("replace", "delete"):
                result.lines += [DiffLine("del", i + 1, None, a[i]) for i in range(i1, i2)]
                result.removed += i2 - i1
            if tag in ("replace", "insert"):
                result.lines += [DiffLine("add", None, j + 1, b[j]) for j in range(j1, j2)]
                result.added += j2 - j1
    if not result.lines:
        result.status = "same"
    return result


def flatten(value, prefix: str = "") -> dict[str, str]:
    """Nested metadata as ``{"git.branch": "main", ...}`` with JSON-rendered leaves."""
    if isinstance(value, dict) and value:
        flat: dict[str, str] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if not prefix:
        return {}
    return {prefix: value if isinstance(value, str) else json.dumps(value, sort_keys=True)}


@dataclass
class MetadataRow:
    key: str
    old: str | None
    new: str | None

    @property
    def status(self) -> str:
        if self.old == self.new:
            return "same"
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "changed"


def metadata_diff(old: dict | None, new: dict | None) -> list[MetadataRow]:
    a, b = flatten(old or {}), flatten(new or {})
    return [MetadataRow(key, a.get(key), b.get(key)) for key in sorted(a.keys() | b.keys())]


@dataclass
class PixelDiff:
    png: bytes
    changed_fraction: float
    size: tuple[int, int]


def _flatten_rgb(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The image on a white canvas of ``size`` (so images of different sizes line up top-left)."""
    canvas = Image.new("RGB", size, "white")
    rgba = image.convert("RGBA")
    canvas.paste(rgba, (0, 0), rgba)
    return canvas


def pixel_diff(old_png: bytes, new_png: bytes) -> PixelDiff:
    """The new image faded to grey, with every pixel that differs from the old one in a strong colour.

    ``ImageTooLarge`` when either image, or the canvas both are laid on, is over the pixel budget: then
    nothing is decoded."""
    with (
        open_image(old_png, what="The old image") as old_image,
        open_image(new_png, what="The new image") as new_image,
    ):
        size = (max(old_image.width, new_image.width), max(old_image.height, new_image.height))
        check_canvas(*size, what="The canvas of the pixel difference")
        old_rgb, new_rgb = _flatten_rgb(old_image, size), _flatten_rgb(new_image, size)
    difference = ImageChops.difference(old_rgb, new_rgb).convert("L")
    mask = difference.point(lambda level: 255 if level > PIXEL_THRESHOLD else 0)
    changed = mask.histogram()[255]
    faded = Image.blend(ImageOps.grayscale(new_rgb).convert("RGB"), Image.new("RGB", size, "white"), 0.65)
    faded.paste(Image.new("RGB", size, HIGHLIGHT), (0, 0), mask)
    out = io.BytesIO()
    faded.save(out, format="PNG", optimize=True)
    return PixelDiff(out.getvalue(), changed / (size[0] * size[1]), size)


def cached_pixel_diff(old: Data, new: Data) -> PixelDiff:
    """Computed once per pair of images; the PNG is kept in the blob store of the newer image (an
    organization's data stays in its bucket), the numbers in the cache."""
    store_id = new.store_id
    key = f"pixeldiff:{old.hash}:{new.hash}" + (f":{store_id}" if store_id is not None else "")
    cached = cache.get(key)
    if cached and blobs.exists(cached["hash"], store_id):
        return PixelDiff(blobs.get(cached["hash"], store_id), cached["fraction"], tuple(cached["size"]))
    result = pixel_diff(blobs.read(old), blobs.read(new))
    stored = blobs.put(result.png, store_id)
    cache.set(key, {"hash": stored, "fraction": result.changed_fraction, "size": result.size}, None)
    return result
