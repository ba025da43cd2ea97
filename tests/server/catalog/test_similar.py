"""``GET revision/<id>/similar/``: near-duplicate pictures among the revisions the caller may see (as a
member, or shared with them), read by the "revision.read_pictures" task it queues; and the workspace
search finding revisions by the text read off their pictures."""

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


def test_a_share_reader_finds_what_is_shared_with_them_and_a_link_reader_what_the_link_reaches(live_server):
    """Beyond their own workspaces: everything shared with them by a user share, and what the share link
    they read through reaches; never another link-shared object (a link is held, not listed)."""
    import requests

    owner, friend = new_user(live_server), new_user(live_server)
    _, analysis, wave = owner.tree()
    source = owner.revision(wave["api_id"], image_item(chart(lambda ax: ax.plot(X, np.cos(X)))))
    again = owner.revision(wave["api_id"], image_item(chart(lambda ax: ax.plot(X, np.cos(X) * 1.02))))
    elsewhere = owner.figure(analysis["api_id"], "Cosine elsewhere")  # in the analysis, not the figure
    sibling = owner.revision(elsewhere["api_id"], image_item(chart(lambda ax: ax.plot(X, np.cos(X)))))
    _, _, other = owner.tree()  # another workspace, link-shared on its own
    unrelated_link = owner.revision(other["api_id"], image_item(chart(lambda ax: ax.plot(X, np.cos(X)))))
    assert owner.post(f"figure/{other['api_id']}/share/link/", {"enabled": True}).status_code == 200

    def found(answer: dict) -> set[str]:
        return {s["api_id"] for s in answer["similar"]}

    # a link on the figure, opened in a browser signed out: the figure's other revision, nothing else
    link = owner.post(f"figure/{wave['api_id']}/share/link/", {"enabled": True}).json()
    visitor = live_server.new_session()
    assert visitor.get(f"{live_server.url}/s/{link['token']}", timeout=30).status_code == 200
    deadline = time.monotonic() + 90
    while True:
        page = visitor.get(f"{live_server.url}/revision/{source['api_id']}/similar", timeout=30)
        assert page.status_code == 200, page.text[:300]
        if "similar-unread" not in page.text or time.monotonic() > deadline:
            break
        time.sleep(0.3)  # the reading is queued on behalf of the revision's publisher
    listed = set(re.findall(r'data-revision="([0-9a-f-]{36})"', page.text))
    assert listed == {again["api_id"]}, listed
    # over the API, similar/ is for signed-in readers: a link is read there by id, and lists nothing
    signed_out = requests.get(f"{live_server.api}revision/{source['api_id']}/similar/", timeout=30)
    assert signed_out.status_code == 401

    # shared with a user on the analysis: they find the sibling figure's revision too
    path = f"analysis/{analysis['api_id']}/share/user/"
    assert owner.post(path, {"username": friend.username, "sharing_enabled": True}).status_code == 200
    assert found(settled(friend, source["api_id"])) == {again["api_id"], sibling["api_id"]}
    # the owner, a member, finds everything of theirs, the other workspace's copy included
    assert found(settled(owner, source["api_id"])) == {
        again["api_id"],
        sibling["api_id"],
        unrelated_link["api_id"],
    }
