"""The plotting libraries' scripts, served by this server, so that interactive figures work offline.

plotly, Altair (Vega) and bokeh write HTML that loads its library from a public CDN: on a server without
internet access (the usual self-hosted case) the interactive view would be blank and a downloaded file
would not open. The server ships those scripts itself, from the pinned packages of the ``server`` extra:
plotly's ``plotly.min.js``, bokeh's ``bokeh/server/static/js/``, and the Vega + Vega-Lite + Vega-Embed
bundle that vl-convert makes (the one Altair's own ``to_html(inline=True)`` embeds).

Stored bytes never change. When an HTML figure is served, each ``<script src>`` of a known CDN is
pointed at ``/web/scripts/<name>`` (:func:`for_frame`, the sandboxed frame of the revision page) or
replaced by the script itself (:func:`for_download`, a file that must open from disk). Any other script
is left as it is.

A CDN address is matched by library, not by version: the server's copy stands in for whatever version the
figure asked for. plotly.js 2.x to 4.x draw stored figures alike; Vega-Lite compiles older specs (Vega-Embed
warns about the version in the console); a bokeh document of another major version may not render.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from figtrail.files import write_atomic

log = logging.getLogger(__name__)

BOKEH_PARTS = ("bokeh", "bokeh-gl", "bokeh-widgets", "bokeh-tables", "bokeh-mathjax", "bokeh-api")
# The CDN addresses of each library's scripts; bokeh's name the part (bokeh, bokeh-widgets, ...) it loads.
CDNS: dict[str, re.Pattern[str]] = {
    "plotly": re.compile(
        r"(?:https?:)?//cdn\.plot\.ly/plotly(?:-[a-z0-9]+)*?-(?:latest|\d+\.\d+\.\d+(?:-[\w.]+)?)(?:\.min)?\.js",
        re.I,
    ),
    "vega": re.compile(
        r"(?:https?:)?//cdn\.jsdelivr\.net/npm/+(?:vega|vega-lite|vega-embed)@[^/?#]*(?:/[^?#]*)?", re.I
    ),
    "bokeh": re.compile(
        r"(?:https?:)?//cdn\.bokeh\.org/bokeh/(?:release|dev)/"
        r"(?P<part>bokeh(?:-(?:gl|widgets|tables|mathjax|api))?)-\d[\w.-]*?(?:\.min)?\.js",
        re.I,
    ),
}
# An empty <script ...></script>, and its src attribute (quoted or not; ``data-src`` is not it).
SCRIPT_TAG = re.compile(rb"<script\b(?P<attrs>[^>]*)>\s*</script\s*>", re.I)
SRC = re.compile(rb"""(?:^|\s)src\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))""", re.I)
END_OF_SCRIPT = re.compile(r"</(script)", re.I)
BUNDLE_TIMEOUT = 180  # seconds vl-convert may take to bundle Vega (about 3 s on a laptop)


class ScriptUnavailable(RuntimeError):
    """A script the server should serve cannot be had (its package is broken, or bundling failed)."""


@dataclass(frozen=True)
class Script:
    """One script the server serves. ``name`` is its path under ``/web/scripts/`` and carries the version
    of the package it comes from: its URL changes whenever its bytes do, so browsers may keep it for good."""

    name: str
    locate: Callable[[], Path]

    def path(self) -> Path:
        """The file on disk (the Vega bundle is made on first use)."""
        return self.locate()

    def text(self) -> str:
        return self.path().read_text(encoding="utf-8")

    @property
    def url(self) -> str:
        return reverse("web:figure-script", kwargs={"name": self.name})


def _package_dir(module: str) -> Path | None:
    """Where an installed package lives, found without importing it (bokeh's import pulls in numpy)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _file(path: Path) -> Callable[[], Path]:
    return lambda: path


def _plotly() -> dict[str, Script]:
    root = _package_dir("plotly")
    file = root / "package_data" / "plotly.min.js" if root else None
    if file is None or not file.is_file():
        return {}
    return {"plotly": Script(f"plotly-{importlib.metadata.version('plotly')}/plotly.min.js", _file(file))}


def _bokeh() -> dict[str, Script]:
    root = _package_dir("bokeh")
    if root is None:
        return {}
    version = importlib.metadata.version("bokeh")
    found = {}
    for part in BOKEH_PARTS:
        file = root / "server" / "static" / "js" / f"{part}.min.js"
        if file.is_file():
            found[part] = Script(f"bokeh-{version}/{part}.min.js", _file(file))
    return found


def _vega() -> dict[str, Script]:
    if importlib.util.find_spec("vl_convert") is None:
        return {}
    version = importlib.metadata.version("vl-convert-python")
    bundle = functools.partial(_vega_bundle, version)
    return {"vega": Script(f"vl-convert-python-{version}/vega-embed.js", bundle)}


@functools.cache
def available() -> dict[str, Script]:
    """Every script this server can serve, by library key ("plotly", "vega", "bokeh-widgets", ...)."""
    found = {**_plotly(), **_vega(), **_bokeh()}
    for library, package in (("plotly", "plotly"), ("vega", "vl-convert-python"), ("bokeh", "bokeh")):
        if library not in found:
            log.warning(
                "%s figures keep loading their script from its CDN: the %s package is missing "
                '(pip install "figtrail[server]")',
                library,
                package,
            )
    return found


def by_name(name: str) -> Script | None:
    return next((script for script in available().values() if script.name == name), None)


def library_of(url: str) -> str | None:
    """The key of the served script that stands in for a CDN address, or None for any other address."""
    for library, pattern in CDNS.items():
        match = pattern.fullmatch(url.strip())
        if match:
            return (match.groupdict().get("part") or library).lower()
    return None


def _src(attrs: bytes) -> str | None:
    match = SRC.search(attrs)
    if match is None:
        return None
    value = match.group("dq") or match.group("sq") or match.group("bare") or b""
    return value.decode("ascii", errors="replace")


def _rewrite(html: bytes, replacement: Callable[[Script], bytes | None]) -> bytes:
    """Replace each CDN ``<script src>`` tag by ``replacement(script)`` (None keeps the tag). A script
    already put in earlier is dropped: one Vega bundle stands for vega, vega-lite and vega-embed."""
    scripts = available()
    placed: set[str] = set()

    def one(tag: re.Match[bytes]) -> bytes:
        src = _src(tag.group("attrs"))
        script = scripts.get(library_of(src) or "") if src else None
        if script is None:
            return tag.group(0)
        if script.name in placed:
            return b""
        new = replacement(script)
        if new is None:
            return tag.group(0)
        placed.add(script.name)
        return new

    return SCRIPT_TAG.sub(one, html)


def for_frame(html: bytes) -> bytes:
    """The HTML with its CDN scripts loaded from this server (``integrity`` dropped: the copy may differ)."""
    return _rewrite(html, lambda script: f'<script src="{script.url}"></script>'.encode())


def for_download(html: bytes) -> bytes:
    """The HTML with its CDN scripts embedded, so that the file opens from disk with no network."""

    def inline(script: Script) -> bytes | None:
        try:
            text = script.text()
        except (OSError, ScriptUnavailable) as exc:
            log.error("kept the CDN address of %s in a download: %s", script.name, exc)
            return None
        # "</script" inside the script would end the element early; "<\/" means the same to JavaScript.
        return b"<script>" + END_OF_SCRIPT.sub(r"<\\/\1", text).encode() + b"</script>"

    return _rewrite(html, inline)


_bundling = threading.Lock()


def _vega_bundle(version: str) -> Path:
    """vl-convert's Vega + Vega-Lite + Vega-Embed bundle, made once per vl-convert version into
    ``FIGTRAIL_SCRIPT_DIR``. Made in a child process: the bundler starts a V8 runtime (about 130 MB)
    that would otherwise stay in the server process. Wrapped in a function so that its top-level names do
    not collide with the page's own scripts (it sets ``window.vega``, ``vegaLite`` and ``vegaEmbed``)."""
    path = Path(settings.FIGTRAIL_SCRIPT_DIR) / f"vega-embed-vl-convert-{version}.js"
    with _bundling:
        if path.is_file():
            return path
        code = "import sys, vl_convert; sys.stdout.write(vl_convert.javascript_bundle())"
        try:
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, timeout=BUNDLE_TIMEOUT
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ScriptUnavailable(f"vl-convert could not bundle Vega: {exc}") from exc
        if done.returncode != 0 or "vegaEmbed" not in done.stdout:
            raise ScriptUnavailable(f"vl-convert could not bundle Vega: {done.stderr.strip()[-500:]}")
        path.parent.mkdir(parents=True, exist_ok=True)
        # atomic: another process never reads half a bundle
        write_atomic(path, f"(function () {{\n{done.stdout}\n}})();\n".encode(), durable=False)
    return path
