"""Creating, renaming, moving and deleting in the web UI, over HTTP with signed-in sessions: an owner does
each action and the API reads the result back; a viewer and a stranger are refused with the error page's
words, and nothing changes. Invitations of workspaces and organizations; adding figures to a story and
pinning a slide to a revision."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests

from tests.server.helpers import Api, data_item, new_user, png_bytes
from tests.web.helpers import FORM_EXPIRED, csrf_token, error_page, web_session


@dataclass
class Person:
    api: Api
    web: requests.Session


@dataclass
class People:
    owner: Person
    viewer: Person
    stranger: Person


def person(server) -> Person:
    api = new_user(server)
    return Person(api, web_session(server, api.username, api.password))


@pytest.fixture(scope="module")
def people(live_server) -> People:
    return People(person(live_server), person(live_server), person(live_server))


def shared_tree(people: People, revisions: int = 2) -> tuple[dict, dict, dict, list[dict]]:
    """A workspace of the owner's, with the viewer as a viewer: one analysis, one figure, some revisions."""
    owner = people.owner.api
    workspace, analysis, figure = owner.tree()
    image = data_item(png_bytes(), "image", name="figure", format="png", is_watermarked=False)
    made = [owner.revision(figure["api_id"], image) for _ in range(revisions)]
    add_member(owner, workspace, people.viewer.api.username, "viewer")
    return workspace, analysis, figure, made


def add_member(api: Api, workspace: dict, username: str, role: str) -> None:
    path = f"workspace/{workspace['api_id']}/members/add/"
    response = api.post(path, {"username": username, "membership_type": role})
    assert response.status_code == 200, response.text


def post(session: requests.Session, server, path: str, data: dict, *, form: str | None = None):
    """POST a form with the CSRF token of the page it is on (``form``, else ``path`` itself)."""
    page = session.get(server.url + (form or path), timeout=30)
    token = csrf_token(page.text) if "csrfmiddlewaretoken" in page.text else csrf_token(home(session, server))
    return session.post(
        server.url + path,
        data={**data, "csrfmiddlewaretoken": token},
        headers={"Referer": server.url + path},
        allow_redirects=False,
        timeout=30,
    )


def home(session: requests.Session, server) -> str:
    return session.get(server.url + "/", timeout=30).text


def followed(session: requests.Session, server, response: requests.Response) -> str:
    """The page a POST redirected to (POST/redirect/GET), with its messages."""
    assert response.status_code == 302, response.text[:1000]
    return session.get(server.url + response.headers["Location"], timeout=30).text


def test_owner_creates_renames_and_deletes_a_workspace(live_server, people):
    owner = people.owner
    response = post(owner.web, live_server, "/workspace/new", {"name": "Web-made lab", "description": "hi"})
    workspace_id = response.headers["Location"].rstrip("/").split("/")[-1]
    assert "Workspace “Web-made lab” created. You are its owner." in followed(
        owner.web, live_server, response
    )
    made = owner.api.ok(f"workspace/{workspace_id}/")
    assert (made["name"], made["description"], made["workspace_type"]) == ("Web-made lab", "hi", "secondary")
    assert owner.api.ok(f"workspace/{workspace_id}/members/") == [
        {"username": owner.api.username, "membership_type": "owner"}
    ]

    response = post(owner.web, live_server, f"/workspace/{workspace_id}/edit", {"name": "Renamed lab"})
    assert "Renamed lab" in followed(owner.web, live_server, response)
    assert owner.api.ok(f"workspace/{workspace_id}/")["name"] == "Renamed lab"

    response = post(owner.web, live_server, f"/workspace/{workspace_id}/analysis/new", {"name": "Cohort A"})
    analysis_id = response.headers["Location"].rstrip("/").split("/")[-1]
    assert "Analysis “Cohort A” created." in followed(owner.web, live_server, response)
    assert owner.api.ok(f"analysis/{analysis_id}/")["workspace"] == workspace_id
    figure = owner.api.figure(analysis_id, "Growth")
    owner.api.revision(figure["api_id"], data_item(b"x = 1\n", "code", name="cell", language="python"))

    confirm = owner.web.get(f"{live_server.url}/workspace/{workspace_id}/delete", timeout=30)
    assert confirm.status_code == 200
    assert re.search(r"Deletes 1 analysis, 1 figure and 1 revision \([0-9.]+\W*bytes\)\.", confirm.text)
    response = post(owner.web, live_server, f"/workspace/{workspace_id}/delete", {})
    assert response.headers["Location"] == "/"
    assert "Deleted the workspace “Renamed lab”." in followed(owner.web, live_server, response)
    assert owner.api.get(f"workspace/{workspace_id}/").status_code == 404
    assert owner.api.get(f"analysis/{analysis_id}/").status_code == 404


