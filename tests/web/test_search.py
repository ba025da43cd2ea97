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


def test_in_the_browser_a_code_hit_is_marked_and_opens_that_file_on_the_revision_page(signed_in, owner):
    marker = unique("volcano_fit")
    _, _, figure = owner.tree()  # its own workspace: the seeded one's counts stay as other tests read them
    script = f"import pandas as pd\n\nmodel = fit_{marker.replace('-', '_')}(frame)\n"
    revision = owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", name="figure", format="png"),
        data_item(b"print('the cell')\n", "code", name="Jupyter cell", language="python"),
        data_item(script.encode(), "code", name="analysis.py", language="python"),
    )
    script_id = next(d["api_id"] for d in revision["data"] if d["name"] == "analysis.py")
    page = signed_in.page
    page.goto("/search")
    page.fill("#search-q", marker.replace("-", "_").upper())
    with page.expect_navigation():
        page.click("#search-form button[type=submit]")
    section = page.locator("#code-section")
    assert "Revisions by code (1)" in section.locator("h2").inner_text()
    hit = section.locator(f"#code-results tr[data-revision='{revision['api_id']}'] .code-hit")
    assert hit.count() == 1 and hit.locator("a.code-file").inner_text() == "analysis.py"
    assert hit.locator("mark").inner_text() == marker.replace("-", "_")
    assert hit.locator(".line-no").inner_text() == "3"
    with page.expect_navigation():
        hit.locator("a.code-file").click()
    assert page.url.endswith(f"#code-{script_id}")
    opened = page.locator(f"details#code-{script_id}")
    assert opened.get_attribute("open") is not None and opened.locator(".content").is_visible()
    assert f"fit_{marker.replace('-', '_')}" in opened.locator(".content").inner_text()
    assert page.locator("#code details.section[open]").count() == 1  # that file, not the first one
    assert signed_in.errors == []
