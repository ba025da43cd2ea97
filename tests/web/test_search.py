"""Search that tells the truth (figtrail.server.web.search_results): true counts with pages in every
section, comment hits as rendered text with the match marked, and /search across every workspace the
user can see (and none they cannot)."""

from __future__ import annotations

import re

from tests.server.helpers import data_item, new_user, png_bytes, unique
from tests.web.helpers import web_session


def test_counts_are_true_and_every_result_can_be_reached_page_by_page(live_server, owner):
    marker = unique("sweep")
    _, analysis, _ = owner.tree()
    made = {owner.figure(analysis["api_id"], f"{marker} panel {n:02d}")["api_id"] for n in range(27)}
    session = web_session(live_server, owner.username, owner.password)
    workspace = owner.ok(f"analysis/{analysis['api_id']}/")["workspace"]
    found, page = set(), 1
    while True:
        html = session.get(
            f"{live_server.url}/workspace/{workspace}/search",
            params={"q": marker, "figures_page": page},
            timeout=30,
        ).text
        assert re.search(r'id="figure-results">\s*<header><h2>Figures <span class="muted count">\(27\)', html)
        section = html[
            html.index('id="figure-results"') : html.index("</section>", html.index('id="figure-results"'))
        ]
        found |= set(re.findall(r'data-figure="([^"]+)"', section))
        if 'rel="next"' not in section:
            break
        page += 1
    assert found == made and page == 2  # 20 and 7: nothing silently cut


def test_a_comment_hit_is_rendered_text_with_the_match_marked(live_server, owner):
    marker = unique("axis")
    _, _, figure = owner.tree()
    owner.created(
        "comment/",
        {
            "target_type": "figure",
            "target_id": figure["api_id"],
            "content": f"**Bold** words, then the {marker} label <script>alert(1)</script> is cut off",
        },
    )
    session = web_session(live_server, owner.username, owner.password)
    html = session.get(f"{live_server.url}/search", params={"q": marker}, timeout=30).text
    cell = re.search(r'<td class="comment-hit">(.*?)</td>', html, re.S).group(1)
    assert f"<mark>{marker}</mark>" in cell
    assert "**" not in cell and "Bold words, then the" in cell  # the text a reader sees, not the Markdown
    assert "<script>" not in cell


def test_search_everywhere_covers_every_workspace_one_can_see_and_no_other(live_server, owner):
    marker = unique("cohort")
    stranger = new_user(live_server)
    mine = [owner.tree()[1] for _ in range(2)]
    theirs = stranger.tree()[1]
    for analysis in (*mine, theirs):
        (stranger if analysis is theirs else owner).figure(analysis["api_id"], f"{marker} survival")
    revision_owner_figure = owner.figure(mine[0]["api_id"], "metadata carrier")
    owner.revision(
        revision_owner_figure["api_id"],
        data_item(png_bytes(), "image", name="figure", format="png"),
        metadata={"cohort_name": f"{marker}-B"},
    )
    session = web_session(live_server, owner.username, owner.password)
    html = session.get(f"{live_server.url}/search", params={"q": marker}, timeout=30).text
    assert "3 results" in html  # two figures and one revision: nothing of the stranger's
    section = html[html.index('id="figure-results"') :]
    assert len(set(re.findall(r'data-figure="([^"]+)"', section.split("</section>")[0]))) == 2
    assert "cohort_name" in html
    signed_out = __import__("requests").get(f"{live_server.url}/search?q={marker}", allow_redirects=False)
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/signin")
