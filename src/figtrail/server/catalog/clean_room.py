"""A revision's clean room: the record a ``@reproducible`` function left, and the "Reproduce" bundle.

Both official clients (Python and R) and figtrail's own send a clean-room revision as ordinary data
objects, flagged ``is_clean_room``: the function's source (``code``, ``metadata.format`` "clean_room"),
a JSON manifest (``text``, ``metadata.role`` "manifest") and one Parquet table per DataFrame parameter
(``dataframe``, ``metadata.format`` "parquet", named after the parameter). The clients name them
differently ("Clean Room Source", "clean_room_code", ...), so they are recognised here by metadata and
flag, never by name.

:func:`bundle` makes the zip the revision page's "Reproduce" button and
``GET revision/<id>/reproduce/`` hand out: the source, the parameter values, the Parquet data, the
manifest's packages pinned in ``requirements.txt``, a README and ``reproduce.py``, which draws the
figure again with ``python reproduce.py`` (it writes ``figure.png``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.views import APIView

from figtrail.server import blobs
from figtrail.server.access import policy
from figtrail.server.access.declarations import LINK
from figtrail.server.access.policy import Level
from figtrail.server.catalog import environment
from figtrail.server.catalog.models import Data, DataType, Revision
from figtrail.server.page_urls import absolute, revision_link
from figtrail.server.payload_responses import payload_response

MAX_MANIFEST_BYTES = 32 * 1024 * 1024  # a manifest holds values (arrays too), not data frames
NO_RECORD = "This revision has no clean-room record (it was not published from a @reproducible function)."
NOT_PYTHON = "Only a Python clean room can be reproduced here; this one is in {language}."


@dataclass
class Parameter:
    """One parameter as the page lists it."""

    name: str
    type: str
    widget: str
    value: str
    bounds: str


@dataclass
class CleanRoomRecord:
    manifest: dict[str, Any]
    manifest_data: Data
    source: Data | None = None
    frames: dict[str, Data] = field(default_factory=dict)
    environment_hidden: bool = False  # the manifest is without the environment (``without_environment``)

    def without_environment(self) -> CleanRoomRecord:
        """The record as a reader without the environment gets it: no language version, no package
        versions (``environment.manifest_without_environment``)."""
        manifest = environment.manifest_without_environment(self.manifest)
        return replace(self, manifest=manifest, environment_hidden=True)

    @property
    def language(self) -> str:
        return str(self.manifest.get("language") or "python").lower()

    @property
    def reproducible(self) -> bool:
        """Whether ``bundle`` can make a script of it: a Python function with its source."""
        return self.language == "python" and self.source is not None

    @property
    def function_name(self) -> str:
        name = self.manifest.get("function_name")
        if not isinstance(name, str) and self.source is not None:
            name = (self.source.metadata or {}).get("function_name")
        return name if isinstance(name, str) and name else "figure"

    def entries(self) -> dict[str, dict[str, Any]]:
        params = self.manifest.get("parameters")
        if not isinstance(params, dict):
            return {}
        return {str(k): v if isinstance(v, dict) else {"value": v} for k, v in params.items()}

    def parameters(self) -> list[Parameter]:
        rows = []
        for name, entry in self.entries().items():
            kind = str(entry.get("type") or "unknown")
            if kind == "dataframe":
                frame = self.frames.get(name)
                value = f"table ({frame.size_bytes} bytes of Parquet)" if frame else "table (not stored)"
            else:
                value = _shown(entry.get("value"))
            rows.append(Parameter(name, kind, str(entry.get("widget") or "static"), value, _bounds(entry)))
        return rows

    def packages(self) -> dict[str, str | None]:
        packages = self.manifest.get("packages")
        if not isinstance(packages, dict):
            return {}
        return {str(k): (str(v) if v else None) for k, v in packages.items()}


def _shown(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounds(entry: dict[str, Any]) -> str:
    if entry.get("widget") == "slider" or any(key in entry for key in ("min", "max", "step")):
        parts = [f"{key} {_shown(entry[key])}" for key in ("min", "max", "step") if key in entry]
        return ", ".join(parts)
    if isinstance(entry.get("choices"), list):
        return "choices: " + ", ".join(_shown(choice, 60) for choice in entry["choices"])
    return ""


def _meta(data: Data, key: str) -> str:
    return str((data.metadata or {}).get(key) or "").lower()


def is_record_part(data: Data) -> bool:
    """The manifest or the function's source of a clean-room record (recognised by what the metadata
    says, never by name: the R client names them differently from the Python one)."""
    if not data.is_clean_room:
        return False
    manifest = data.type == DataType.TEXT and _meta(data, "role") == "manifest"
    return manifest or (data.type == DataType.CODE and _meta(data, "format") == "clean_room")


def record_of(revision: Revision) -> CleanRoomRecord | None:
    """The clean-room record of ``revision``, or None when it has none (or its manifest is unreadable)."""
    rows = [row for row in revision.data.all() if row.is_clean_room]
    manifests = [row for row in rows if row.type == DataType.TEXT and _meta(row, "role") == "manifest"]
    if not manifests or manifests[-1].size_bytes > MAX_MANIFEST_BYTES:
        return None
    try:
        manifest = json.loads(blobs.read(manifests[-1]))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    sources = [row for row in rows if row.type == DataType.CODE and _meta(row, "format") == "clean_room"]
    frames = {
        row.name or "": row
        for row in rows
        if row.type == DataType.DATAFRAME and _meta(row, "format") == "parquet"
    }
    return CleanRoomRecord(manifest, manifests[-1], sources[-1] if sources else None, frames)


def _file_name(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name) or "data"


def requirements(record: CleanRoomRecord) -> str:
    """The manifest's packages, pinned where it knows their version; what ``reproduce.py`` itself needs
    (matplotlib, and pandas and pyarrow for tables) is added, unpinned, when the manifest lacks it."""
    packages = record.packages()
    needed = ["matplotlib"] + (["pandas", "pyarrow"] if record.frames else [])
    known = {name.lower().replace("_", "-") for name in packages}
    lines = [f"{name}=={version}" if version else name for name, version in packages.items()]
    lines += [name for name in needed if name not in known]
    return "\n".join(lines) + "\n"


def bundle(record: CleanRoomRecord, revision: Revision, link: str) -> bytes:
    """The Reproduce zip of a Python clean room, in one folder named after the revision."""
    assert record.source is not None
    folder = f"reproduce-{revision.short_id or revision.pk}"
    entries = record.entries()
    values = {name: e.get("value") for name, e in entries.items() if e.get("type") != "dataframe"}
    frames = {name: f"data/{_file_name(name)}.parquet" for name in entries if name in record.frames}
    parameters = {"function_name": record.function_name, "values": values, "frames": frames}
    files = {
        "README.md": readme(record, revision, link, folder).encode(),
        "reproduce.py": REPRODUCE_PY.encode(),
        "function.py": blobs.read(record.source),
        "parameters.json": json.dumps(parameters, indent=2, ensure_ascii=False).encode(),
        "manifest.json": (
            json.dumps(record.manifest, indent=2, ensure_ascii=False).encode()
            if record.environment_hidden
            else blobs.read(record.manifest_data)
        ),
        "requirements.txt": requirements(record).encode(),
    }
    for name, path in frames.items():
        files[path] = blobs.read(record.frames[name])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            archive.writestr(f"{folder}/{path}", content)
    return buffer.getvalue()


def download_name(revision: Revision) -> str:
    return f"reproduce-{revision.short_id or revision.pk}.zip"


def readme(record: CleanRoomRecord, revision: Revision, link: str, folder: str) -> str:
    version = str(record.manifest.get("language_version") or "")
    python = ".".join(version.split(".")[:2]) or "3"
    rows = "\n".join(
        f"| `{p.name}` | {p.widget} | {p.type} | `{p.value}` | {p.bounds} |" for p in record.parameters()
    )
    return README.format(
        figure=revision.figure.name,
        index=revision.revision_index,
        link=link,
        function=record.function_name,
        python=python,
        version=version or "unknown",
        folder=folder,
        rows=rows or "| (none) | | | | |",
    ) + (HIDDEN_NOTE if record.environment_hidden else "")


HIDDEN_NOTE = """
## Without its environment

