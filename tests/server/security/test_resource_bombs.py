"""Decompression bombs: tiny uploads that declare huge canvases (images) or huge contents (Office zips).

The attacks: two PNGs of ~100 KB declaring 30000 x 30000 pixels cost 2-3 GB and many seconds per pixel
difference (anonymously, through a share link), and the same in thumbnails and story pictures; a 409 KB
PowerPoint file became a 400 MiB revision. Each answer here must be fast, clean (4xx naming the limit,
or no thumbnail) and leave what was stored before intact.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest
import requests

from tests.server.helpers import data_item, finished_task, png_bytes, refusal
from tests.server.imports.builders import PPTX_TYPE, upload
from tests.web.helpers import web_session

FAST = 10  # seconds: decoding a 900 Mpx canvas takes far longer (and gigabytes)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int) -> bytes:
    """A valid one-colour PNG of ``width`` x ``height`` (1-bit grey), built by hand: a few hundred KB at
    most, whatever it declares."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


BOMB = bomb_png(13000, 13000)  # 169 Mpx: under Pillow's own refusal (179 Mpx), so it used to be decoded
HUGE = bomb_png(30000, 30000)  # 900 Mpx: Pillow refuses it, the pixel difference answered 500
WIDE, TALL = bomb_png(20000, 1), bomb_png(1, 20000)  # each tiny; laid on one canvas: 400 Mpx
GOOD = png_bytes(120, 80, (0, 120, 200))


def image(payload: bytes) -> dict:
    return data_item(payload, "image", "figure", format="png", is_watermarked=False)


@pytest.fixture(scope="module")
def bombed(owner) -> dict:
    """A figure whose first revision is a good picture, then a bomb; a second figure: wide then tall."""
    assert len(BOMB) < 200_000 and len(HUGE) < 200_000
    workspace, analysis, figure = owner.tree()
    good = owner.revision(figure["api_id"], image(GOOD))
    bomb = owner.revision(figure["api_id"], image(BOMB))
    huge = owner.revision(figure["api_id"], image(HUGE))
    other = owner.figure(analysis["api_id"])
    wide = owner.revision(other["api_id"], image(WIDE))
    tall = owner.revision(other["api_id"], image(TALL))
    return {
        "workspace": workspace,
        "analysis": analysis,
        "figure": figure,
        "good": good,
        "bomb": bomb,
        "huge": huge,
        "wide": wide,
        "tall": tall,
    }


def timed(call):
    start = time.monotonic()
    response = call()
    assert time.monotonic() - start < FAST, "a decompression bomb was decoded"
    return response


def assert_still_intact(owner, bombed) -> None:
    """The good revision and its picture are as they were, and its thumbnail is still made."""
    good = owner.ok(f"revision/{bombed['good']['api_id']}/")
    (item,) = [d for d in good["data"] if d["type"] == "image"]
    response = owner.get(f"revision/{bombed['good']['api_id']}/thumbnail/64")
    assert response.status_code == 200 and response.json()["thumbnail"]
    assert len(owner.ok(f"revision/?figure={bombed['figure']['api_id']}")) == 3
    assert item


@pytest.mark.parametrize("kind", ["bomb", "huge", "figure"])
def test_thumbnail_of_a_bomb_is_none(owner, bombed, kind):
    api_id = bombed[kind]["api_id"]
    kind = "figure" if kind == "figure" else "revision"
    response = timed(lambda: owner.get(f"{kind}/{api_id}/thumbnail/128"))
    assert response.status_code == 200, response.text
    assert response.json()["thumbnail"] is None
    assert_still_intact(owner, bombed)


def test_web_thumbnail_of_a_bomb_is_the_placeholder(live_server, owner, bombed):
    web = web_session(live_server, owner.username, owner.password)
    response = timed(
        lambda: web.get(f"{live_server.url}/web/thumbnail/{bombed['bomb']['api_id']}/320", timeout=30)
    )
    if response.status_code == 200:
        assert "png" not in response.headers["Content-Type"]
    else:
        assert 400 <= response.status_code < 500


@pytest.fixture(scope="module")
def shared(owner, bombed) -> requests.Session:
    """An anonymous browser that opened a share link to both figures of ``bombed``."""
    anonymous = requests.Session()
    for figure in (bombed["figure"]["api_id"], owner.ok(f"revision/{bombed['wide']['api_id']}/")["figure"]):
        link = owner.post(f"figure/{figure}/share/link/", {"enabled": True})
        assert link.status_code == 200, link.text
        opened = anonymous.get(f"{owner.server.url}/s/{link.json()['token']}", timeout=30)
        assert opened.status_code == 200, opened.status_code
    return anonymous


@pytest.mark.parametrize(
    ("old", "new"), [("good", "bomb"), ("good", "huge"), ("wide", "tall")], ids=["bomb", "huge", "canvas"]
)
def test_pixel_difference_refuses_anonymously(owner, bombed, shared, old, new):
    query = f"?a={bombed[old]['api_id']}&b={bombed[new]['api_id']}"
    response = timed(lambda: shared.get(f"{owner.server.url}/web/compare/diff.png{query}", timeout=30))
    assert response.status_code == 422, (response.status_code, response.text[:300])
    body = response.json()
    assert body["code"] == "image_too_large" and "FIGTRAIL_MAX_IMAGE_PIXELS" in body["detail"]
    if new == "tall":
        assert "canvas" in body["detail"] and "20000 x 20000" in body["detail"]
    page = timed(lambda: shared.get(f"{owner.server.url}/compare{query}&mode=diff", timeout=30))
    assert page.status_code == 200
    assert 'id="diff-too-large"' in page.text and "FIGTRAIL_MAX_IMAGE_PIXELS" in page.text
    assert_still_intact(owner, bombed)