def test_the_primary_workspace_is_not_deleted(live_server, people):
    owner = people.owner
    primary = owner.api.primary()["api_id"]
    confirm = owner.web.get(f"{live_server.url}/workspace/{primary}/delete", timeout=30)
    assert "The primary workspace cannot be deleted" in confirm.text
    assert 'id="delete-form"' not in confirm.text
    page = owner.web.get(f"{live_server.url}/workspace/{primary}", timeout=30)
    assert 'id="delete-workspace"' not in page.text  # no button for what cannot be done
    response = post(owner.web, live_server, f"/workspace/{primary}/delete", {}, form=f"/workspace/{primary}")
    assert error_page(response, 400) == ("Not done", "The primary workspace cannot be deleted.")
    assert owner.api.ok(f"workspace/{primary}/")["workspace_type"] == "primary"


def test_owner_renames_moves_and_deletes_figures_and_analyses(live_server, people):
    owner = people.owner
    workspace, analysis, figure, revisions = shared_tree(people, revisions=3)
    other_ws = owner.api.workspace("Elsewhere")
    target = owner.api.analysis(other_ws["api_id"], "Target analysis")
    size = owner.api.ok(f"figure/{figure['api_id']}/")["size_bytes"]
    assert size > 0

    edit = owner.web.get(f"{live_server.url}/figure/{figure['api_id']}/edit", timeout=30)
    assert "Elsewhere / Target analysis" in edit.text  # analyses of every workspace the owner creates in
    response = post(
        owner.web,
        live_server,
        f"/figure/{figure['api_id']}/edit",
        {"name": "Growth curves", "description": "", "analysis": target["api_id"]},
    )
    assert "Figure “Growth curves” saved and moved to “Target analysis”." in followed(
        owner.web, live_server, response
    )
    moved = owner.api.ok(f"figure/{figure['api_id']}/")
    assert (moved["name"], moved["analysis"]) == ("Growth curves", target["api_id"])
    assert owner.api.ok(f"workspace/{other_ws['api_id']}/")["size_bytes"] == size  # the bytes went along
    assert owner.api.ok(f"workspace/{workspace['api_id']}/")["size_bytes"] == 0
    log = owner.api.ok(f"workspace/{workspace['api_id']}/log/")  # logged where it was, as by the API
    assert any(e["action"] == "move" and e["target_id"] == figure["api_id"] for e in log)

    # a revision, then the figure, then an analysis
    response = post(owner.web, live_server, f"/revision/{revisions[0]['api_id']}/delete", {})
    assert response.headers["Location"] == f"/figure/{figure['api_id']}"
    followed(owner.web, live_server, response)
    assert owner.api.get(f"revision/{revisions[0]['api_id']}/").status_code == 404
    assert len(owner.api.ok(f"revision/?figure={figure['api_id']}")) == 2
    confirm = owner.web.get(f"{live_server.url}/figure/{figure['api_id']}/delete", timeout=30)
    assert "Deletes 2 revisions (" in confirm.text
    response = post(owner.web, live_server, f"/figure/{figure['api_id']}/delete", {})
    assert response.headers["Location"] == f"/analysis/{target['api_id']}"
    assert "Deleted the figure “Growth curves”." in followed(owner.web, live_server, response)
    assert owner.api.get(f"figure/{figure['api_id']}/").status_code == 404
    assert owner.api.ok(f"analysis/{target['api_id']}/")["size_bytes"] == 0
    log = owner.api.ok(f"workspace/{other_ws['api_id']}/log/")
    assert any(e["action"] == "delete" and e["target_id"] == figure["api_id"] for e in log)

    response = post(owner.web, live_server, f"/analysis/{analysis['api_id']}/edit", {"name": "Emptied"})
    followed(owner.web, live_server, response)
    assert owner.api.ok(f"analysis/{analysis['api_id']}/")["name"] == "Emptied"
    confirm = owner.web.get(f"{live_server.url}/analysis/{analysis['api_id']}/delete", timeout=30)
    assert "Deletes this analysis; it holds nothing else." in confirm.text
    response = post(owner.web, live_server, f"/analysis/{analysis['api_id']}/delete", {})
    assert response.headers["Location"] == f"/workspace/{workspace['api_id']}"
    followed(owner.web, live_server, response)
    assert owner.api.get(f"analysis/{analysis['api_id']}/").status_code == 404


