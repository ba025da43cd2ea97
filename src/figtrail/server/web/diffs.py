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
from PIL import Image, ImageChops, ImageOps, ImageStat

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
    """Nested metadata as ``{"git.branch": "main", ...}`` with JSON-rendered leaves (strings as they are).

    Written without recursion and with the common leaves rendered directly (a figure page flattens the
    metadata of every revision of a figure: thousands of dictionaries)."""
    flat: dict[str, str] = {}
    if not (isinstance(value, dict) and value):
        if prefix:
            flat[prefix] = _leaf(value)
        return flat
    stack = [(prefix, iter(value.items()))]  # depth first, in the dictionaries' own order
    while stack:
        path, items = stack[-1]
        for key, item in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(item, dict) and item:
                stack.append((name, iter(item.items())))
                break
            flat[name] = _leaf(item)
        else:
            stack.pop()
    return flat


def _leaf(value) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if type(value) is int:
        return str(value)
    return json.dumps(value, sort_keys=True)


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


ALIGNMENTS = {"auto": "Best match", "center": "Centre", "top-left": "Top left"}
MAX_TOLERANCE = 255
SEARCH_SIDE = 160  # the longer side of the reduced images the best placement is first searched on
MAX_SHIFT_SEARCH = 64 * 64  # candidate placements tried at most, on the reduced images
FINE_PIXELS = 8_000_000  # the placement is refined on copies of at most this many pixels


@dataclass(frozen=True)
class Placement:
    """Where two images sit, at their own size (never scaled), on one canvas that holds both: the
    canvas is as wide and as tall as the larger of them, and each image's top-left corner is at its
    offset. The page lays its images out the same way, so that the slider, the overlay and the pixel
    difference line up with each other."""

    canvas: tuple[int, int]
    a: tuple[int, int, int, int]  # x, y, width, height
    b: tuple[int, int, int, int]
    align: str

    @property
    def same_size(self) -> bool:
        return self.a[2:] == self.b[2:]


