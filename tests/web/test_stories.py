"""Stories in the browser: made from an analysis's figures, written by the offline provider, listed on the
workspace page, edited, exported, and shared by link with a signed-out visitor."""

from __future__ import annotations

import io
import time

import pytest

from tests.server.helpers import denied, new_user
from tests.web.seed import revision_body, seed

OFFLINE = "Offline summary, no language model"


def images_loaded(page, selector: str, timeout: float = 20) -> bool:
    """Whether every image matched has loaded, polled from Python (the page's CSP forbids the eval that
    ``wait_for_function`` needs when it has to poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator(selector).evaluate_all(
            "(imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0)"
        ):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def story_source(owner):
    """An analysis with two published figures (its own, so other modules' data does not interfere)."""
    seeded = seed(owner, revisions=2)
    second = owner.figure(seeded.analysis["api_id"], "Survival by arm")
    owner.created("revision/", revision_body(second["api_id"], 1, None))
    return seeded, second


def make_story(page, analysis_id: str, *, title: str = "") -> str:
    """Create a story through the analysis page; returns its id once it is written."""
    page.goto(f"/analysis/{analysis_id}")
    with page.expect_navigation():
        page.click("#new-story")
    boxes = page.locator("#new-story-form input[name=figure]")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(2))
    if title:
        page.fill("#new-story-title", title)
    with page.expect_navigation():
        page.click("#create-story")
    assert "/story/" in page.url
    page.wait_for_selector("#story-status:has-text('ready')", timeout=30_000)  # story.js reloads
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def test_create_a_story_from_figures_and_read_it(signed_in, story_source):
    seeded, second = story_source
    page = signed_in.page
    story_id = make_story(page, seeded.analysis["api_id"])
    assert page.inner_text("#story-provider") == OFFLINE
    slides = page.locator("#slides .slide")
    assert slides.count() == 2
    assert page.locator("#slides .slide-title").first.inner_text().strip()
    links = page.locator("#slides .slide-link a")
    assert links.count() == 2
    hrefs = links.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert f"/revision/{seeded.revisions[-1]['api_id']}" in hrefs  # the latest revision of each figure
    assert images_loaded(page, "#slides img")
    # the workspace lists it
    page.goto(f"/workspace/{seeded.workspace['api_id']}?tab=stories")
    row = page.locator(f"#stories tr:has(a[href='/story/{story_id}'])")
    assert "ready" in row.inner_text() and OFFLINE in row.inner_text()
    assert row.locator("td.num").inner_text() == "2"
    assert signed_in.errors == []


def test_edit_reorder_and_remove_slides(signed_in, story_source):
    seeded, _ = story_source
    page = signed_in.page
    story_id = make_story(page, seeded.analysis["api_id"], title="Growth and survival")
    assert page.inner_text("#story-title") == "Growth and survival"  # a given title is kept
    first_before = page.locator("#slides .slide").first.get_attribute("data-slide")
    with page.expect_navigation():
        page.click("#edit-story")
    first = page.locator("#story-edit-form .slide").first
    first.locator("input[id$='-title']").fill("Treated tumours grow slower")
    with page.expect_navigation():
        page.click("#story-save")
    assert page.url.endswith(f"/story/{story_id}")
    assert page.locator("#slides .slide-title").first.inner_text() == "Treated tumours grow slower"

    with page.expect_navigation():
        page.click("#edit-story")
    with page.expect_navigation():
        page.locator("#story-edit-form .slide").first.locator("button:has-text('Move down')").click()
    assert "The slide is moved." in page.inner_text(".messages")
    assert page.locator("#story-edit-form .slide").nth(1).get_attribute("data-slide") == first_before
    with page.expect_navigation():
        page.locator("#story-edit-form .slide").first.locator("button:has-text('Remove')").click()
    assert page.locator("#story-edit-form .slide").count() == 1
    page.goto(f"/story/{story_id}")
    assert page.locator("#slides .slide").count() == 1
    assert page.locator("#slides .slide-title").inner_text() == "Treated tumours grow slower"


def test_download_pptx_and_docx(signed_in, story_source):
    from docx import Document
    from pptx import Presentation

    seeded, _ = story_source
    page = signed_in.page
    make_story(page, seeded.analysis["api_id"], title="Deck for the lab meeting")
    with page.expect_download() as info:
        page.click("#download-pptx")
    deck = Presentation(io.BytesIO(open(info.value.path(), "rb").read()))
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame]
    assert any("Deck for the lab meeting" in text for text in texts)
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) >= 2  # the figures (and their QR codes)
    with page.expect_download() as info:
        page.click("#download-docx")
    document = Document(info.value.path())
    assert any("Deck for the lab meeting" in p.text for p in document.paragraphs)


def test_a_link_shared_story_opens_signed_out(signed_in, visitor, story_source):
    seeded, _ = story_source
    page = signed_in.page
    story_id = make_story(page, seeded.analysis["api_id"], title="Shared story")
    page.click("#share-button")
    dialog = page.locator("dialog#share-dialog")
    dialog.locator("#share-enabled").check()
    with page.expect_navigation():
        dialog.locator("#share-save").click()
    assert page.url.endswith(f"/story/{story_id}")
    link = page.input_value("#share-link")

    guest = visitor.page
    guest.goto(link)
    assert guest.url.endswith(f"/story/{story_id}")
    assert guest.inner_text("#story-title") == "Shared story"
    assert guest.locator("#edit-story").count() == 0 and guest.locator("#share-button").count() == 0
    assert guest.locator("#slides .slide").count() == 2
    assert images_loaded(guest, "#slides img")
    assert guest.locator("#slides .slide-link a").count() == 0  # the figures themselves are not shared
    guest.goto(f"/analysis/{seeded.analysis['api_id']}")
    assert "/signin?next=" in guest.url
    assert visitor.errors == []


def test_viewers_cannot_edit_or_create(live_server, owner, story_source):
    from tests.web.helpers import error_page, web_session

    seeded, _ = story_source
    reader = new_user(live_server)
    owner.post(
        f"workspace/{seeded.workspace['api_id']}/members/add",
        {"username": reader.username, "membership_type": "viewer"},
    )
    session = web_session(live_server, reader.username, reader.password)
    analysis_page = session.get(f"{live_server.url}/analysis/{seeded.analysis['api_id']}", timeout=30)
    assert analysis_page.status_code == 200 and 'id="new-story"' not in analysis_page.text
    new_page = session.get(f"{live_server.url}/analysis/{seeded.analysis['api_id']}/story/new", timeout=30)
    assert error_page(new_page, 403) == ("No access", denied("create", "analysis"))


def test_a_story_shared_with_a_user_is_on_their_home_page(
    signed_in, browser, live_server, owner, story_source
):
    from tests.web.conftest import Browsing

    seeded, _ = story_source
    story_id = make_story(signed_in.page, seeded.analysis["api_id"], title="For a collaborator")
    friend = new_user(live_server)
    response = owner.post(f"story/{story_id}/share/user", {"username": friend.username})
    assert response.status_code == 200, response.text
    other = Browsing(browser, live_server.url)
    try:
        other.sign_in(friend.username, friend.password)
        with other.page.expect_navigation():
            other.page.click("text=For a collaborator")
        assert other.page.url.endswith(f"/story/{story_id}")
        assert other.page.locator("#slides .slide").count() == 2
        assert other.page.locator("#edit-story").count() == 0
        assert images_loaded(other.page, "#slides img")
    finally:
        other.close()
