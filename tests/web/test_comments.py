"""Comments and reactions on revision and figure pages, in a real browser, and comment text in search."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, new_user, png_bytes, unique
from tests.web.helpers import FORM_EXPIRED, csrf_token, error_page, web_session


@pytest.fixture(scope="module")
def discussed(owner) -> dict:
    """A fresh workspace with a figure and one revision to talk about."""
    workspace, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", name="figure", format="png"))
    return {"workspace": workspace, "figure": figure, "revision": revision}


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_post_react_reply_edit_and_delete_on_a_revision(signed_in, discussed):
    page = signed_in.page
    page.goto(f"/revision/{discussed['revision']['api_id']}")
    assert page.inner_text("#no-comments") == "No comments yet."
    marker = unique("axis")
    page.fill("#comment-content", f"**Looks good**, but check the {marker}. <script>window.pwned=1</script>")
    submit(page, "#comment-submit")
    comment = page.locator("#comments article.comment").first
    assert comment.locator(".comment-body strong").inner_text() == "Looks good"
    assert "<script>window.pwned=1</script>" in comment.locator(".comment-body").inner_text()  # shown as text
    assert comment.locator(".comment-body script").count() == 0
    assert page.evaluate("window.pwned") is None

    # react, then take the reaction back
    comment.locator(".react-menu summary").click()
    submit(page, "#comments article.comment >> nth=0 >> button[aria-label='React with 👍']")
    chip = page.locator("#comments article.comment").first.locator("button.reaction.mine[data-emoji='👍']")
    assert chip.locator(".reaction-count").inner_text() == "1"
    submit(page, "#comments article.comment >> nth=0 >> button.reaction.mine[data-emoji='👍']")
    assert page.locator("#comments button.reaction.mine").count() == 0

    # reply: it lands indented, right under the comment it answers
    page.locator("#comments article.comment").first.locator(".reply-menu summary").click()
    page.locator("#comments article.comment").first.locator(".reply-menu textarea").fill(
        "Fixed in the next one."
    )
    submit(page, "#comments article.comment >> nth=0 >> .reply-menu button[type=submit]")
    articles = page.locator("#comments article.comment")
    assert articles.count() == 2
    assert "indent-1" in articles.nth(1).get_attribute("class")
    assert articles.nth(1).locator(".comment-body").inner_text() == "Fixed in the next one."

    # edit the reply
    articles.nth(1).locator(".edit-menu summary").click()
    articles.nth(1).locator(".edit-menu textarea").fill("Fixed in *revision 2*.")
    submit(page, "#comments article.comment >> nth=1 >> .edit-menu button[type=submit]")
    reply = page.locator("#comments article.comment").nth(1)
    assert reply.locator(".comment-body em").inner_text() == "revision 2"
    assert reply.locator(".comment-edited").inner_text() == "edited"

    # deleting the first comment takes the reply with it
    page.once("dialog", lambda dialog: dialog.accept())
    submit(page, "#comments article.comment >> nth=0 >> button:has-text('Delete')")
    assert page.locator("#comments article.comment").count() == 0
    assert signed_in.errors == []


def test_others_comments_cannot_be_edited_and_show_in_search(live_server, signed_in, owner, discussed):
    colleague = new_user(live_server)
    owner.post(
        f"workspace/{discussed['workspace']['api_id']}/members/add/",
        {"username": colleague.username, "membership_type": "viewer"},
    )
    marker = unique("legend")
    colleague.created(
        "comment/",
        {
            "target_type": "figure",
            "target_id": discussed["figure"]["api_id"],
            "content": f"The {marker} is cut off",
        },
    )
    page = signed_in.page
    page.goto(f"/figure/{discussed['figure']['api_id']}")
    theirs = page.locator("#comments article.comment", has_text=marker)
    assert theirs.locator(".comment-author").inner_text() == colleague.username
    assert theirs.locator(".edit-menu").count() == 0
    assert theirs.locator("button:has-text('Delete')").count() == 0
    assert theirs.locator(".reply-menu").count() == 1

    page.goto(f"/workspace/{discussed['workspace']['api_id']}/search?q={marker}")
    row = page.locator("#comment-results tbody tr")
    assert row.count() == 1
    assert colleague.username in row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()
    assert f"/figure/{discussed['figure']['api_id']}#comment-" in page.url
    assert signed_in.errors == []


def test_form_posts_need_the_csrf_token_and_view_access(live_server, owner, discussed):
    """Over plain HTTP: no token, no comment; a user who cannot see the figure is refused; the owner posts."""
    path = f"/comments/figure/{discussed['figure']['api_id']}"
    marker = unique("by-form")

    def post(session, with_token: bool):
        token = csrf_token(session.get(live_server.url + "/", timeout=30).text)
        data = {"content": marker} | ({"csrfmiddlewaretoken": token} if with_token else {})
        headers = {"Referer": live_server.url + "/"}
        return session.post(
            live_server.url + path, data=data, headers=headers, allow_redirects=False, timeout=30
        )

    stranger = new_user(live_server)
    outsider = web_session(live_server, stranger.username, stranger.password)
    denied = post(outsider, True)
    # a stranger is told what an id nobody uses is told
    assert error_page(denied, 404) == ("Not found", f"No figure with id {discussed['figure']['api_id']}.")
    member = web_session(live_server, owner.username, owner.password)
    assert error_page(post(member, False), 403) == ("Form expired", FORM_EXPIRED)  # CSRF
    posted = post(member, True)
    assert posted.status_code == 302
    assert posted.headers["Location"].startswith(f"/figure/{discussed['figure']['api_id']}#comment-")
    listed = owner.ok(f"comment/?target_type=figure&target_id={discussed['figure']['api_id']}")
    assert [c["content"] for c in listed].count(marker) == 1


def test_comments_on_a_data_file_and_its_revision(signed_in, owner):
    """Data files are discussed too: the asset page and each of its revisions carry a comments panel."""
    workspace = owner.workspace()
    asset = owner.asset(workspace["api_id"], unique("measurements") + ".csv")
    revision = owner.asset_revision(asset["api_id"], b"day,size\n1,2\n", "data/measurements.csv")
    page = signed_in.page
    for path, target_type, target_id in [
        (f"/asset/{asset['api_id']}", "asset", asset["api_id"]),
        (f"/asset_revision/{revision['api_id']}", "asset_revision", revision["api_id"]),
    ]:
        page.goto(path)
        marker = unique("note")
        page.fill("#comment-content", f"Units are *mm*: {marker}")
        submit(page, "#comment-submit")
        assert page.url.split("#")[0].endswith(path)
        body = page.locator("#comments article.comment .comment-body").first
        assert marker in body.inner_text() and body.locator("em").inner_text() == "mm"
        stored = owner.ok(f"comment/?target_type={target_type}&target_id={target_id}")
        assert [marker in c["content"] for c in stored] == [True]
