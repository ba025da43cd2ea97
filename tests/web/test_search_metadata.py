"""The web search finding revisions by metadata value (web.search_results.metadata_queries): ``key:value``,
``key=value`` or a JSON object, by containment through catalog.metadata_search, beside the text match;
the page says what was matched, counts it in the total and pages it."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.server.helpers import new_user, unique
from tests.web.helpers import web_session


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    """A user of this module's own with one workspace: five revisions, and a stranger's look-alike."""
    owner, stranger = new_user(live_server), new_user(live_server)
    marker = unique("trial")
    workspace, analysis, figure = owner.tree()
    other = owner.figure(analysis["api_id"], "Other figure")
    made = {
        "listed": owner.revision(figure["api_id"], metadata={"patients": ["P-17", "P-3"], "trial": marker}),
        "text": owner.revision(figure["api_id"], metadata={"patients": "P-17", "trial": marker}),
        "nested": owner.revision(other["api_id"], metadata={"git": {"branch": f"{marker}-main"}}),
        "number": owner.revision(other["api_id"], metadata={"epochs": 10, "trial": marker}),
        "string": owner.revision(other["api_id"], metadata={"epochs": "10", "trial": marker}),
    }
    _, _, theirs = stranger.tree()
    stranger.revision(theirs["api_id"], metadata={"patients": ["P-17"], "trial": marker})
    session = web_session(live_server, owner.username, owner.password)
    return {"owner": owner, "session": session, "workspace": workspace, "made": made, "marker": marker}


def page(live_server, world: dict, query: str, everywhere: bool = False, **params) -> str:
    path = "/search" if everywhere else f"/workspace/{world['workspace']['api_id']}/search"
    response = world["session"].get(f"{live_server.url}{path}", params={"q": query, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return response.text


def section(html: str) -> str:
    start = html.index('id="metadata-value-section"')
    return html[start : html.index("</section>", start)]


def found(world: dict, html: str) -> set[str]:
    names = {revision["api_id"]: name for name, revision in world["made"].items()}
    rows = re.findall(r'<tr data-revision="([^"]+)"', section(html))
    return {names.get(row, row) for row in rows}


def count(html: str) -> int:
    return int(re.search(r"Revisions by metadata value <span class=\"muted count\">\((\d+)\)", html).group(1))


@pytest.mark.parametrize("separator", [":", "=", ": "])
def test_key_value_finds_the_value_and_lists_holding_it(live_server, world, separator):
    html = page(live_server, world, f"patients{separator}P-17")
    assert found(world, html) == {"listed", "text"}  # not the stranger's
    assert count(html) == 2
    said = html_lib.unescape(re.search(r'id="metadata-value-matched">(.*?)</p>', html, re.S).group(1))
    assert '<code>{"patients": "P-17"}</code> or <code>{"patients": ["P-17"]}</code>' in said
    assert "patients" in section(html) and "P-3" in section(html)  # what the row's metadata holds there


def test_a_number_matches_numbers_and_text(live_server, world):
    assert found(world, page(live_server, world, "epochs=10")) == {"number", "string"}
    assert found(world, page(live_server, world, 'epochs="10"')) == {"string"}  # quoted: text only


def test_a_dotted_key_reaches_into_nested_objects(live_server, world):
    html = page(live_server, world, f"git.branch:{world['marker']}-main")
    assert found(world, html) == {"nested"}


def test_a_json_object_is_searched_as_it_is(live_server, world):
    html = page(live_server, world, '{"patients": ["P-3", "P-17"]}')
    assert found(world, html) == {"listed"}
    bad = page(live_server, world, '{"patients": ')
    assert "Not searched by metadata value: Not JSON" in html_lib.unescape(bad)
    assert count(bad) == 0


def text_count(html: str) -> int:
    pattern = r"Revisions by metadata and picture text <span class=\"muted count\">\((\d+)\)"
    return int(re.search(pattern, html).group(1))


def test_counted_in_the_total_beside_the_text_match(live_server, world):
    marker = world["marker"]
    html = page(live_server, world, f"trial:{marker}")
    assert found(world, html) == {"listed", "text", "number", "string"}
    total = int(re.search(r'id="search-total">(\d+) result', html).group(1))
    assert total == count(html) + text_count(html)
    # the text match still finds what it found: the marker inside the stored metadata; no such section
    text_only = page(live_server, world, marker)
    assert 'id="metadata-value-section"' not in text_only
    assert text_count(text_only) == 5  # the nested branch holds the marker too


def test_everywhere_sees_only_ones_own(live_server, world):
    html = page(live_server, world, "patients:P-17", everywhere=True)
    assert found(world, html) == {"listed", "text"}


def test_pages_of_twenty(live_server):
    owner = new_user(live_server)
    marker = unique("batch")
    _, _, figure = owner.tree()
    made = {owner.revision(figure["api_id"], metadata={"batch": marker})["api_id"] for _ in range(23)}
    session = web_session(live_server, owner.username, owner.password)
    seen: set[str] = set()
    for number in (1, 2):
        html = session.get(
            f"{live_server.url}/search", params={"q": f"batch={marker}", "metadata_page": number}, timeout=30
        ).text
        assert count(html) == 23
        seen |= set(re.findall(r'<tr data-revision="([^"]+)"', section(html)))
    assert seen == made


def test_an_address_is_not_a_metadata_value(live_server, world):
    assert 'id="metadata-value-section"' not in page(live_server, world, "https://example.org/x")