The publisher shares this figure without the environment it was made in: the Python version and the
packages' versions are left out of `manifest.json`, and `requirements.txt` names the packages unpinned,
so the picture may differ where a newer version draws it differently.
"""


README = """# Reproduce "{figure}", revision {index}

This folder draws the figure of {link} again, from what the `@reproducible` function
`{function}` ran with: its source (`function.py`), its parameter values (`parameters.json`, and one
Parquet file in `data/` per table), and the packages it used (`requirements.txt`, pinned to the versions
it ran with). `manifest.json` is the record as it was published.

## One command

With Python {python} (the figure was made with Python {version}):

```
cd {folder}
python -m venv .venv
.venv/bin/pip install -r requirements.txt      # on Windows: .venv\\Scripts\\pip
.venv/bin/python reproduce.py                  # writes figure.png
```

`python reproduce.py other.png` writes elsewhere. Change a value in `parameters.json` (or replace a
Parquet file) and run it again to draw a variation.

## Parameters

| name | control | type | value | bounds or choices |
| --- | --- | --- | --- | --- |
{rows}

The function runs as it did when it was published: with only its parameters, the packages in
`manifest.json`'s `imports` and Python's builtins. A matplotlib figure is written the way figtrail's
client stores it in a script (cropped to its drawn area plus matplotlib's `savefig.pad_inches`), so the
picture matches the revision's PNG when the same package versions draw it.
"""

# The script of the bundle. It stands alone: it needs the packages of requirements.txt, not figtrail.
REPRODUCE_PY = '''"""Draw the figure of this clean-room record again: ``python reproduce.py [figure.png]``."""

import builtins
import importlib
import io
import json
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARGIN = 1.0  # inches drawn around the figure before it is cropped to what is drawn


def load():
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    parameters = json.loads((HERE / "parameters.json").read_text(encoding="utf-8"))
    values = dict(parameters["values"])
    for name, path in parameters["frames"].items():
        import pandas

        values[name] = pandas.read_parquet(HERE / path, engine="pyarrow")
    return manifest, parameters["function_name"], values


def clean_function(manifest, values, published):
    """The recorded body as a function of the recorded parameters, with nothing but its packages."""
    namespace = {"__builtins__": builtins, "__name__": "__clean_room__"}
    for alias, module in (manifest.get("imports") or {}).items():
        namespace[alias] = importlib.import_module(module)

    def publish(fig=None, target=None, **kwargs):
        published.append(fig if fig is not None else _current_figure())

    namespace["publish"] = publish
    body = (HERE / "function.py").read_text(encoding="utf-8")
    code = "def _reproduced(" + ", ".join(values) + "):\\n" + textwrap.indent(body, "    ") + "\\n    pass\\n"
    exec(compile(code, str(HERE / "function.py"), "exec"), namespace)
    return namespace["_reproduced"]


def _current_figure():
    pyplot = sys.modules.get("matplotlib.pyplot")
    return pyplot.gcf() if pyplot is not None and pyplot.get_fignums() else None


def main(out="figure.png"):
    import matplotlib

    matplotlib.use("Agg")
    manifest, name, values = load()
    dpi = (manifest.get("rendering") or {}).get("dpi")
    if dpi:
        matplotlib.rcParams["figure.dpi"] = dpi
    published = []
    result = clean_function(manifest, values, published)(**values)
    figure = published[-1] if published else result if hasattr(result, "savefig") else _current_figure()
    if figure is None:
        sys.exit(f"{name}() drew no figure that this script can save")
    if hasattr(figure, "savefig"):
        save_png(figure, HERE / out)
    elif hasattr(figure, "write_image"):  # plotly
        figure.write_image(str(HERE / out))
    elif hasattr(figure, "save"):  # plotnine, altair
        figure.save(str(HERE / out))
    else:
        sys.exit(f"{name}() returned a {type(figure).__name__}, which this script cannot save")
    print(f"wrote {HERE / out}")


def save_png(figure, path):
    """The PNG cropped to what is drawn, plus savefig.pad_inches: figtrail's script rendering."""
    import numpy as np
    from matplotlib import colors, rcParams
    from matplotlib.transforms import Bbox
    from PIL import Image

    dpi = figure.dpi
    margin = round(MARGIN * dpi)
    width, height = figure.bbox.width + 2 * margin, figure.bbox.height + 2 * margin
    area = Bbox.from_extents(-margin / dpi, -margin / dpi, (width - margin) / dpi, (height - margin) / dpi)
    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", bbox_inches=area)
    width, height = round(width), round(height)
    if len(raw.getbuffer()) != width * height * 4:
        figure.savefig(path, bbox_inches="tight")
        return
    pixels = np.frombuffer(raw.getbuffer(), np.uint8).reshape(height, width, 4)
    face = np.round(np.array(colors.to_rgba(figure.get_facecolor())) * 255).astype(np.uint8)
    ink = (pixels != face).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size or rows[0] == 0 or cols[0] == 0 or rows[-1] == height - 1 or cols[-1] == width - 1:
        figure.savefig(path, bbox_inches="tight")
        return
    pad = round(float(rcParams["savefig.pad_inches"]) * dpi)
    top, bottom = max(int(rows[0]) - pad, 0), min(int(rows[-1]) + 1 + pad, height)
    left, right = max(int(cols[0]) - pad, 0), min(int(cols[-1]) + 1 + pad, width)
    image = Image.fromarray(pixels[top:bottom, left:right].copy())
    if bool((pixels[top:bottom, left:right, 3] == 255).all()):
        image = image.convert("RGB")
    image.save(path, format="PNG")


if __name__ == "__main__":
    main(*sys.argv[1:2])
'''


def reproducible_record(revision: Revision) -> CleanRoomRecord:
    """The record ``bundle`` can reproduce, or the 404 that says why there is none."""
    record = record_of(revision)
    if record is None:
        raise NotFound(NO_RECORD)
    if not record.reproducible:
        raise NotFound(NOT_PYTHON.format(language=record.language))
    return record


def zip_response(record: CleanRoomRecord, revision: Revision, link: str, *, hide_environment: bool = False):
    """The Reproduce zip as a download; ``hide_environment``: without the environment
    (``policy.environment_hidden`` says for whom)."""
    if hide_environment:
        record = record.without_environment()
    return payload_response(
        bundle(record, revision, link), "zip", inline=False, filename=download_name(revision), cache="private"
    )


class RevisionReproduce(APIView):
    """``GET revision/<id>/reproduce/``: the Reproduce zip of a clean-room revision (404 without one)."""

    access = {"get": LINK}  # as GET revision/<id>/: whoever may see the revision

    @extend_schema(responses={(200, "application/zip"): bytes}, tags=["revision"])
    def get(self, request, pk, *args, **kwargs):
        actor = policy.actor_of(request)
        try:
            revision = policy.get_or_404(Revision, pk, related=("figure__analysis__workspace",))
            policy.check(actor, revision, Level.VIEW)
        except (NotFound, PermissionDenied):
            if not actor.is_authenticated:  # signed out: ask for credentials, reveal nothing
                raise NotAuthenticated() from None
            raise
        record = reproducible_record(revision)
        hidden = policy.environment_hidden(actor, revision)
        return zip_response(
            record, revision, absolute(request, revision_link(revision)), hide_environment=hidden
        )
