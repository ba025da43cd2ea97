"""One allow-list of images, one list of rasters, and TIFF treated alike everywhere.

``payload_responses`` holds both: ``PICTURE_FORMATS``, the pictures served inline as they are (what
browsers show), and ``RASTER_FORMATS``, the images the server decodes into thumbnails, slide pictures
and pixel differences. TIFF is a raster but not a picture: browsers do not display it, so a TIFF is
downloaded as it is and seen on a page only through a thumbnail the server made from it.
"""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from PIL import Image

import figtrail
from tests.server.helpers import data_item
from tests.web.helpers import error_page, web_session

SOURCES = Path(figtrail.__file__).parent
NAMES = ("RASTER_FORMATS", "PICTURE_FORMATS")


def tiff_bytes(color: tuple) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 60), color).save(out, format="TIFF")
    return out.getvalue()


def test_each_list_is_defined_once_in_payload_responses():
    defined = [
        f"{path.relative_to(SOURCES)}:{node.lineno} {target.id}"
        for path in sorted(SOURCES.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id in NAMES
    ]
    assert [entry.split(":")[0] for entry in defined] == ["server/payload_responses.py"] * 2, defined

    from figtrail.server.payload_responses import PICTURE_FORMATS, PICTURE_TYPES, RASTER_FORMATS

    assert PICTURE_FORMATS == set(PICTURE_TYPES) < RASTER_FORMATS
    assert "tiff" in RASTER_FORMATS and "tiff" not in PICTURE_FORMATS


@pytest.fixture(scope="module")
def tiffs(owner) -> dict:
    """Two revisions of one figure whose only image is a TIFF, and a story showing the first."""
    workspace, _, figure = owner.tree()
    revisions = [
        owner.revision(figure["api_id"], data_item(tiff_bytes(color), "image", name="f.tiff", format="tiff"))
        for color in ((10, 20, 30), (200, 20, 30))
    ]
    story = owner.created(
        "story/",
        {"workspace": workspace["api_id"], "revision_ids": [revisions[0]["api_id"]], "generate": False},
    )
    data = owner.ok(f"revision/{revisions[0]['api_id']}/")["data"][0]
    return {"revisions": [r["api_id"] for r in revisions], "data": data["api_id"], "story": story}


def test_a_tiff_is_thumbnailed_and_downloaded_never_shown_as_it_is(live_server, owner, tiffs):
    web = web_session(live_server, owner.username, owner.password)
    first, second = tiffs["revisions"]
    thumbnail = web.get(f"{live_server.url}/web/thumbnail/{first}/160", timeout=30)
    assert thumbnail.headers["Content-Type"] == "image/png"  # decoded on the server
    assert Image.open(io.BytesIO(thumbnail.content)).format == "PNG"
    assert owner.ok(f"revision/{first}/thumbnail/64/")["thumbnail"]  # the API's, from the same list

    view = web.get(f"{live_server.url}/web/data/{tiffs['data']}/view", timeout=30)
    assert view.status_code == 200
    assert view.headers["Content-Disposition"].startswith("attachment")  # not a picture browsers show
    assert not view.headers["Content-Type"].startswith("image/")

    slide = tiffs["story"]["slides"][0]["api_id"]
    picture = web.get(f"{live_server.url}/web/story/{tiffs['story']['api_id']}/slide/{slide}/320", timeout=30)
    assert picture.headers["Content-Type"] == "image/png"  # a slide shows the thumbnail, as PNG

    compare = web.get(f"{live_server.url}/compare?a={first}&b={second}&mode=diff", timeout=30)
    assert compare.status_code == 200
    assert "Both revisions need an image to compare them visually." in compare.text
    diff = web.get(f"{live_server.url}/web/compare/diff.png?a={first}&b={second}", timeout=30)
    assert error_page(diff, 404) == (  # no picture to show beside a difference
        "Not found",
        "A pixel difference needs a raster image (PNG) in both revisions.",
    )
