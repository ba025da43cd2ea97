"""PIL images: stored as they are, as PNG (a raster image has no vector form to offer)."""

from __future__ import annotations

import io
from typing import Any

from figtrail.capture.backends.base import Backend, Snapshot, clean_title


class PilBackend(Backend):
    name = "pil"
    module = "PIL"
    static_formats = ("png", "jpeg", "tiff")

    def _is_figure(self, obj: Any) -> bool:
        from PIL import Image

        return isinstance(obj, Image.Image)

    def title(self, figure: Any) -> str | None:
        info = getattr(figure, "info", None) or {}
        return clean_title(info.get("title") or info.get("Title"))

    def describe(self, figure: Any) -> dict[str, Any]:
        """A picture has no axes or legend to read; its embedded title and its size are all there is."""
        facts: dict[str, Any] = {"image_size": [int(figure.width), int(figure.height)]}
        if title := self.title(figure):
            facts["title"] = title
        return facts

    def snapshot(self, figure: Any, formats: list[str], displayed: dict[str, bytes]) -> Snapshot:
        snap = Snapshot(backend=self.name, title=self.title(figure), facts=self.facts(figure))
        wanted = self.wanted(formats) or ["png"]
        if "png" not in wanted:
            wanted.insert(0, "png")  # the watermark and the web UI need a PNG
        for fmt in wanted:
            snap.rendered[fmt] = encode(figure, fmt)
        return snap


def encode(image: Any, fmt: str) -> bytes:
    if fmt == "jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt.upper())
    return buffer.getvalue()


BACKEND = PilBackend()