def test_a_figure_moves_only_where_its_editor_may_create(live_server, people):
    owner, viewer = people.owner, people.viewer
    _, _, figure, _ = shared_tree(people, revisions=1)
    theirs = viewer.api.workspace()  # the viewer's: the owner may not even see it
    hidden = viewer.api.analysis(theirs["api_id"], "Hidden")
    read_only_ws = viewer.api.workspace()
    add_member(viewer.api, read_only_ws, owner.api.username, "viewer")
    read_only = viewer.api.analysis(read_only_ws["api_id"], "Read only")
    edit = owner.web.get(f"{live_server.url}/figure/{figure['api_id']}/edit", timeout=30)
    assert "Read only" not in edit.text and "Hidden" not in edit.text
    path = f"/figure/{figure['api_id']}/edit"
    response = post(owner.web, live_server, path, {"name": "Moved?", "analysis": read_only["api_id"]})
    assert error_page(response, 403) == ("No access", "You do not have create access to this analysis.")
    response = post(owner.web, live_server, path, {"name": "Moved?", "analysis": hidden["api_id"]})
    assert error_page(response, 404) == ("Not found", f"No analysis with id {hidden['api_id']}.")
    assert owner.api.ok(f"figure/{figure['api_id']}/")["name"] == figure["name"]


def routes(workspace: dict, analysis: dict, figure: dict, revision: dict) -> list[tuple[str, str, dict]]:
    """(path, what the viewer is told, form) of every change; a viewer holds VIEW only."""
    ws, an, fig, rev = workspace["api_id"], analysis["api_id"], figure["api_id"], revision["api_id"]
    return [
        (f"/workspace/{ws}/edit", "You do not have admin access to this workspace.", {"name": "X"}),
        (f"/workspace/{ws}/delete", "You do not have own access to this workspace.", {}),
        (f"/workspace/{ws}/analysis/new", "You do not have create access to this workspace.", {"name": "X"}),
        (f"/analysis/{an}/edit", "You do not have create access to this analysis.", {"name": "X"}),
        (f"/analysis/{an}/delete", "You do not have create access to this analysis.", {}),
        (
            f"/figure/{fig}/edit",
            "You do not have create access to this figure.",
            {"name": "X", "analysis": an},
        ),
        (f"/figure/{fig}/delete", "You do not have create access to this figure.", {}),
        (f"/revision/{rev}/delete", "You do not have create access to this revision.", {}),
    ]


def test_viewers_and_strangers_are_refused_and_nothing_changes(live_server, people):
    workspace, analysis, figure, revisions = shared_tree(people, revisions=1)
    kinds = {"workspace": workspace, "analysis": analysis, "figure": figure, "revision": revisions[0]}
    for path, why, form in routes(workspace, analysis, figure, revisions[0]):
        kind = path.split("/")[1]
        viewer_get = people.viewer.web.get(live_server.url + path, timeout=30)
        assert error_page(viewer_get, 403) == ("No access", why), path
        page = f"/{kind}/{kinds[kind]['api_id']}"  # the viewer reads the object's page: its token
        response = post(people.viewer.web, live_server, path, form, form=page)
        assert error_page(response, 403) == ("No access", why), path
        nobody = ("Not found", f"No {kind} with id {kinds[kind]['api_id']}.")
        assert error_page(people.stranger.web.get(live_server.url + path, timeout=30), 404) == nobody
        response = post(people.stranger.web, live_server, path, form, form="/")
        assert error_page(response, 404) == nobody, path
    owner = people.owner.api
    assert owner.ok(f"workspace/{workspace['api_id']}/")["name"] == workspace["name"]
    assert owner.ok(f"analysis/{analysis['api_id']}/")["name"] == analysis["name"]
    assert owner.ok(f"figure/{figure['api_id']}/")["name"] == figure["name"]
    assert owner.ok(f"revision/{revisions[0]['api_id']}/")["figure"] == figure["api_id"]
    assert [a["name"] for a in owner.ok(f"analysis/?workspace={workspace['api_id']}")] == [analysis["name"]]


