"""Stored XSS through user text on app pages: links from metadata, and every ``href``/``src`` a template
writes from a variable.

Pages escape text (Django's autoescape), but escaping does not make a ``javascript:`` URL harmless in an
``href``: only http(s) links from user data are rendered as links (the ``http_url`` filter).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.server.helpers import data_item, png_bytes
from tests.web.helpers import web_session

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "figtrail" / "server" / "web" / "templates"
HOSTILE_LINKS = [
    "javascript:alert(document.cookie)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
]
# template variables in href/src that hold URLs the server builds itself (reverse(), its own routes)
SERVER_URLS = {
    "card.url",
    "card.thumbnail_url",
    "share.action",
    "crumb.url",
    "diff_url",
    "row.url",
    "item.url",
    "url",
    "object_url",
    # the compare page's neighbours and swap (views/compare.py Options.url), the key page's link
    # (reverse()), the manage pages' way back (url_of / reverse()): all built by the server
    "navigation.a_prev",
    "navigation.a_next",
    "navigation.b_prev",
    "navigation.b_next",
    "swap_url",
    "keys_url",
    "cancel",
}


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_metadata_links_are_rendered_only_when_http(live_server, owner, link):
    _, _, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", format="png"),
        metadata={"git": {"hash": "0123456789abcdef", "commit_link": link, "remote_url": link}},
    )
    web = web_session(live_server, owner.username, owner.password)
    for page in (f"/revision/{revision['api_id']}", f"/revision/{revision['api_id']}/lineage"):
        html = web.get(live_server.url + page, timeout=30).text
        hrefs = re.findall(r'(?:href|src)="([^"]*)"', html)
        assert not [h for h in hrefs if not re.match(r"^(/(?!/)|#|\?|https?://|data:image/svg\+xml)", h)], (
            page,
            hrefs,
        )


def test_an_http_commit_link_is_still_a_link(live_server, owner):
    _, _, figure = owner.tree()
    link = "https://git.example.org/repo/commit/0123456789abcdef"
    revision = owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", format="png"),
        metadata={"git": {"hash": "0123456789abcdef", "commit_link": link}},
    )
    web = web_session(live_server, owner.username, owner.password)
    assert f'href="{link}"' in web.get(f"{live_server.url}/revision/{revision['api_id']}", timeout=30).text


def test_every_template_url_variable_is_the_servers_or_checked():
    """A template that writes a variable into ``href``/``src`` writes a URL the server built, or passes
    user data through ``|http_url``; a new one fails here until it says which."""
    unchecked = []
    for path in TEMPLATES.rglob("*.html"):
        for match in re.finditer(
            r'(?:href|src|action)="\{\{\s*([^}|\s]+)\s*(\|[^}]*)?\}\}', path.read_text()
        ):
            name, filters = match.group(1), (match.group(2) or "").strip()
            last = filters.split("|")[-1].split(":")[0].strip()  # view_url, thumbnail_url...: reverse()
            if name not in SERVER_URLS and not last.endswith("_url"):
                unchecked.append(f"{path.name}: {match.group(0)}")
    assert unchecked == []
