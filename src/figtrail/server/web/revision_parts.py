"""A revision's data objects sorted into what its page shows: images, code, text, tables and files."""

from __future__ import annotations

from dataclasses import dataclass, field

from figtrail.server.catalog import environment as environment_keys
from figtrail.server.catalog.data_formats import data_format
from figtrail.server.catalog.models import AssetRevision, Data, DataType, Revision
from figtrail.server.payload_responses import PICTURE_FORMATS
from figtrail.server.web.diffs import flatten
from figtrail.server.web.payloads import FORMAT_LABELS, INLINE_FORMATS

# The environment's keys as the page lists them, in this order: figtrail's client writes python_version,
# kernel, packages, host and os; the official gofigr client hostname and platform
ENVIRONMENT_KEYS = (
    "python_version",
    "notebook_kernel",
    "backend",
    "kernel",
    "platform",
    "os",
    "hostname",
    "host",
    "packages",
)
RUN_KEYS = (
    "notebook_name",
    "notebook_path",
    "cell_id",
    "execution_count",
    "argv",
    "script",
    "cwd",
    "url",  # the official gofigr client: the Jupyter server's address
    # what the R client records of its session
    "input",
    "getwd",
    "R version",
    "R details",
    "Sys.info()",
    "rsvg",
)
FIGURE_KEYS = ("title", "axis_labels", "series", "axes")  # what the figure itself shows (figure facts)
# What annotators and the figure record (the environment as catalog.environment defines it, the run, the
# figure's facts): everything else in a revision's metadata is the user's own
PROVENANCE_KEYS = frozenset({*environment_keys.METADATA_KEYS, *ENVIRONMENT_KEYS, *RUN_KEYS, *FIGURE_KEYS})
PACKAGE_TEXT_NAMES = {"pip freeze", "packages", "requirements", "conda list"}
VIEW_ORDER = {"html": 0, "png": 1, "svg": 2}  # interactive first, then the sharpest static view


@dataclass
class Parts:
    images: list[Data] = field(default_factory=list)
    code: list[Data] = field(default_factory=list)
    text: list[Data] = field(default_factory=list)
    tables: list[Data] = field(default_factory=list)
    files: list[Data] = field(default_factory=list)
    all: list[Data] = field(default_factory=list)

    @property
    def views(self) -> list[Data]:
        """One image per viewable format (unwatermarked preferred), in the order the page offers them."""
        chosen: dict[str, Data] = {}
        for image in sorted(self.images, key=lambda d: bool((d.metadata or {}).get("is_watermarked"))):
            fmt = data_format(image)
            if fmt in INLINE_FORMATS and fmt not in chosen:  # others (BMP, TIFF) only download
                chosen[fmt] = image
        return sorted(chosen.values(), key=lambda d: VIEW_ORDER.get(data_format(d), 9))

    @property
    def packages(self) -> Data | None:
        return next((d for d in self.text if (d.name or "").strip().lower() in PACKAGE_TEXT_NAMES), None)


def parts_of(parent: Revision | AssetRevision) -> Parts:
    parts = Parts()
    buckets = {
        DataType.IMAGE: parts.images,
        DataType.CODE: parts.code,
        DataType.TEXT: parts.text,
        DataType.DATAFRAME: parts.tables,
    }
    for data in parent.data.all():
        parts.all.append(data)
        buckets.get(data.type, parts.files).append(data)
    return parts


def primary_raster(parent: Revision | AssetRevision) -> Data | None:
    """The image compared pixel by pixel, and shown as it is beside the other: an unwatermarked
    picture a browser displays (``PICTURE_FORMATS``; a BMP or TIFF only downloads) if there is one."""
    rasters = [d for d in parts_of(parent).images if data_format(d) in PICTURE_FORMATS]
    rasters.sort(key=lambda d: (bool((d.metadata or {}).get("is_watermarked")), data_format(d) != "png"))
    return rasters[0] if rasters else None


def primary_static(parent: Revision | AssetRevision) -> Data | None:
    """The image shown in comparisons: a raster, or else an SVG (shown through ``<img>``, never inline)."""
    raster = primary_raster(parent)
    if raster is not None:
        return raster
    return next((d for d in parts_of(parent).images if data_format(d) == "svg"), None)


def view_label(data: Data) -> str:
    fmt = data_format(data)
    return FORMAT_LABELS.get(fmt, fmt.upper() or "Image")


def environment(metadata: dict | None) -> list[tuple[str, str]]:
    """The environment's keys that are set, labelled; a mapping (figtrail's ``packages``: name to
    version) as "name version, ..."."""
    metadata = metadata or {}
    return [(key.replace("_", " "), _shown(metadata[key])) for key in ENVIRONMENT_KEYS if metadata.get(key)]


def _shown(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{name} {version}" for name, version in sorted(value.items()))
    return str(value)


def git_info(metadata: dict | None) -> dict | None:
    git = (metadata or {}).get("git")
    return git if isinstance(git, dict) and git else None


def other_metadata(metadata: dict | None) -> list[tuple[str, str]]:
    skip = set(ENVIRONMENT_KEYS) | {"git"}
    rest = {k: v for k, v in (metadata or {}).items() if k not in skip}
    return sorted(flatten(rest).items())


def is_provenance(key: str) -> bool:
    """A metadata key an annotator, the figure or figtrail itself wrote (``figtrail_pending``,
    ``figtrail_notes``), not the user."""
    return key in PROVENANCE_KEYS or key.startswith("figtrail_")


def parameters(metadata: dict | None) -> list[tuple[str, str]]:
    """The user's own metadata (``metadata=`` and ``default_metadata``), flattened: what the page shows
    first, as the parameters of the run."""
    own = {k: v for k, v in (metadata or {}).items() if not is_provenance(k)}
    return sorted(flatten(own).items())


def recorded(metadata: dict | None, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """The flattened values of ``keys`` (the run's context, or the figure's facts)."""
    chosen = {k: v for k, v in (metadata or {}).items() if k in keys}
    return sorted(flatten(chosen).items())
