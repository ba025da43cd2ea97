"""Path traversal: every filename-like field is data, never a path on the server's disk.

Names with ``..``, backslashes, double-encoded dots and absolute paths are stored verbatim and served
back as they were sent; the blob store holds content by hash only, and nothing is written (or read)
outside ``FIGTRAIL_HOME/blobs``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.server.helpers import b64, data_item, png_bytes, refusal
from tests.web.helpers import NO_ROUTE, error_page

MARK = "figtrail-pwned-7f3a"  # fixed: test ids must be the same on every xdist worker
EVIL_NAMES = [
    f"../../../../{MARK}",
    f"..\\..\\..\\{MARK}",
    f"%252e%252e%252f%252e%252e%252f{MARK}",
    f"%2e%2e/%2e%2e/{MARK}",
    f"/tmp/{MARK}",
    f"C:\\Windows\\{MARK}",
    f"blobs/../../{MARK}",
    "../../../../etc/passwd",
]
SERVER_FILES = {
    "figtrail.sqlite3",
    "figtrail.sqlite3-wal",
    "figtrail.sqlite3-shm",
    "server.log",
    "secret_key",
}


def files_outside_blobs(home: Path) -> set[Path]:
    """Everything under FIGTRAIL_HOME but its blob store, its database, its log and its caches."""
    return {
        p
        for p in home.rglob("*")
        if p.is_file()
        and p.name not in SERVER_FILES
        and not p.name.startswith("figtrail.sqlite3")  # the database, its WAL and its write queue
        and not p.is_relative_to(home / "blobs")
        and not p.is_relative_to(home / "cache")
    }


def marked_files(home: Path) -> list[Path]:
    """Any file named after MARK where a traversal could land: the home folder (all of it), every folder
    above the blob store, and /tmp."""
    found = list(home.rglob(f"*{MARK}*"))
    for folder in [*(home / "blobs").parents, Path("/tmp")]:
        found += folder.glob(f"*{MARK}*")
    return found


@pytest.fixture
def disk(live_server):
    """Checks after the test that nothing appeared outside the blob store."""
    home = Path(live_server.home)
    before = files_outside_blobs(home)
    yield home
    assert files_outside_blobs(home) == before
    assert marked_files(home) == []
    for blob in (home / "blobs").rglob("*"):  # content-addressed: named by hash only
        assert MARK not in str(blob) and ".." not in blob.name


@pytest.mark.parametrize("name", EVIL_NAMES)
def test_data_name_and_file_path_are_stored_verbatim(owner, disk, name):
    _, _, figure = owner.tree()
    payload = b"traversal " + name.encode()
    items = [
        data_item(payload, "text", name=name),
        data_item(payload + b"!", "file", name=name, path=name),
    ]
    revision = owner.revision(figure["api_id"], *items)
    stored = owner.ok(f"revision/{revision['api_id']}/")["data"]
    assert sorted(d["name"] for d in stored) == [name, name]
    for data in stored:
        full = owner.ok(f"data/{data['api_id']}/")
        assert full["name"] == name
        assert full["data"] in (b64(payload), b64(payload + b"!"))
        if data["type"] == "file":
            assert full["metadata"]["path"] == name
    on_disk = {p.name for p in (disk / "blobs").rglob("*") if p.is_file()}
    assert all(name not in p and MARK not in p for p in on_disk)


@pytest.mark.parametrize("name", EVIL_NAMES)
def test_asset_name_is_stored_verbatim(owner, disk, name):
    workspace = owner.workspace()
    asset = owner.asset(workspace["api_id"], name=name)
    assert owner.ok(f"asset/{asset['api_id']}/")["name"] == name
    revision = owner.asset_revision(asset["api_id"], b"a,b\n1,2\n", path=name)
    data = owner.ok(f"asset_revision/{revision['api_id']}/")["data"][0]
    assert owner.ok(f"data/{data['api_id']}/")["metadata"]["path"] == name


def test_web_download_name_is_sanitised(owner, disk, live_server):
    from tests.web.helpers import web_session

    _, _, figure = owner.tree()
    name = f"../../{MARK}.txt"
    revision = owner.revision(figure["api_id"], data_item(b"hello", "file", name=name, path=name))
    data_id = revision["data"][0]["api_id"] if revision.get("data") else None
    data_id = data_id or owner.ok(f"revision/{revision['api_id']}/")["data"][0]["api_id"]
    session = web_session(live_server, owner.username, owner.password)
    response = session.get(f"{live_server.url}/web/data/{data_id}/download", timeout=30)
    assert response.status_code == 200
    assert response.content == b"hello"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "/" not in disposition.split("filename", 1)[1] and ".." not in disposition


@pytest.mark.parametrize("size", ["%2e%2e", "%252e%252e", "..%5C..", "-1", "1e9", "99999999999999999999"])
def test_thumbnail_size_is_a_number_or_400(owner, disk, size):
    _, _, figure = owner.tree()
    owner.revision(figure["api_id"], data_item(png_bytes(), "image", name="figure", format="png"))
    response = owner.get(f"figure/{figure['api_id']}/thumbnail/{size}/")
    assert response.status_code == 400, response.text
    assert "size" in response.json()


def test_thumbnail_size_with_encoded_slashes_is_404(owner, disk):
    _, _, figure = owner.tree()
    response = owner.get(f"figure/{figure['api_id']}/thumbnail/..%2F..%2Fetc%2Fpasswd/")
    # %2F is a slash to the router: no such route
    assert refusal(response, 404).startswith(f"No API route /api/v1.4.1/figure/{figure['api_id']}/thumbnail/")
    assert "root:" not in response.text


@pytest.mark.parametrize("size", ["..", "%2e%2e", "..%5C..", "-1"])
def test_web_thumbnail_size_outside_route_is_404(owner, disk, live_server, size):
    from tests.web.helpers import web_session

    _, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", name="figure", format="png"))
    session = web_session(live_server, owner.username, owner.password)
    response = session.get(f"{live_server.url}/web/thumbnail/{revision['api_id']}/{size}", timeout=30)
    assert error_page(response, 404) == NO_ROUTE


USERNAME_ANSWERS = {  # how each 404 begins: no such route, or no such user (a name, not a path)
    "..": "No API route /api/v1.4.1/;",  # the client resolves the dot segment before sending
    "..%2F..%2Fetc%2Fpasswd": "No API route /api/v1.4.1/user/../../etc/passwd/;",  # %2F: a slash
    "..%5C..%5Csecret_key": "No user named '..\\\\..\\\\secret_key' that you share a workspace with.",
    "%252e%252e": "No user named '%2e%2e' that you share a workspace with.",
    "%2Fetc%2Fpasswd": "No API route /api/v1.4.1/user//etc/passwd/;",
}


@pytest.mark.parametrize("username", list(USERNAME_ANSWERS))
def test_username_in_url_is_not_a_path(owner, disk, username):
    response = owner.get(f"user/{username}/")
    assert refusal(response, 404).startswith(USERNAME_ANSWERS[username])
    assert "root:" not in response.text


def test_raw_traversal_in_url_never_reads_files(live_server, owner, disk):
    for path in [
        "/api/v1.4.1/../../etc/passwd",
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
    ]:
        response = requests.get(live_server.url + path, headers=owner.session.headers, timeout=30)
        assert error_page(response, 404) == NO_ROUTE, path
        assert "root:" not in response.text