def test_pages_show_only_the_controls_the_viewer_may_use(live_server, people):
    workspace, analysis, figure, revisions = shared_tree(people, revisions=1)
    ids = ("new-analysis", "rename-workspace", "delete-workspace")
    for session, shown in ((people.owner.web, True), (people.viewer.web, False)):
        pages = {
            f"/workspace/{workspace['api_id']}": ids,
            f"/analysis/{analysis['api_id']}": ("rename-analysis", "delete-analysis"),
            f"/figure/{figure['api_id']}": ("edit-figure", "delete-figure"),
            f"/revision/{revisions[0]['api_id']}": ("delete-revision",),
        }
        for path, controls in pages.items():
            text = session.get(live_server.url + path, timeout=30).text
            for control in controls:
                assert (f'id="{control}"' in text) is shown, (path, control)


def test_a_creator_may_not_rename_or_delete_the_workspace(live_server, people):
    owner = people.owner.api
    workspace = owner.workspace()
    creator = person(live_server)
    add_member(owner, workspace, creator.api.username, "creator")
    page = creator.web.get(f"{live_server.url}/workspace/{workspace['api_id']}", timeout=30).text
    assert 'id="new-analysis"' in page and 'id="rename-workspace"' not in page
    response = post(creator.web, live_server, f"/workspace/{workspace['api_id']}/delete", {}, form="/")
    assert error_page(response, 403) == ("No access", "You do not have own access to this workspace.")
    response = post(
        creator.web, live_server, f"/workspace/{workspace['api_id']}/analysis/new", {"name": "Mine"}
    )
    followed(creator.web, live_server, response)
    assert [a["name"] for a in owner.ok(f"analysis/?workspace={workspace['api_id']}")] == ["Mine"]


