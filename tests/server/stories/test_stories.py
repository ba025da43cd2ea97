"""``story/``: stories made from published revisions, written in a background task by the (offline)
provider, edited, shared and exported — all through the live server's HTTP API."""

from __future__ import annotations

import pytest
import requests

from tests.server.helpers import (
    NO_CREDENTIALS,
    Api,
    data_item,
    denied,
    finished_task,
    new_user,
    no_such,
    png_bytes,
    refusal,
)

CODE = b"""import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [3, 1, 2], label="trend")
plt.title("Weekly trend")
plt.xlabel("week")
plt.ylabel("count")
plt.legend()
"""


def publish(api: Api, figure_id: str, color: tuple, **extra) -> dict:
    """A revision the way the client sends one: a PNG, the code that drew it, some metadata."""
    return api.revision(
        figure_id,
        data_item(png_bytes(320, 200, color), "image", "figure", format="png", is_watermarked=False),
        data_item(CODE, "code", "cell", language="python", format="text"),
        **extra,
    )


@pytest.fixture(scope="module")
def catalog(owner) -> dict:
    """A workspace with one analysis holding three published figures (the first with two revisions)."""
    workspace, analysis, first = owner.tree()
    second = owner.figure(analysis["api_id"], "Second figure")
    third = owner.figure(analysis["api_id"], "Third figure")
    old = publish(owner, first["api_id"], (10, 10, 10))
    latest = publish(owner, first["api_id"], (200, 30, 30))
    revisions = [
        latest,
        publish(owner, second["api_id"], (30, 200, 30)),
        publish(owner, third["api_id"], (30, 30, 200)),
    ]
    return {
        "workspace": workspace,
        "analysis": analysis,
        "figures": [first, second, third],
        "old": old,
        "revisions": revisions,
    }