def test_good_pixel_difference_still_works(owner, bombed, shared):
    query = f"?a={bombed['good']['api_id']}&b={bombed['good']['api_id']}"
    response = shared.get(f"{owner.server.url}/web/compare/diff.png{query}", timeout=30)
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_story_slide_picture_of_a_bomb(owner, live_server, bombed):
    story = owner.created(
        "story/",
        {
            "workspace": bombed["workspace"]["api_id"],
            "revision_ids": [bombed["bomb"]["api_id"], bombed["good"]["api_id"]],
            "generate": False,
        },
    )
    bomb_slide, good_slide = story["slides"]
    thumbnail = timed(
        lambda: owner.session.get(live_server.url + bomb_slide["image_url"] + "?size=64", timeout=30)
    )
    assert thumbnail.status_code == 422, thumbnail.text[:300]
    assert "FIGTRAIL_MAX_IMAGE_PIXELS" in thumbnail.json()["detail"]
    web = web_session(live_server, owner.username, owner.password)
    page = timed(
        lambda: web.get(
            f"{live_server.url}/web/story/{story['api_id']}/slide/{bomb_slide['api_id']}/640", timeout=30
        )
    )
    assert page.status_code == 200 and "svg" in page.headers["Content-Type"]  # the placeholder
    exported = timed(lambda: owner.get(f"story/{story['api_id']}/export/?format=pptx", timeout=60))
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.content)) as package:
        media = [i for i in package.infolist() if i.filename.startswith("ppt/media/")]
    assert all(i.file_size < len(BOMB) for i in media)  # the good picture embedded, the bomb not
    good = owner.session.get(live_server.url + good_slide["image_url"] + "?size=64", timeout=30)
    assert good.status_code == 200 and good.content.startswith(b"\x89PNG")
    assert_still_intact(owner, bombed)


# ---- Office zips ----


def zip_of(members: dict[str, bytes], *, repeat: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", b"<Types/>")
        for name, payload in members.items():
            package.writestr(name, payload)
        for number in range(repeat):
            package.writestr(f"ppt/media/x{number}.bin", b"")
    return out.getvalue()


def import_of(owner, payload: bytes) -> requests.Response:
    _, analysis, _ = owner.tree()
    return timed(
        lambda: upload(
            owner, {"kind": "pptx", "analysis_id": analysis["api_id"]}, ("deck.pptx", payload, PPTX_TYPE)
        )
    )


def test_pptx_with_a_huge_member_is_refused(owner):
    bomb = zip_of({"ppt/media/image1.png": b"\x00" * (101 * 1024 * 1024)})  # ~100 KB compressed
    assert len(bomb) < 500_000
    response = import_of(owner, bomb)
    assert response.status_code == 400, response.text
    detail = str(response.json())
    assert "FIGTRAIL_MAX_ARCHIVE_MEMBER_BYTES" in detail and "image1.png" in detail


def test_pptx_with_too_many_members_is_refused(owner):
    response = import_of(owner, zip_of({}, repeat=2001))
    assert response.status_code == 400, response.text
    assert "FIGTRAIL_MAX_ARCHIVE_MEMBERS" in str(response.json())


def test_pptx_over_the_total_is_refused(owner):
    names = [f"ppt/media/image{n}.png" for n in range(6)]
    payload = zip_of(dict.fromkeys(names, b"\x00" * 1024))
    for name in names:  # each declares 90 MiB: 540 MiB in all, refused from the directory alone
        payload = lying(payload, name, 90 * 1024 * 1024)
    response = import_of(owner, payload)
    assert response.status_code == 400, response.text
    assert "FIGTRAIL_MAX_ARCHIVE_TOTAL_BYTES" in str(response.json())


def lying(payload: bytes, name: str, declared: int) -> bytes:
    """The zip with ``name``'s declared uncompressed size (local header and directory) set to ``declared``."""
    data = bytearray(payload)
    raw = name.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(raw)] == raw:
                data[at + size_at : at + size_at + 4] = struct.pack("<I", declared)
            start = at + 4
    return bytes(data)


def test_pptx_that_lies_about_its_sizes_fails_cleanly(owner):
    """Declared 1 KB, really 200 MiB: the import reads at most what was declared, and fails."""
    name = "ppt/media/image1.png"
    payload = lying(zip_of({name: b"\x00" * (200 * 1024 * 1024)}), name, 1024)
    response = import_of(owner, payload)
    if response.status_code == 400:  # refused up front: the file, and which member of it
        assert name in str(refusal(response, 400, "file"))
        return
    assert response.status_code == 202, response.text
    task = finished_task(owner, response.json()["task"]["api_id"])
    assert task["status"] == "failed", task
    assert task["error"].startswith("deck.pptx is not a readable Office package"), task
    assert name in task["error"]
