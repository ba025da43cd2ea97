"""The AI around the rest of the web UI, against the real server's offline provider, in Chromium: the
compare page's streamed explanation, AI replies in comment threads, the account's usage tab, and "Describe
with AI" on a figure page."""

from __future__ import annotations

import pytest

from tests.server.helpers import new_user
from tests.web.conftest import Browsing
from tests.web.helpers import use_up_ai_rate
from tests.web.seed import seed

OFFLINE = "Offline summary, no language model"


@pytest.fixture(scope="module")
def seeded_figure(owner):
    return seed(owner, revisions=2)


def test_compare_explains_the_differences_as_a_stream(signed_in, seeded_figure):
    first, second = seeded_figure.revisions
    page = signed_in.page
    page.goto(f"/compare?a={first['api_id']}&b={second['api_id']}")
    assert page.inner_text("#ai-compare #ai-provider") == OFFLINE
    with page.expect_response(lambda r: r.url.endswith("/compare/ai/explain")) as answer:
        page.click("#ai-explain")
    assert answer.value.status == 200
    assert answer.value.headers["content-type"].startswith("text/event-stream")
    page.wait_for_selector(f"#ai-answer-label:has-text('{OFFLINE}')", timeout=20_000)
    assert "differences" in page.inner_text("#ai-answer")
    assert page.inner_text("#ai-status") == ""
    assert signed_in.errors == []


def test_ask_ai_to_reply_shows_the_reply_with_the_ai_badge(signed_in, seeded_figure):
    revision = seeded_figure.revisions[0]
    page = signed_in.page
    page.goto(f"/revision/{revision['api_id']}")
    page.fill("#comment-content", "Why does the treated arm flatten after day 10?")
    with page.expect_navigation():
        page.click("#comment-submit")
    question = page.locator("#comments article.comment").last
    assert question.locator(".ai-badge").count() == 0
    with page.expect_navigation():
        question.locator("button.ai-reply").click()
    reply = page.locator("#comments article.ai-comment").last
    assert "indent-1" in reply.get_attribute("class")  # in the thread, under the question
    assert reply.locator(".ai-badge").inner_text() == "AI"
    reply.locator(".comment-body:not(.ai-writing)").wait_for(timeout=30_000)  # filled by the task
    assert reply.locator(".comment-body").inner_text().strip() not in ("", "writing…")
    assert reply.locator(".ai-label").inner_text() == OFFLINE
    # the finished reply, seen afresh, is rendered by the server like any other comment
    page.reload()
    again = page.locator("#comments article.ai-comment").last
    assert again.locator(".comment-body p").count() >= 1
    assert again.locator(".edit-menu").count() == 0  # an AI reply is not edited as one's own words
    assert signed_in.errors == []


def test_ai_reply_is_refused_to_a_signed_out_visitor(live_server, owner, browser, seeded_figure):
    revision = seeded_figure.revisions[1]
    comment = owner.created(
        "comment/", {"target_type": "figure_revision", "target_id": revision["api_id"], "content": "Hm."}
    )
    guest = Browsing(browser, live_server.url)
    try:
        response = guest.page.request.post(f"/comments/{comment['api_id']}/ai_reply", max_redirects=0)
        assert response.status == 302  # signed out: to the sign-in page (web.gate), never a reply
        assert response.headers["location"].startswith("/signin?next=")
    finally:
        guest.close()
    thread = owner.ok(f"comment/?target_type=figure_revision&target_id={revision['api_id']}")
    assert not any(c["is_ai"] for c in thread)


def test_usage_tab_counts_a_call(live_server, browser):
    user = new_user(live_server)
    own = seed(user, revisions=1).revisions[0]
    browsing = Browsing(browser, live_server.url)
    try:
        browsing.sign_in(user.username, user.password)
        page = browsing.page
        page.goto("/account/ai-usage")
        assert page.inner_text("#ai-plan") == "default"
        assert page.inner_text("#ai-requests") == "0"
        assert page.inner_text("#ai-provider-kind") == OFFLINE
        assert page.locator("#ai-no-usage").count() == 1
        rate_left = int(page.inner_text("#ai-rate-remaining"))
        response = user.post("ai/insight/", {"revision_id": own["api_id"]})
        assert response.status_code == 200, response.text
        page.reload()
        assert page.inner_text("#ai-requests") == "1"
        assert int(page.inner_text("#ai-rate-remaining")) == rate_left - 1
        row = page.locator("#ai-by-purpose tr[data-purpose='insight']")
        assert row.locator(".requests").inner_text() == "1"
        assert int(page.inner_text("#ai-output-tokens")) > 0
    finally:
        browsing.close()


def test_describe_a_figure_fills_its_title_and_description(signed_in, owner):
    seeded = seed(owner, revisions=1)
    page = signed_in.page
    page.goto(f"/figure/{seeded.figure['api_id']}")
    assert page.locator("#ai-description").count() == 0
    with page.expect_navigation(timeout=30_000):  # insight.js reloads when the task is done
        page.click("#ai-describe")
    assert page.inner_text("#ai-title").strip()
    assert page.inner_text("#ai-description-text").strip()
    figure = owner.ok(f"figure/{seeded.figure['api_id']}")
    assert figure["ai_title"] == page.inner_text("#ai-title").strip()


def test_limits_disable_explain_and_ai_reply_with_the_reason(live_server, browser):
    user = new_user(live_server)
    seeded = seed(user, revisions=2)
    first, second = seeded.revisions
    comment = user.created(
        "comment/", {"target_type": "figure", "target_id": seeded.figure["api_id"], "content": "Look."}
    )
    assert comment
    use_up_ai_rate(user, first["api_id"])
    browsing = Browsing(browser, live_server.url)
    try:
        browsing.sign_in(user.username, user.password)
        page = browsing.page
        page.goto(f"/compare?a={first['api_id']}&b={second['api_id']}")
        assert "Too many AI requests" in page.inner_text("#ai-unavailable")
        assert page.locator("#ai-explain").is_disabled()
        page.goto(f"/figure/{seeded.figure['api_id']}")
        assert page.locator("#comments button.ai-reply").is_disabled()
        assert "Too many AI requests" in page.inner_text("#ai-reply-unavailable")
        assert page.locator("#ai-describe").is_disabled()
        page.goto("/account/ai-usage")
        assert "Too many AI requests" in page.inner_text("#ai-usage .ai-refusal")
        assert page.inner_text("#ai-rate-remaining") == "0"
    finally:
        browsing.close()
