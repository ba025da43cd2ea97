"""``GET revision/<id>/similar/``: near-duplicate pictures among the revisions the caller reads as a member,
read by the "revision.read_pictures" task it queues; and the workspace search finding revisions by the
text read off their pictures."""

from __future__ import annotations

import re
import time

import numpy as np

from tests.server.catalog.test_auto_assign import X, assigned, auto_assign, chart, image_item
from tests.server.helpers import denied, new_user, refusal
from tests.web.helpers import web_session


def settled(api, revision_id: str, timeout: float = 90) -> dict:
    """``similar/`` once every revision it could compare has been read."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = api.ok(f"revision/{revision_id}/similar/")
        if answer["unread"] == 0:
            return answer
        time.sleep(0.3)
    raise AssertionError(f"revisions still unread after {timeout} s: {answer}")


def test_similar_lists_the_near_duplicates_the_caller_can_read(live_server):
    owner, stranger = new_user(live_server), new_user(live_server)
    workspace = owner.workspace()
    first, second = owner.analysis(workspace["api_id"]), owner.analysis(workspace["api_id"])
    wave = owner.figure(first["api_id"], "Wave")
    source = owner.revision(wave["api_id"], image_item(chart(lambda ax: ax.plot(X, np.sin(X)))))
    copy = owner.figure(second["api_id"], "Wave, again")
    redrawn = owner.revision(copy["api_id"], image_item(chart(lambda ax: ax.plot(X, np.sin(X) * 1.02))))
    bars = owner.figure(first["api_id"], "Bars")
    unrelated = owner.revision(bars["api_id"], image_item(chart(lambda ax: ax.bar([1, 2, 3], [3, 1, 2]))))
    empty = owner.revision(bars["api_id"])  # no picture at all
    _, _, foreign = stranger.tree()  # the very same picture, in a workspace the owner cannot read
    stranger.revision(foreign["api_id"], image_item(chart(lambda ax: ax.plot(X, np.sin(X)))))

    first_answer = owner.ok(f"revision/{source['api_id']}/similar/")
    assert re.fullmatch(r"[0-9a-f]{16}", first_answer["phash"])  # read on the spot
    assert first_answer["unread"] == 3  # the owner's three others: their reading is queued
    answer = settled(owner, source["api_id"])
    assert answer["max_distance"] == 8
    assert [(s["api_id"], s["figure_name"], s["analysis"]) for s in answer["similar"]] == [
        (redrawn["api_id"], "Wave, again", second["api_id"])
    ]
    assert 0 <= answer["similar"][0]["distance"] <= 8
    # what the task read is kept on each revision
    assert re.fullmatch(r"[0-9a-f]{16}", owner.ok(f"revision/{unrelated['api_id']}/")["phash"])
    assert owner.ok(f"revision/{empty['api_id']}/")["phash"] == ""  # read: no picture to hash
    assert owner.ok(f"revision/{empty['api_id']}/similar/") == {
        "revision": empty["api_id"],
        "phash": None,
        "max_distance": 8,
        "similar": [],
        "unread": 0,
    }
    wide = owner.ok(f"revision/{source['api_id']}/similar/?max_distance=32")["similar"]
    assert {s["api_id"] for s in wide} >= {redrawn["api_id"]}
    assert empty["api_id"] not in {s["api_id"] for s in wide}

    refusal(owner.get(f"revision/{source['api_id']}/similar/?max_distance=65"), 400, "max_distance")
    refusal(owner.get(f"revision/{source['api_id']}/similar/?max_distance=-1"), 400, "max_distance")
    path = f"revision/{source['api_id']}/similar/"
    assert refusal(stranger.get(path), 403) == denied("view", "revision")


def test_the_workspace_search_finds_words_in_pictures(live_server):
    owner = new_user(live_server)
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"])
    picture = chart(lambda ax: ax.plot(X, np.cos(X)), title="Hospital Admissions Weekly")
    created = auto_assign(owner, analysis["api_id"], image_item(picture), metadata={"title": "Admissions"})
    revision = assigned(owner, created["api_id"])
    assert "Hospital Admissions Weekly" in revision["image_text"]
    session = web_session(live_server, owner.username, owner.password)
    page = session.get(f"{live_server.url}/workspace/{workspace['api_id']}/search?q=hospital", timeout=30)
    assert page.status_code == 200, page.text[:500]
    assert f"/revision/{created['api_id']}" in page.text or f"/r/{created['api_id']}" in page.text
    assert "in the picture:</span> Hospital Admissions Weekly" in page.text


def test_the_revision_page_leads_to_its_similar_figures(live_server):
    owner, stranger = new_user(live_server), new_user(live_server)
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"])
    wave = owner.figure(analysis["api_id"], "Wave")
    source = owner.revision(wave["api_id"], image_item(chart(lambda ax: ax.plot(X, np.sin(X)))))
    copy = owner.figure(analysis["api_id"], "Wave, again")
    redrawn = owner.revision(copy["api_id"], image_item(chart(lambda ax: ax.plot(X, np.sin(X) * 1.02))))
    bars = owner.figure(analysis["api_id"], "Bars")
    owner.revision(bars["api_id"], image_item(chart(lambda ax: ax.bar([1, 2, 3], [3, 1, 2]))))
    settled(owner, source["api_id"])
    session = web_session(live_server, owner.username, owner.password)
    revision_page = session.get(f"{live_server.url}/revision/{source['api_id']}", timeout=30).text
    assert f'href="/revision/{source["api_id"]}/similar"' in revision_page
    page = session.get(f"{live_server.url}/revision/{source['api_id']}/similar", timeout=30)
    assert page.status_code == 200
    listed = re.findall(r'data-revision="([^"]+)"', page.text.split('id="similar-results"', 1)[1])
    assert listed == [redrawn["api_id"]]  # the redrawn wave; not the bars
    assert "Wave, again" in page.text and ("bits apart" in page.text or "identical" in page.text)
    theirs = web_session(live_server, stranger.username, stranger.password)
    refused = theirs.get(f"{live_server.url}/revision/{source['api_id']}/similar", timeout=30)
    assert refused.status_code == 404 and f"No revision with id {source['api_id']}." in refused.text