def _anchored(size_a: tuple[int, int], size_b: tuple[int, int], align: str) -> Placement:
    width, height = max(size_a[0], size_b[0]), max(size_a[1], size_b[1])

    def at(size: tuple[int, int]) -> tuple[int, int, int, int]:
        if align == "top-left":
            return (0, 0, *size)
        return ((width - size[0]) // 2, (height - size[1]) // 2, *size)

    return Placement((width, height), at(size_a), at(size_b), align)


def _mismatch(a: Image.Image, b: Image.Image, pa: tuple[int, int], pb: tuple[int, int]) -> float:
    """Mean difference (grey levels) where the two images overlap at these offsets. On each axis the
    smaller image lies within the larger, so the overlap is as large wherever the smaller one is."""
    x0, y0 = max(pa[0], pb[0]), max(pa[1], pb[1])
    x1, y1 = min(pa[0] + a.width, pb[0] + b.width), min(pa[1] + a.height, pb[1] + b.height)
    if x1 <= x0 or y1 <= y0:
        return 255.0
    first = a.crop((x0 - pa[0], y0 - pa[1], x1 - pa[0], y1 - pa[1]))
    second = b.crop((x0 - pb[0], y0 - pb[1], x1 - pb[0], y1 - pb[1]))
    return ImageStat.Stat(ImageChops.difference(first, second)).mean[0]


def _search(a: Image.Image, b: Image.Image, moving: tuple[str, str], ranges) -> tuple[int, int]:
    """The offset (x, y) of the smaller image on each axis (``moving`` names it) whose overlap differs
    least; ties go to the offset nearest the middle of its range."""
    best: tuple[float, float, tuple[int, int]] | None = None
    for x in ranges[0]:
        for y in ranges[1]:
            pa = (x if moving[0] == "a" else 0, y if moving[1] == "a" else 0)
            pb = (x if moving[0] == "b" else 0, y if moving[1] == "b" else 0)
            middle = abs(x - (ranges[0][0] + ranges[0][-1]) / 2) + abs(y - (ranges[1][0] + ranges[1][-1]) / 2)
            candidate = (_mismatch(a, b, pa, pb), middle, (x, y))
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    assert best is not None
    return best[2]


def _reduced(image: Image.Image, scale: float) -> Image.Image:
    if scale <= 1:
        return image
    size = (max(1, round(image.width / scale)), max(1, round(image.height / scale)))
    return image.resize(size, Image.Resampling.BOX)


def best_placement(image_a: Image.Image, image_b: Image.Image) -> Placement:
    """Images of slightly different sizes (``bbox_inches="tight"`` trims to what is drawn, so a longer
    title or wider tick labels change the size) placed where their content matches best: searched on
    copies reduced to ``SEARCH_SIDE``, then refined on copies twice as large each time, up to full size
    (or ``FINE_PIXELS``). Same-size images are placed at the origin."""
    size_a, size_b = image_a.size, image_b.size
    canvas = (max(size_a[0], size_b[0]), max(size_a[1], size_b[1]))
    if size_a == size_b:
        return Placement(canvas, (0, 0, *size_a), (0, 0, *size_b), "auto")
    moving = ("a" if size_a[0] < size_b[0] else "b", "a" if size_a[1] < size_b[1] else "b")
    grey_a = _flatten_rgb(image_a, size_a).convert("L")
    grey_b = _flatten_rgb(image_b, size_b).convert("L")
    scale = max(1.0, max(canvas) / SEARCH_SIDE)
    found: tuple[float, float] | None = None  # the smaller image's offset, in full-size pixels
    window = 0
    while True:
        small_a, small_b = _reduced(grey_a, scale), _reduced(grey_b, scale)
        free = (abs(small_a.width - small_b.width), abs(small_a.height - small_b.height))
        if found is None:
            step = 1
            while (free[0] // step + 1) * (free[1] // step + 1) > MAX_SHIFT_SEARCH:
                step += 1
            ranges = tuple(sorted({*range(0, f + 1, step), f}) for f in free)
            window = 2 * step + 2
        else:
            centre = (round(found[0] / scale), round(found[1] / scale))
            ranges = tuple(
                list(range(max(0, c - window), min(f, c + window) + 1))
                for c, f in zip(centre, free, strict=True)
            )
            window = 3
        offset = _search(small_a, small_b, moving, ranges)
        found = (offset[0] * scale, offset[1] * scale)
        if scale <= 1:
            break
        scale = max(1.0, scale / 2)
        if canvas[0] * canvas[1] / (scale * scale) > FINE_PIXELS:
            break
    x, y = (min(abs(size_a[i] - size_b[i]), max(0, round(found[i]))) for i in range(2))
    pa = (x if moving[0] == "a" else 0, y if moving[1] == "a" else 0)
    pb = (x if moving[0] == "b" else 0, y if moving[1] == "b" else 0)
    return Placement(canvas, (*pa, *size_a), (*pb, *size_b), "auto")


def placement(image_a: Image.Image, image_b: Image.Image, align: str) -> Placement:
    if align == "auto":
        return best_placement(image_a, image_b)
    return _anchored(image_a.size, image_b.size, align)


@dataclass
class PixelDiff:
    png: bytes
    changed_fraction: float
    size: tuple[int, int]
    placement: Placement | None = None


def _flatten_rgb(image: Image.Image, size: tuple[int, int], at: tuple[int, int] = (0, 0)) -> Image.Image:
    """The image on a white canvas of ``size``, its top-left corner at ``at``."""
    canvas = Image.new("RGB", size, "white")
    rgba = image.convert("RGBA")
    canvas.paste(rgba, at, rgba)
    return canvas


def pixel_diff(
    old_png: bytes, new_png: bytes, tolerance: int = PIXEL_THRESHOLD, align: str = "auto"
) -> PixelDiff:
    """The new image faded to grey, with every pixel that differs from the old one by more than
    ``tolerance`` (per channel, 0-255) in a strong colour; the two are laid on one canvas as
    :func:`placement` puts them (``align``: auto, center or top-left).

    ``ImageTooLarge`` when either image, or the canvas both are laid on, is over the pixel budget: then
    nothing is decoded."""
    tolerance = min(MAX_TOLERANCE, max(0, int(tolerance)))
    with (
        open_image(old_png, what="The old image") as old_image,
        open_image(new_png, what="The new image") as new_image,
    ):
        size = (max(old_image.width, new_image.width), max(old_image.height, new_image.height))
        check_canvas(*size, what="The canvas of the pixel difference")
        where = placement(old_image, new_image, align)
        old_rgb = _flatten_rgb(old_image, size, where.a[:2])
        new_rgb = _flatten_rgb(new_image, size, where.b[:2])
    difference = ImageChops.difference(old_rgb, new_rgb).convert("L")
    mask = difference.point(lambda level: 255 if level > tolerance else 0)
    changed = mask.histogram()[255]
    faded = Image.blend(ImageOps.grayscale(new_rgb).convert("RGB"), Image.new("RGB", size, "white"), 0.65)
    faded.paste(Image.new("RGB", size, HIGHLIGHT), (0, 0), mask)
    out = io.BytesIO()
    faded.save(out, format="PNG", optimize=True)
    return PixelDiff(out.getvalue(), changed / (size[0] * size[1]), size, where)


def _placement_key(old: Data, new: Data, align: str) -> str:
    return f"placement:{old.hash}:{new.hash}:{align}"


def cached_placement(old: Data, new: Data, align: str = "auto") -> Placement:
    """Where the page lays the two images (see :class:`Placement`), worked out once per pair."""
    key = _placement_key(old, new, align)
    cached = cache.get(key)
    if cached:
        return Placement(tuple(cached["canvas"]), tuple(cached["a"]), tuple(cached["b"]), cached["align"])
    with (
        open_image(blobs.read(old), what="The old image") as old_image,
        open_image(blobs.read(new), what="The new image") as new_image,
    ):
        check_canvas(
            max(old_image.width, new_image.width),
            max(old_image.height, new_image.height),
            what="The canvas of the comparison",
        )
        where = placement(old_image, new_image, align)
    cache.set(key, {"canvas": where.canvas, "a": where.a, "b": where.b, "align": where.align}, None)
    return where


def cached_pixel_diff(
    old: Data, new: Data, tolerance: int = PIXEL_THRESHOLD, align: str = "auto"
) -> PixelDiff:
    """Computed once per pair of images, tolerance and alignment; the PNG is kept in the blob store of
    the newer image (an organization's data stays in its bucket), the numbers in the cache."""
    store_id = new.store_id
    key = f"pixeldiff:{old.hash}:{new.hash}:{tolerance}:{align}" + (
        f":{store_id}" if store_id is not None else ""
    )
    cached = cache.get(key)
    if cached and blobs.exists(cached["hash"], store_id):
        return PixelDiff(blobs.get(cached["hash"], store_id), cached["fraction"], tuple(cached["size"]))
    result = pixel_diff(blobs.read(old), blobs.read(new), tolerance, align)
    stored = blobs.put(result.png, store_id)
    cache.set(key, {"hash": stored, "fraction": result.changed_fraction, "size": result.size}, None)
    if result.placement is not None:
        where = result.placement
        cache.set(
            _placement_key(old, new, align),
            {"canvas": where.canvas, "a": where.a, "b": where.b, "align": where.align},
            None,
        )
    return result
