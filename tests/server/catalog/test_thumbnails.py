"""``<object>/<id>/thumbnail/<size>``: a base64 PNG no larger than the size asked for, or null."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from tests.server.helpers import data_item, denied, png_bytes, refusal


def decode(thumbnail: str) -> Image.Image:
    raw = base64.b64decode(thumbnail, validate=True)
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(raw))


@pytest.fixture(scope="module")
def pictured(owner) -> dict:
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"],
        data_item(b"code", "code", "cell"),
        data_item(png_bytes(400, 200, (0, 0, 255)), "image", "figure", format="png", is_watermarked=True),
        data_item(png_bytes(400, 200, (255, 0, 0)), "image", "figure", format="png", is_watermarked=False),
    )
    return {"analysis": analysis, "figure": figure, "revision": revision}


@pytest.mark.parametrize("kind", ["revision", "figure", "analysis"])
@pytest.mark.parametrize("size", [64, 150])
def test_png_no_larger_than_requested(owner, pictured, kind, size):
    response = owner.get(f"{kind}/{pictured[kind]['api_id']}/thumbnail/{size}")
    assert response.status_code == 200
    image = decode(response.json()["thumbnail"])
    assert image.format == "PNG"
    assert max(image.size) == size
    assert image.size[0] == 2 * image.size[1]  # aspect ratio kept


def test_unwatermarked_image_is_preferred(owner, pictured):
    image = decode(owner.ok(f"revision/{pictured['revision']['api_id']}/thumbnail/32")["thumbnail"])
    assert image.convert("RGB").getpixel((10, 5)) == (255, 0, 0)


def test_small_image_is_not_enlarged(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(20, 10), "image", "figure", format="png"))
    image = decode(owner.ok(f"revision/{revision['api_id']}/thumbnail/256")["thumbnail"])
    assert image.size == (20, 10)


def test_non_image_is_null(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"just text"))
    assert owner.ok(f"revision/{revision['api_id']}/thumbnail/64") == {"thumbnail": None}
    assert owner.ok(f"figure/{figure['api_id']}/thumbnail/64") == {"thumbnail": None}


def test_unreadable_png_is_null(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"], data_item(b"not really a png", "image", "figure", format="png")
    )
    assert owner.ok(f"revision/{revision['api_id']}/thumbnail/64") == {"thumbnail": None}


def test_vector_only_is_null(owner):
    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"<svg></svg>", "image", "figure", format="svg"))
    assert owner.ok(f"revision/{revision['api_id']}/thumbnail/64") == {"thumbnail": None}


def test_asset_revision_image(owner):
    asset = owner.asset(owner.workspace()["api_id"], "plot.png")
    created = owner.created(
        "asset_revision/",
        {"asset": asset["api_id"], "data": [data_item(png_bytes(90, 90), "image", "plot.png", format="png")]},
    )
    for path in (f"asset_revision/{created['api_id']}", f"asset/{asset['api_id']}"):
        image = decode(owner.ok(f"{path}/thumbnail/30")["thumbnail"])
        assert image.size == (30, 30)


@pytest.mark.parametrize("size", ["0", "abc", "99999", "-5"])
def test_bad_size_is_400(owner, pictured, size):
    response = owner.get(f"revision/{pictured['revision']['api_id']}/thumbnail/{size}")
    assert response.status_code == 400
    assert "size" in response.json()


def test_another_users_thumbnail_is_403(stranger, pictured):
    for kind in ("revision", "figure", "analysis"):
        assert refusal(stranger.get(f"{kind}/{pictured[kind]['api_id']}/thumbnail/64"), 403) == denied(
            "view", kind
        )
