"""The "Ask AI" panel of a revision page, against the real server's offline provider: a streamed
answer, extracted code, an AI title and description, and the panel disabled when the limits say so."""

from __future__ import annotations

import pytest

from tests.server.helpers import new_user
from tests.web.conftest import Browsing
from tests.web.helpers import use_up_ai_rate
from tests.web.seed import seed

OFFLINE = "Offline summary, no language model"


@pytest.fixture(scope="module")
def figure_revision(owner) -> dict:
    return seed(owner, revisions=1).revisions[0]


def test_ask_a_question_and_read_the_streamed_answer(signed_in, figure_revision):
    page = signed_in.page
    page.goto(f"/revision/{figure_revision['api_id']}")
    panel = page.locator("#ai-panel")
    assert panel.locator("#ai-provider").inner_text() == OFFLINE
    page.fill("#ai-question", "What does this figure show?")
    with page.expect_response(lambda r: r.url.endswith("/ai/ask")) as answer:
        page.click("#ai-ask")
    assert answer.value.headers["content-type"].startswith("text/event-stream")
    page.wait_for_selector(f"#ai-answer-label:has-text('{OFFLINE}')", timeout=20_000)
    text = page.inner_text("#ai-answer")
    assert "Tumour volume" in text  # the offline summary reads the stored facts (title, axes, code)
    assert page.locator("#ai-answer.rendered p").count() >= 1  # the finished answer shows as HTML
    assert page.inner_text("#ai-status") == ""
    assert signed_in.errors == []


def test_extract_code(signed_in, figure_revision):
    page = signed_in.page
    page.goto(f"/revision/{figure_revision['api_id']}")
    page.click("#ai-extract")
    page.wait_for_selector("#ai-code:not([hidden])", timeout=20_000)
    assert "plt" in page.inner_text("#ai-code-text")
    assert OFFLINE in page.inner_text("#ai-code-label")


def test_describe_with_ai_fills_title_and_description(signed_in, figure_revision):
    page = signed_in.page
    page.goto(f"/revision/{figure_revision['api_id']}")
    assert page.locator("#ai-description").count() == 0
    with page.expect_navigation(timeout=30_000):  # insight.js reloads when the task is done
        page.click("#ai-describe")
    assert page.inner_text("#ai-title").strip()
    assert "Written by the AI" in page.inner_text("#ai-description")


def test_no_ai_panel_for_link_visitors_and_no_describe_for_viewers(
    live_server, owner, browser, figure_revision
):
    token = owner.post(f"revision/{figure_revision['api_id']}/share/link", {"enabled": True}).json()["token"]
    guest = Browsing(browser, live_server.url)
    try:
        guest.page.goto(f"/s/{token}")
        assert guest.page.url.endswith(f"/revision/{figure_revision['api_id']}")
        assert guest.page.locator("#figure-image").count() == 1
        assert guest.page.locator("#ai-panel").count() == 0  # AI calls are counted per signed-in user
        response = guest.page.request.post(f"/revision/{figure_revision['api_id']}/ai/ask")
        assert response.status == 401  # signed out: refused before the view (web.gate), as JSON
        assert response.json() == {"detail": "Sign in first: this needs a signed-in user."}
    finally:
        guest.close()
    reader = new_user(live_server)
    revision = owner.ok(f"revision/{figure_revision['api_id']}")
    figure = owner.ok(f"figure/{revision['figure']}")
    analysis = owner.ok(f"analysis/{figure['analysis']}")
    owner.post(
        f"workspace/{analysis['workspace']}/members/add",
        {"username": reader.username, "membership_type": "viewer"},
    )
    other = Browsing(browser, live_server.url)
    try:
        other.sign_in(reader.username, reader.password)
        other.page.goto(f"/revision/{figure_revision['api_id']}")
        assert other.page.locator("#ai-ask").is_enabled()
        assert other.page.locator("#ai-describe").count() == 0  # describing writes: editors only
    finally:
        other.close()


def test_panel_is_disabled_with_the_reason_when_the_rate_is_used_up(
    live_server, browser, owner, figure_revision
):
    user = new_user(live_server)
    own = seed(user, revisions=1).revisions[0]
    use_up_ai_rate(user, own["api_id"])
    browsing = Browsing(browser, live_server.url)
    try:
        browsing.sign_in(user.username, user.password)
        browsing.page.goto(f"/revision/{own['api_id']}")
        assert "Too many AI requests" in browsing.page.inner_text("#ai-unavailable")
        assert browsing.page.locator("#ai-ask").is_disabled()
        assert browsing.page.locator("#ai-extract").is_disabled()
    finally:
        browsing.close()