def test_forms_keep_csrf(live_server, people):
    workspace = people.owner.api.workspace()
    response = people.owner.web.post(
        f"{live_server.url}/workspace/{workspace['api_id']}/delete",
        data={},
        headers={"Referer": live_server.url + "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert error_page(response, 403) == ("Form expired", FORM_EXPIRED)
    assert people.owner.api.get(f"workspace/{workspace['api_id']}/").status_code == 200


def test_new_organization_and_a_workspace_in_it(live_server, people):
    owner = people.owner
    response = post(
        owner.web, live_server, "/organization/new", {"name": "Web org", "email": "lab@example.org"}
    )
    org_id = response.headers["Location"].rstrip("/").split("/")[-1]
    assert "Organization “Web org” created. You are its admin." in followed(owner.web, live_server, response)
    assert owner.api.ok(f"organization/{org_id}/members/") == [
        {"username": owner.api.username, "membership_type": "org_admin"}
    ]
    assert owner.api.ok(f"organization/{org_id}/")["email"] == "lab@example.org"
    form = owner.web.get(f"{live_server.url}/workspace/new?organization={org_id}", timeout=30).text
    assert f'<option value="{org_id}" selected>Web org</option>' in form
    response = post(owner.web, live_server, "/workspace/new", {"name": "Org space", "organization": org_id})
    workspace_id = response.headers["Location"].rstrip("/").split("/")[-1]
    followed(owner.web, live_server, response)
    assert owner.api.ok(f"workspace/{workspace_id}/")["organization"] == org_id

    # someone who may not create workspaces there is refused, as by the API
    stranger = people.stranger
    response = post(stranger.web, live_server, "/workspace/new", {"name": "Sneaky", "organization": org_id})
    assert response.status_code == 200  # not offered: the form says so and nothing is made
    assert "Select a valid choice" in response.text
    assert all(w["name"] != "Sneaky" for w in stranger.api.ok("workspace/"))


def test_workspace_and_organization_invitations(live_server, people):
    owner, viewer = people.owner, people.viewer
    workspace, _, _, _ = shared_tree(people, revisions=1)
    members = f"/workspace/{workspace['api_id']}/members"
    response = post(
        owner.web, live_server, members, {"action": "invite", "email": "x@example.org", "role": "creator"}
    )
    text = followed(owner.web, live_server, response)
    assert "Invited x@example.org as creator." in text
    link = re.search(r"/invitation/workspace/[0-9A-Za-z_-]+", text).group(0)
    listed = owner.api.ok(f"workspace/{workspace['api_id']}/invitations/")
    assert [(i["email"], i["membership_type"]) for i in listed] == [("x@example.org", "creator")]
    assert 'data-invitation="x@example.org"' in owner.web.get(live_server.url + members, timeout=30).text
    # the invitee accepts through the link
    invitee = person(live_server)
    page = invitee.web.get(live_server.url + link, timeout=30)
    invitee.web.post(
        live_server.url + link,
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": live_server.url + link},
        timeout=30,
    )
    assert {"username": invitee.api.username, "membership_type": "creator"} in owner.api.ok(
        f"workspace/{workspace['api_id']}/members/"
    )
    # an owner is never invited; a viewer may not invite
    response = post(
        owner.web, live_server, members, {"action": "invite", "email": "y@example.org", "role": "owner"}
    )
    assert "Give an e-mail address and a role." in followed(owner.web, live_server, response)
    response = post(
        viewer.web, live_server, members, {"action": "invite", "email": "z@example.org", "role": "viewer"}
    )
    assert error_page(response, 403) == ("No access", "You do not have admin access to this workspace.")
    assert len(owner.api.ok(f"workspace/{workspace['api_id']}/invitations/")) == 1
    # revoke
    invitation = listed[0]["api_id"]
    response = post(owner.web, live_server, members, {"action": "revoke", "invitation": invitation})
    assert "The invitation of x@example.org is revoked." in followed(owner.web, live_server, response)
    assert owner.api.ok(f"workspace/{workspace['api_id']}/invitations/") == []

    org = owner.api.created("organization/", {"name": "Invite org"})
    page = f"/organization/{org['api_id']}"
    response = post(
        owner.web,
        live_server,
        page,
        {"action": "invite", "email": "o@example.org", "role": "workspace_creator"},
    )
    assert "Invited o@example.org as workspace creator." in followed(owner.web, live_server, response)
    listed = owner.api.ok(f"organization/{org['api_id']}/invitations/")
    assert [(i["email"], i["membership_type"]) for i in listed] == [("o@example.org", "workspace_creator")]
    response = post(owner.web, live_server, page, {"action": "revoke", "invitation": listed[0]["api_id"]})
    followed(owner.web, live_server, response)
    assert owner.api.ok(f"organization/{org['api_id']}/invitations/") == []
    response = post(
        viewer.web,
        live_server,
        page,
        {"action": "invite", "email": "v@example.org", "role": "admin"},
        form="/",
    )
    assert error_page(response, 404) == ("Not found", f"No organization with id {org['api_id']}.")


def test_add_a_figure_to_a_story_and_pin_a_slide(live_server, people):
    owner = people.owner
    workspace, analysis, figure, revisions = shared_tree(people, revisions=3)
    second = owner.api.figure(analysis["api_id"], "Second figure")
    image = data_item(
        png_bytes(color=(10, 200, 30)), "image", name="figure", format="png", is_watermarked=False
    )
    second_rev = owner.api.revision(second["api_id"], image)
    story = owner.api.created(
        "story/",
        {"workspace": workspace["api_id"], "revision_ids": [revisions[2]["api_id"]], "generate": False},
    )
    edit = f"/story/{story['api_id']}/edit"
    page = owner.web.get(live_server.url + edit, timeout=30).text
    assert f'<option value="{second["api_id"]}">' in page
    response = post(owner.web, live_server, edit, {"slide_action": "add", "add_figure": second["api_id"]})
    assert "“Second figure” is added as the last slide." in followed(owner.web, live_server, response)
    slides = owner.api.ok(f"story/{story['api_id']}/")["slides"]
    assert [s["revision"] for s in slides] == [revisions[2]["api_id"], second_rev["api_id"]]

    first = slides[0]["api_id"]
    response = post(
        owner.web, live_server, edit, {f"slide-{first}-revision": revisions[0]["api_id"], "stay": "1"}
    )
    followed(owner.web, live_server, response)
    slides = owner.api.ok(f"story/{story['api_id']}/")["slides"]
    assert [s["revision"] for s in slides] == [revisions[0]["api_id"], second_rev["api_id"]]

    # a revision of another workspace is refused as by the API, and nothing changes
    elsewhere = owner.api.tree()[2]
    other = owner.api.revision(elsewhere["api_id"], image)
    response = post(owner.web, live_server, edit, {f"slide-{first}-revision": other["api_id"], "stay": "1"})
    assert "is in another workspace than the story" in followed(owner.web, live_server, response)
    assert owner.api.ok(f"story/{story['api_id']}/")["slides"][0]["revision"] == revisions[0]["api_id"]
    # a viewer may not edit the story at all
    response = post(
        people.viewer.web,
        live_server,
        edit,
        {"slide_action": "add", "add_figure": second["api_id"]},
        form="/",
    )
    assert error_page(response, 403) == ("No access", "You do not have create access to this story.")
