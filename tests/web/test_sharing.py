"""Sharing a figure by link (opened signed out) and with a named user, through the share dialog."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.server.helpers import denied, new_user
from tests.web.seed import seed


@pytest.fixture(scope="module")
def shared(owner):
    """Its own figure (module-scoped data is shared with other modules' tests otherwise)."""
    seeded = seed(owner, revisions=2)
    sibling = owner.figure(seeded.analysis["api_id"], "Not shared")
    return seeded, sibling


def open_share_dialog(page, figure_id: str):
    page.goto(f"/figure/{figure_id}")
    page.click("#share-button")
    dialog = page.locator("dialog#share-dialog")
    assert dialog.get_attribute("open") is not None
    return dialog


def test_link_share_opens_signed_out_read_only_and_nothing_else(signed_in, visitor, shared):
    seeded, sibling = shared
    figure_id = seeded.figure["api_id"]
    page = signed_in.page
    dialog = open_share_dialog(page, figure_id)
    dialog.locator("#share-enabled").check()
    with page.expect_navigation():
        dialog.locator("#share-save").click()
    assert "Link sharing is on: copy the link below." in page.inner_text(".messages")
    assert page.url.endswith(f"/share/figure/{figure_id}")  # the link at once, not a closed dialog
    assert page.is_visible("#share-link") and page.is_visible("button[data-copy=share-link]")
    link = page.input_value("#share-link")
    assert "/s/" in link

    guest = visitor.page
    guest.goto(link)
    assert guest.url.endswith(f"/figure/{figure_id}")
    assert guest.inner_text("h1") == "Tumour volume by arm"
    assert "Sign in" in guest.inner_text("header")
    assert guest.locator("#share-button").count() == 0  # read-only: no sharing controls
    assert seeded.analysis["name"] not in guest.inner_text(".crumbs")  # the parent is not shared
    with guest.expect_navigation():
        guest.click("#timeline li >> nth=0 >> a.thumb")
    assert "revision 2 of 2" in guest.inner_text("h1")
    assert guest.eval_on_selector("#figure-image", "i => i.complete && i.naturalWidth > 0")
    # only the shared figure and its descendants
    for path in (
        f"/analysis/{seeded.analysis['api_id']}",
        f"/figure/{sibling['api_id']}",
        f"/workspace/{seeded.workspace['api_id']}",
    ):
        guest.goto(path)
        assert "/signin?next=" in guest.url, path
    assert visitor.errors == []

    # turning the link off closes it
    dialog = open_share_dialog(page, figure_id)
    dialog.locator("#share-enabled").uncheck()
    with page.expect_navigation():
        dialog.locator("#share-save").click()
    assert "Link sharing is off." in page.inner_text(".messages")
    response = guest.goto(link)
    assert response.status == 404
    assert "This share link is turned off, has expired, or never existed." in guest.inner_text("main")
    guest.goto(f"/figure/{figure_id}")
    assert "/signin?next=" in guest.url

    # on again: a new link; the old one stays dead
    dialog = open_share_dialog(page, figure_id)
    dialog.locator("#share-enabled").check()
    with page.expect_navigation():
        dialog.locator("#share-save").click()
    again = page.input_value("#share-link")
    assert "/s/" in again and again != link
    assert guest.goto(link).status == 404
    guest.goto(again)
    assert guest.url.endswith(f"/figure/{figure_id}")


def test_link_expiry(signed_in, shared):
    page = signed_in.page
    figure_id = shared[0].figure["api_id"]
    dialog = open_share_dialog(page, figure_id)
    dialog.locator("#share-enabled").check()
    dialog.locator("#share-expiry").fill((date.today() - timedelta(days=2)).isoformat())
    with page.expect_navigation():
        dialog.locator("#share-save").click()
    assert "Choose a day in the future" in page.inner_text(".messages")
    dialog = open_share_dialog(page, figure_id)
    dialog.locator("#share-enabled").check()
    later = date.today() + timedelta(days=30)
    dialog.locator("#share-expiry").fill(later.isoformat())
    with page.expect_navigation():
        dialog.locator("#share-save").click()
    # a link just turned on opens the share page (link and expiry shown at once); one already on, the dialog
    assert page.locator("#share-status").inner_text() == "on"
    assert later.strftime("%-d %b %Y") in page.locator("p:has(#share-status)").first.text_content()


def test_share_with_a_user(signed_in, browser, live_server, shared):
    from tests.web.conftest import Browsing

    seeded, sibling = shared
    friend = new_user(live_server)
    page = signed_in.page
    dialog = open_share_dialog(page, seeded.figure["api_id"])
    dialog.locator("#share-username").fill(friend.username)
    with page.expect_navigation():
        dialog.locator("button:has-text('Share')").click()
    assert f"Shared with {friend.username}." in page.inner_text(".messages")
    assert friend.username in page.locator("#share-people").inner_text()

    other = Browsing(browser, live_server.url)
    try:
        other.sign_in(friend.username, friend.password)
        assert "Tumour volume by arm" in other.page.inner_text("main")  # "Shared with you"
        with other.page.expect_navigation():
            other.page.click("text=Tumour volume by arm >> nth=-1")
        assert other.page.url.endswith(f"/figure/{seeded.figure['api_id']}")
        response = other.page.goto(f"/figure/{sibling['api_id']}")
        assert response.status == 404  # the sibling is not shared: to them it does not exist
        assert f"No figure with id {sibling['api_id']}." in other.page.inner_text("main")
        assert other.errors == [] or all("404" in e for e in other.errors)
    finally:
        other.close()


def test_only_those_who_may_change_an_object_may_share_it(live_server, owner, shared):
    from tests.web.helpers import csrf_token, error_page, post_form, web_session

    seeded, _ = shared
    viewer = new_user(live_server)
    owner.post(
        f"workspace/{seeded.workspace['api_id']}/members/add",
        {"username": viewer.username, "membership_type": "viewer"},
    )
    session = web_session(live_server, viewer.username, viewer.password)
    figure_page = session.get(f"{live_server.url}/figure/{seeded.figure['api_id']}", timeout=30)
    assert figure_page.status_code == 200
    assert 'id="share-button"' not in figure_page.text  # a viewer gets no share controls
    path = f"/share/figure/{seeded.figure['api_id']}"
    no_access = ("No access", denied("create", "figure"))
    assert error_page(session.get(live_server.url + path, timeout=30), 403) == no_access
    response = post_form(
        session, live_server, f"/figure/{seeded.figure['api_id']}", {"action": "link", "enabled": "on"}
    )
    # pages only show; changes go to their own endpoints, and the page says so
    assert error_page(response, 405) == ("Not allowed", "POST is not allowed here: use GET, HEAD.")
    assert response.headers["Allow"] == "GET, HEAD"
    token_page = session.get(f"{live_server.url}/figure/{seeded.figure['api_id']}", timeout=30).text
    before = owner.ok(f"figure/{seeded.figure['api_id']}/share/link")["enabled"]
    flip = {} if before else {"enabled": "on"}
    forged = session.post(
        live_server.url + path,
        data={"action": "link", **flip, "csrfmiddlewaretoken": csrf_token(token_page)},
        headers={"Referer": live_server.url + path},
        allow_redirects=False,
        timeout=30,
    )
    assert error_page(forged, 403) == no_access
    assert owner.ok(f"figure/{seeded.figure['api_id']}/share/link")["enabled"] is before


def test_the_share_dialog_says_what_a_link_shows(live_server, owner, shared):
    from tests.web.helpers import web_session

    figure_id = shared[0].figure["api_id"]
    page = web_session(live_server, owner.username, owner.password).get(
        f"{live_server.url}/share/figure/{figure_id}", timeout=30
    )
    exposes = page.text[page.text.index('id="share-exposes"') : page.text.index("</details>")]
    for what in ("host name", "file paths", "git branch, commit and remote URL", "installed packages"):
        assert what in exposes, what


def test_the_dialog_hides_the_environment_from_link_viewers(signed_in, visitor, owner):
    """Ticked in the dialog, the option keeps the git remote, the Python version and the pip freeze
    from whoever opens the link; the owner still sees them."""
    seeded = seed(owner, revisions=1)  # its own figure: the link's state is this test's alone
    figure_id, revision_id = seeded.figure["api_id"], seeded.revisions[-1]["api_id"]
    page = signed_in.page
    dialog = open_share_dialog(page, figure_id)
    page.click("#share-exposes summary")
    assert "Hide the environment from link viewers" in dialog.locator("#share-exposes").inner_text()
    dialog.locator("#share-enabled").check()
    dialog.locator("#share-hide-environment").check()
    with page.expect_navigation():
        dialog.locator("#share-save").click()
    assert page.is_checked("#share-hide-environment")  # the share page says what was saved
    link = page.input_value("#share-link")
    assert owner.ok(f"figure/{figure_id}/share/link/")["hide_environment"] is True

    guest = visitor.page
    guest.goto(link)
    guest.goto(f"/revision/{revision_id}")
    assert guest.is_visible("#environment-hidden")
    shown = guest.inner_text("main")
    assert "lab/tumour-growth" not in shown and "3.11.9" not in shown and "pip freeze" not in shown
    assert guest.locator("#git").count() == 0
    assert visitor.errors == []

    page.goto(f"/revision/{revision_id}")
    assert page.locator("#environment-hidden").count() == 0
    assert "lab/tumour-growth" in page.inner_text("#git")