@pytest.fixture(scope="module")
def story(owner, catalog) -> dict:
    """A story over the three figures, written by the offline provider."""
    response = owner.post(
        "story/",
        {"analysis": catalog["analysis"]["api_id"], "figure_ids": [f["api_id"] for f in catalog["figures"]]},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "generating" and body["task"]["kind"] == "story.generate"
    task = finished_task(owner, body["task"]["api_id"])
    assert task["status"] == "succeeded", task
    return owner.ok(f"story/{body['api_id']}/")


def test_generated_story_has_one_written_slide_per_figure(story, catalog):
    assert story["status"] == "ready"
    assert story["workspace"] == catalog["workspace"]["api_id"]
    assert story["analysis"] == catalog["analysis"]["api_id"]
    assert story["provider"] == "offline" and story["is_llm"] is False
    assert story["title"] and "offline" in story["summary"].lower()
    slides = story["slides"]
    assert [s["revision"] for s in slides] == [r["api_id"] for r in catalog["revisions"]]  # latest of each
    assert [s["figure"] for s in slides] == [f["api_id"] for f in catalog["figures"]]
    assert [s["position"] for s in slides] == [0, 1, 2]
    for slide in slides:
        assert slide["title"] and slide["description"]
        assert slide["image_format"] == "png"
        assert slide["revision_url"].endswith(slide["revision"]) or "/r/" in slide["revision_url"]
    assert slides[0]["transition"] and slides[-1]["transition"] == ""


def test_slide_images_are_served_through_the_story(owner, story):
    slide = story["slides"][0]
    response = owner.session.get(owner.server.url + slide["image_url"], timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    small = owner.session.get(owner.server.url + slide["image_url"] + "?size=32", timeout=30)
    assert small.status_code == 200 and small.content.startswith(b"\x89PNG")
    assert (
        refusal(owner.get(f"story/{story['api_id']}/slide/not-a-slide/image/"), 404)
        == "No slide not-a-slide in this story."
    )


def test_list_filters_by_workspace(owner, story, catalog):
    listed = owner.ok(f"story/?workspace={catalog['workspace']['api_id']}")
    assert [s["api_id"] for s in listed] == [story["api_id"]]
    assert owner.ok(f"story/?workspace={owner.primary()['api_id']}") == []
    shallow = owner.ok(f"story/?workspace={catalog['workspace']['api_id']}&shallow=true")
    assert shallow[0]["slide_count"] == 3 and "slides" not in shallow[0]
    bad = owner.get("story/?workspace=nope")
    assert bad.status_code == 400 and "workspace" in bad.json()


def test_draft_from_revision_ids_without_generation(owner, catalog):
    old, latest = catalog["old"], catalog["revisions"][0]
    body = {
        "workspace": catalog["workspace"]["api_id"],
        "title": "By hand",
        "revision_ids": [old["api_id"], latest["api_id"], old["api_id"]],
        "generate": False,
    }
    draft = owner.created("story/", body)
    assert draft["status"] == "draft" and draft["title"] == "By hand" and draft["provider"] == ""
    assert [s["revision"] for s in draft["slides"]] == [old["api_id"], latest["api_id"]]  # duplicates dropped
    assert draft["slides"][0]["title"] == catalog["figures"][0]["name"]


def test_edit_reorder_add_and_remove_slides(owner, catalog):
    revisions = catalog["revisions"]
    story = owner.created(
        "story/",
        {
            "analysis": catalog["analysis"]["api_id"],
            "revision_ids": [r["api_id"] for r in revisions[:2]],
            "generate": False,
        },
    )
    first, second = story["slides"]
    changed = owner.patch(
        f"story/{story['api_id']}/",
        {
            "title": "Edited",
            "summary": "What we found.",
            "slides": [
                {"api_id": second["api_id"], "title": "Now first", "description": "Moved up."},
                {"revision": revisions[2]["api_id"], "transition": "Last one."},
            ],
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["title"] == "Edited" and body["summary"] == "What we found."
    assert [s["revision"] for s in body["slides"]] == [revisions[1]["api_id"], revisions[2]["api_id"]]
    assert body["slides"][0]["api_id"] == second["api_id"]
    assert body["slides"][0]["title"] == "Now first" and body["slides"][0]["description"] == "Moved up."
    assert (
        body["slides"][1]["title"] == catalog["figures"][2]["name"]
    )  # a new slide is named after its figure
    assert body["slides"][1]["transition"] == "Last one."
    assert first["api_id"] not in [s["api_id"] for s in body["slides"]]
    assert body["updated_by"] == owner.username
    assert owner.ok(f"story/{story['api_id']}/") == body

    gone = owner.delete(f"story/{story['api_id']}/")
    assert gone.status_code == 204
    assert refusal(owner.get(f"story/{story['api_id']}/"), 404) == no_such("story", story["api_id"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"revision_ids": []}, "revision_ids"),
        ({"revision_ids": ["00000000-0000-0000-0000-000000000000"]}, "revision_ids"),
        ({"revision_ids": ["not-an-id"]}, "revision_ids"),
        ({"figure_ids": ["00000000-0000-0000-0000-000000000000"]}, "figure_ids"),
        ({"revision_ids": "one"}, "revision_ids"),
        ({"generate": "maybe"}, "generate"),
    ],
)
def test_bad_create_is_400_naming_the_field(owner, catalog, body, field):
    body = {"workspace": catalog["workspace"]["api_id"], "revision_ids": [catalog["old"]["api_id"]], **body}
    response = owner.post("story/", body)
    assert response.status_code == 400, response.text
    assert field in response.json()


def test_create_needs_a_place_and_a_figure_with_a_revision(owner, catalog):
    nowhere = owner.post("story/", {"revision_ids": [catalog["old"]["api_id"]]})
    assert nowhere.status_code == 400 and "workspace" in nowhere.json()
    unknown = owner.post("story/", {"analysis": "00000000-0000-0000-0000-000000000000"})
    assert unknown.status_code == 400 and "analysis" in unknown.json()
    empty_figure = owner.figure(catalog["analysis"]["api_id"])
    response = owner.post(
        "story/", {"analysis": catalog["analysis"]["api_id"], "figure_ids": [empty_figure["api_id"]]}
    )
    assert response.status_code == 400 and "figure_ids" in response.json()


def test_bad_edits_are_400_naming_the_field(owner, story, catalog):
    path = f"story/{story['api_id']}/"
    cases = [
        {"slides": []},
        {"slides": [{"title": "no id, no revision"}]},
        {"slides": [{"api_id": "00000000-0000-0000-0000-000000000000"}]},
        {"slides": [{"revision": "00000000-0000-0000-0000-000000000000"}]},
        {"slides": [{"revision": catalog["old"]["api_id"]}, {"revision": catalog["old"]["api_id"]}]},
        {"title": "x" * 600},
    ]
    for body in cases:
        response = owner.patch(path, body)
        assert response.status_code == 400, (body, response.text)
        assert set(response.json()) & {"slides", "title"}, response.text
    assert owner.ok(path)["slides"] == story["slides"]  # nothing changed


def test_permissions(live_server, owner, stranger, story, catalog):
    path = f"story/{story['api_id']}/"
    assert refusal(stranger.get(path), 403) == denied("view", "story")
    assert refusal(stranger.patch(path, {"title": "mine"}), 403) == denied("create", "story")
    assert refusal(stranger.delete(path), 403) == denied("create", "story")
    assert refusal(stranger.get(path + "export/?format=pptx"), 403) == denied("view", "story")
    assert stranger.get(f"story/?workspace={catalog['workspace']['api_id']}").json() == []
    assert refusal(requests.get(live_server.api + path, timeout=30), 401) == NO_CREDENTIALS
    # a stranger cannot put someone else's revision in their own story, nor a story in another's workspace
    own_workspace = stranger.primary()["api_id"]
    response = stranger.post(
        "story/", {"workspace": own_workspace, "revision_ids": [catalog["old"]["api_id"]]}
    )
    assert response.status_code == 400 and "revision_ids" in response.json()
    response = stranger.post(
        "story/", {"workspace": catalog["workspace"]["api_id"], "revision_ids": [catalog["old"]["api_id"]]}
    )
    assert refusal(response, 403) == denied("create", "workspace")

    viewer = new_user(live_server)
    added = owner.post(
        f"workspace/{catalog['workspace']['api_id']}/members/add/",
        {"username": viewer.username, "membership_type": "viewer"},
    )
    assert added.status_code in (200, 201), added.text
    assert viewer.ok(path)["api_id"] == story["api_id"]
    assert refusal(viewer.patch(path, {"title": "mine"}), 403) == denied("create", "story")
    assert refusal(viewer.post(path + "regenerate/", {}), 403) == denied("create", "story")
    assert refusal(viewer.post(path + "share/link/", {"enabled": True}), 403) == denied("create", "story")
    response = viewer.post(
        "story/", {"workspace": catalog["workspace"]["api_id"], "revision_ids": [catalog["old"]["api_id"]]}
    )
    assert refusal(response, 403) == denied("create", "workspace")


def test_user_share_grants_read_only(owner, live_server, story):
    reader = new_user(live_server)
    path = f"story/{story['api_id']}/"
    assert refusal(reader.get(path), 403) == denied("view", "story")
    shared = owner.post(path + "share/user/", {"username": reader.username, "sharing_enabled": True})
    assert shared.status_code == 200, shared.text
    assert reader.ok(path)["title"] == story["title"]
    assert [s["api_id"] for s in reader.ok("story/")] == [story["api_id"]]
    image = reader.session.get(live_server.url + story["slides"][1]["image_url"], timeout=30)
    assert image.status_code == 200
    # the story is shared, not the figures in it
    assert refusal(reader.get(f"revision/{story['slides'][1]['revision']}/"), 403) == denied(
        "view", "revision"
    )
    assert refusal(reader.patch(path, {"title": "mine"}), 403) == denied("create", "story")


def test_link_share_is_readable_anonymously(owner, live_server, story):
    path = f"story/{story['api_id']}/"
    anonymous = requests.Session()
    assert refusal(anonymous.get(live_server.api + path, timeout=30), 401) == NO_CREDENTIALS
    link = owner.post(path + "share/link/", {"enabled": True})
    assert link.status_code == 200 and link.json()["enabled"] is True
    try:
        read = anonymous.get(live_server.api + path, timeout=30)
        assert read.status_code == 200 and read.json()["title"] == story["title"]
        for slide in read.json()["slides"]:
            image = anonymous.get(live_server.url + slide["image_url"], timeout=30)
            assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        exported = anonymous.get(live_server.api + path + "export/?format=docx", timeout=60)
        assert exported.status_code == 200
        assert (
            refusal(anonymous.patch(live_server.api + path, json={"title": "x"}, timeout=30), 401)
            == NO_CREDENTIALS
        )
        revision = anonymous.get(live_server.api + f"revision/{story['slides'][0]['revision']}/")
        assert refusal(revision, 401) == NO_CREDENTIALS
    finally:
        owner.post(path + "share/link/", {"enabled": False})
    assert refusal(anonymous.get(live_server.api + path, timeout=30), 401) == NO_CREDENTIALS


def test_regenerate_rewrites_and_keeps_the_title(owner, catalog):
    body = {
        "analysis": catalog["analysis"]["api_id"],
        "title": "Mine",
        "revision_ids": [catalog["old"]["api_id"]],
    }
    created = owner.post("story/", body)
    assert created.status_code == 202
    finished_task(owner, created.json()["task"]["api_id"])
    path = f"story/{created.json()['api_id']}/"
    written = owner.ok(path)
    assert written["title"] == "Mine" and written["slides"][0]["description"]
    owner.patch(path, {"slides": [{"api_id": written["slides"][0]["api_id"], "description": "by hand"}]})
    again = owner.post(path + "regenerate/", {"title": True})
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "generating" and again.json()["task"]["api_id"] != written["task"]
    assert finished_task(owner, again.json()["task"]["api_id"])["status"] == "succeeded"
    rewritten = owner.ok(path)
    assert rewritten["status"] == "ready" and rewritten["title"] != "Mine"
    assert rewritten["slides"][0]["description"] == written["slides"][0]["description"]
    bad = owner.post(path + "regenerate/", {"title": "perhaps"})
    assert bad.status_code == 400 and "title" in bad.json()


def test_slide_of_a_deleted_figure_keeps_its_words(owner, catalog):
    figure = owner.figure(catalog["analysis"]["api_id"], "Doomed")
    revision = publish(owner, figure["api_id"], (1, 2, 3))
    story = owner.created(
        "story/",
        {
            "workspace": catalog["workspace"]["api_id"],
            "revision_ids": [revision["api_id"]],
            "generate": False,
        },
    )
    assert owner.delete(f"figure/{figure['api_id']}/").status_code == 204
    slide = owner.ok(f"story/{story['api_id']}/")["slides"][0]
    assert slide["revision"] is None and slide["title"] == "Doomed"
    assert slide["image_url"] is None and slide["revision_url"] is None
    regenerate = owner.post(f"story/{story['api_id']}/regenerate/", {})
    assert regenerate.status_code == 400 and "slides" in regenerate.json()
    exported = owner.get(f"story/{story['api_id']}/export/?format=pptx")
    assert exported.status_code == 200


def test_activity_log_names_the_story(owner, story, catalog):
    entries = owner.ok(f"workspace/{catalog['workspace']['api_id']}/log/")
    created = [e for e in entries if e["target_type"] == "story" and e["target_id"] == story["api_id"]]
    assert [e["action"] for e in created][-1] == "create"


def test_a_story_shows_only_its_own_workspaces_figures(owner, story, catalog):
    """Its readers are its workspace's members and those it is shared with: a figure of another workspace
    (even one the author may see) would reach people that workspace never let in."""
    _, _, elsewhere = owner.tree()  # a figure in another workspace of the same owner
    foreign = publish(owner, elsewhere["api_id"], (120, 120, 0))
    created = owner.post(
        "story/",
        {"workspace": catalog["workspace"]["api_id"], "revision_ids": [foreign["api_id"]], "generate": False},
    )
    assert created.status_code == 400 and "another workspace" in created.json()["revision_ids"][0]
    edited = owner.patch(f"story/{story['api_id']}/", {"slides": [{"revision": foreign["api_id"]}]})
    assert edited.status_code == 400 and "another workspace" in edited.json()["slides"][0]
    assert owner.ok(f"story/{story['api_id']}/")["slides"] == story["slides"]


def test_a_figure_moved_to_another_workspace_leaves_its_slides(owner, live_server):
    """Moving an analysis takes its figures out of the stories of the old workspace: their readers may
    not see the new one. The slides keep their words and lose image, link and revision."""
    workspace, analysis, figure = owner.tree()
    revision = publish(owner, figure["api_id"], (9, 90, 9))
    story = owner.created(
        "story/",
        {"workspace": workspace["api_id"], "revision_ids": [revision["api_id"]], "generate": False},
    )
    [before] = story["slides"]
    image_path = before["image_url"]
    assert owner.session.get(live_server.url + image_path, timeout=30).status_code == 200

    elsewhere = owner.workspace()
    moved = owner.patch(f"analysis/{analysis['api_id']}/", {"workspace": elsewhere["api_id"]})
    assert moved.status_code == 200, moved.text
    [after] = owner.ok(f"story/{story['api_id']}/")["slides"]
    assert (after["revision"], after["image_url"], after["revision_url"]) == (None, None, None)
    assert after["title"] == before["title"]
    assert (
        refusal(owner.session.get(live_server.url + image_path, timeout=30), 404)
        == "This slide has no image (its figure was deleted, or has no picture)."
    )
    regenerate = owner.post(f"story/{story['api_id']}/regenerate/", {})
    assert regenerate.status_code == 400 and "slides" in regenerate.json()
