"""The figure page says what changed from one revision to the next (figtrail.server.web.figure_history),
scrubs through every revision, picks A and B from anywhere in the history, and has a parameter table."""

from __future__ import annotations

import re

from tests.server.helpers import data_item, png_bytes
from tests.web.helpers import web_session

PIP_1, PIP_2 = b"numpy==2.4.6\n", b"numpy==2.5.0\n"


def revision(owner, figure_id: str, metadata: dict, code: str, image: bytes, packages: bytes, **extra):
    data = [
        data_item(image, "image", name="figure", format="png"),
        data_item(code.encode(), "code", name="train.py", format="text", language="Python"),
        data_item(packages, "text", name="pip freeze"),
        *extra.get("tables", []),
    ]
    return owner.revision(figure_id, *data, metadata=metadata)


def history(owner):
    _, analysis, figure = owner.tree()
    red, blue = png_bytes(color=(200, 0, 0)), png_bytes(color=(0, 0, 200))
    git = {"hash": "0123456789abcdef0123", "branch": "main"}
    table = data_item(b"x,y\n1,2\n", "dataframe", name="points", format="csv")
    revs = [
        revision(
            owner, figure["api_id"], {"lr": 0.1, "git": {**git, "dirty": False}}, "fit(0.1)", red, PIP_1
        ),
        revision(
            owner, figure["api_id"], {"lr": 0.01, "git": {**git, "dirty": True}}, "fit(0.1)", red, PIP_1
        ),
        revision(owner, figure["api_id"], {"lr": 2, "epochs": 5}, "fit(lr)", blue, PIP_2, tables=[table]),
    ]
    return figure, revs


def rows(page: str) -> dict[int, str]:
    """Each timeline row's HTML by revision number."""
    found = re.findall(r'<li data-revision="[^"]+" data-number="(\d+)">(.*?)</li>', page, re.S)
    return {int(number): body for number, body in found}


def test_each_revision_says_what_changed_against_the_one_before(live_server, owner):
    figure, _ = history(owner)
    session = web_session(live_server, owner.username, owner.password)
    page = session.get(f"{live_server.url}/figure/{figure['api_id']}", timeout=30).text
    by_number = rows(page)
    first, second, third = by_number[1], by_number[2], by_number[3]
    assert '<span class="tag">first</span>' in first
    assert "image identical" in second and "code changed" not in second and "data changed" not in second
    assert "environment changed" not in second
    assert ">01234567<" in first and 'aria-label="uncommitted changes"' in second  # short hash, dirty mark
    assert "code changed" in third and "data changed" in third and "environment changed" in third
    assert "image identical" not in third
    # the user's own varying keys, with their values in every row
    assert re.search(r"lr</span> <span class=\"mono\">0.01<", second)
    assert re.search(r"epochs</span> <span class=\"mono\">5<", third)


def test_the_parameter_table_sorts_numbers_as_numbers_and_filters(live_server, owner):
    figure, revs = history(owner)
    session = web_session(live_server, owner.username, owner.password)
    base = f"{live_server.url}/figure/{figure['api_id']}/table"

    def order(query: str) -> list[str]:
        page = session.get(base + query, timeout=30)
        assert page.status_code == 200
        return re.findall(r'<tr data-revision="([^"]+)">', page.text)

    ids = [rev["api_id"] for rev in revs]
    header = session.get(base, timeout=30).text
    assert all(f">{key}</a>" in header for key in ("lr", "epochs"))
    assert ">git.dirty</a>" in header  # provenance keys that vary come after the user's own
    assert header.index(">lr</a>") < header.index(">git.dirty</a>")
    assert order("?sort=lr") == [ids[1], ids[0], ids[2]]  # 0.01 < 0.1 < 2 (not "0.01" < "0.1" < "2")
    assert order("?sort=lr&order=desc") == [ids[2], ids[0], ids[1]]
    assert order("?where=lr=0.01") == [ids[1]]
    assert order("?q=0.01") == [ids[1]]
    assert order("?sort=epochs") == [ids[2], ids[0], ids[1]]  # missing values last


def test_scrub_the_whole_history_and_compare_across_pages(signed_in, owner, live_server):
    _, _, figure = owner.tree()
    revs = [
        owner.revision(
            figure["api_id"],
            data_item(png_bytes(color=(n * 7 % 255, 80, 120)), "image", name="figure", format="png"),
            metadata={"step": n},
        )
        for n in range(34)
    ]  # more than the 30 a timeline page lists
    page = signed_in.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/figure/{figure['api_id']}")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
        window.innerWidth + 1).map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 15)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
    assert page.inner_text("#filmstrip-label").startswith("Revision 34 of 34")
    assert (
        page.inner_text("#pick-a-label") == "revision 33"
        and page.inner_text("#pick-b-label") == "revision 34"
    )
    page.fill("#filmstrip-scrub", "0")  # the very first, which is not on this page of the timeline
    assert page.inner_text("#filmstrip-label").startswith("Revision 1 of 34")
    assert page.get_attribute("#filmstrip-link", "href") == f"/revision/{revs[0]['api_id']}"
    page.click("#filmstrip-a")
    page.keyboard.press("ArrowRight")  # the page's arrow keys step the strip
    assert page.inner_text("#filmstrip-label").startswith("Revision 2 of 34")
    if page.locator("#comments textarea").count():  # typing in a field never steps it
        page.click("#comments textarea")
        page.keyboard.press("ArrowRight")
        assert page.inner_text("#filmstrip-label").startswith("Revision 2 of 34")
    page.fill("#filmstrip-scrub", "33")
    page.click("#filmstrip-b")
    assert (
        page.inner_text("#pick-a-label") == "revision 1" and page.inner_text("#pick-b-label") == "revision 34"
    )
    with page.expect_navigation():
        page.click("#compare-form button[type=submit]")
    assert f"a={revs[0]['api_id']}" in page.url and f"b={revs[33]['api_id']}" in page.url
    assert signed_in.errors == []


def test_in_the_browser_the_table_sorts_picks_two_and_a_stale_figure_says_so(signed_in, owner, live_server):
    from tests.server.catalog.test_staleness import landscape

    figure, revs = history(owner)
    page = signed_in.page
    page.goto(f"/figure/{figure['api_id']}/table")
    with page.expect_navigation():
        page.click("#parameter-table th a:has-text('lr')")
    order = page.eval_on_selector_all(
        "#parameter-table tbody tr", "rows => rows.map(r => r.dataset.revision)"
    )
    assert order == [revs[1]["api_id"], revs[0]["api_id"], revs[2]["api_id"]]
    page.check(f"#parameter-table tr[data-revision='{revs[0]['api_id']}'] input[name=a]")
    page.check(f"#parameter-table tr[data-revision='{revs[2]['api_id']}'] input[name=b]")
    with page.expect_navigation():
        page.click("#compare-form button[type=submit]")
    assert f"a={revs[0]['api_id']}" in page.url and f"b={revs[2]['api_id']}" in page.url

    _, _, first, second, figures = landscape(owner)
    page.goto(f"/figure/{figures['old']['api_id']}")
    assert page.is_visible("#stale")
    assert "volumes.csv" in page.inner_text("#stale")
    assert signed_in.errors == []
