"""The revision page of a clean-room revision: its parameters (name, control, value, bounds or choices)
and the Reproduce download, for whoever may see the page."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
import requests

from tests.server.catalog.test_clean_room import MANIFEST, clean_room_data
from tests.server.helpers import data_item, new_user, png_bytes
from tests.web.helpers import web_session


@pytest.fixture(scope="module")
def made(owner) -> dict:
    figure = owner.tree()[2]["api_id"]
    r_manifest = {**MANIFEST, "language": "r", "language_version": "4.3.1"}
    return {
        "python": owner.revision(figure, *clean_room_data(), is_clean_room=True),
        "r": owner.revision(
            figure,
            *clean_room_data(("clean_room_code", "clean_room_manifest"), r_manifest),
            is_clean_room=True,
        ),
        "plain": owner.revision(figure, data_item(png_bytes(), "image", format="png")),
    }


@pytest.fixture(scope="module")
def session(live_server, owner) -> requests.Session:
    return web_session(live_server, owner.username, owner.password)


def parameter_rows(page: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-parameter="([^"]+)">(.*?)</tr>', page, re.S)
    return {
        name: [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for name, row in rows
    }


def test_the_page_lists_the_parameters_and_offers_reproduce(live_server, session, made):
    page = session.get(f"{live_server.url}/revision/{made['python']['api_id']}", timeout=60)
    assert page.status_code == 200
    assert 'id="clean-room"' in page.text
    rows = parameter_rows(page.text)
    assert rows["height"] == ["height", "slider integer", "5", "min 0, max 10, step 1"]
    assert rows["colour"] == ["colour", "dropdown string", "teal", "choices: teal, red"]
    assert rows["table"][:2] == ["table", "static dataframe"] and "Parquet" in rows["table"][2]
    assert rows["ys"] == ["ys", "static unknown", "[1, 2]", ""]
    link = re.search(r'href="([^"]+)" id="reproduce"', page.text)
    assert link and link.group(1) == f"/revision/{made['python']['api_id']}/reproduce"
    download = session.get(live_server.url + link.group(1), timeout=60)
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert any(name.endswith("/reproduce.py") for name in names)


def test_an_r_record_shows_its_parameters_without_reproduce(live_server, session, made):
    page = session.get(f"{live_server.url}/revision/{made['r']['api_id']}", timeout=60).text
    assert parameter_rows(page)["height"][2] == "5"
    assert 'id="reproduce"' not in page and "(R 4.3.1)" in page


def test_a_plain_revision_has_no_clean_room_panel(live_server, session, made):
    page = session.get(f"{live_server.url}/revision/{made['plain']['api_id']}", timeout=60)
    assert page.status_code == 200 and 'id="clean-room"' not in page.text
    download = session.get(f"{live_server.url}/revision/{made['plain']['api_id']}/reproduce", timeout=60)
    assert download.status_code == 404


def test_reproduce_has_the_pages_access(live_server, made):
    page = f"{live_server.url}/revision/{made['python']['api_id']}"
    path = page + "/reproduce"
    signed_out = requests.get(path, allow_redirects=False, timeout=60)
    assert signed_out.status_code == requests.get(page, allow_redirects=False, timeout=60).status_code == 302
    assert "/signin" in signed_out.headers["Location"]  # signed out: sign in first, as for the page
    stranger = new_user(live_server)
    assert (
        web_session(live_server, stranger.username, stranger.password).get(path, timeout=60).status_code
        == 404
    )
