"""``comment/``: posting, listing in thread order, author-only edits and deletes, access, sanitised HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.server.helpers import NO_CREDENTIALS, data_item, denied, new_user, no_such, png_bytes, refusal


@pytest.fixture(scope="module")
def objects(owner) -> dict:
    """One of each commentable object, in a fresh workspace of ``owner``."""
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"], data_item(png_bytes(), "image", name="plot.png", format="png")
    )
    asset = owner.asset(workspace["api_id"])
    asset_revision = owner.asset_revision(asset["api_id"], b"a,b\n1,2\n")
    return {
        "workspace": workspace,
        "figure": figure,
        "figure_revision": revision,
        "asset": asset,
        "asset_revision": asset_revision,
    }


@pytest.fixture(scope="module")
def viewer(live_server, owner, objects):
    """A viewer-role member of the workspace: may read, and so may comment."""
    user = new_user(live_server)
    response = owner.post(
        f"workspace/{objects['workspace']['api_id']}/members/add/",
        {"username": user.username, "membership_type": "viewer"},
    )
    assert response.status_code == 200, response.text
    return user


def post(api, target_type: str, target_id: str, content: str, parent: str | None = None):
    body = {"target_type": target_type, "target_id": target_id, "content": content}
    if parent:
        body["parent"] = parent
    return api.post("comment/", body)


def listed(api, target_type: str, target_id: str) -> list[dict]:
    return api.ok(f"comment/?target_type={target_type}&target_id={target_id}")


@pytest.mark.parametrize("kind", ["asset", "asset_revision", "figure", "figure_revision"])
def test_comment_on_every_kind_of_target(owner, objects, kind):
    target_id = objects[kind]["api_id"]
    response = post(owner, kind, target_id, f"Looks right to me, *{kind}*.")
    assert response.status_code == 201, response.text
    comment = response.json()
    assert comment["target_type"] == kind
    assert comment["target_id"] == target_id
    assert comment["parent"] is None
    assert comment["author"] == owner.username
    assert comment["content"] == f"Looks right to me, *{kind}*."
    assert comment["content_html"] == f"<p>Looks right to me, <em>{kind}</em>.</p>\n"
    assert comment["is_edited"] is False
    assert comment["updated_on"] is None
    assert comment["reactions"] == []
    assert comment["created_on"]
    assert listed(owner, kind, target_id)[-1]["api_id"] == comment["api_id"]
    assert owner.ok(f"comment/{comment['api_id']}/") == comment


def test_list_needs_both_query_parameters(owner, objects):
    response = owner.get("comment/")
    assert response.status_code == 400
    assert set(response.json()) == {"target_type", "target_id"}
    response = owner.get("comment/?target_type=figure")
    assert response.status_code == 400
    assert list(response.json()) == ["target_id"]
    response = owner.get(f"comment/?target_id={objects['figure']['api_id']}")
    assert list(response.json()) == ["target_type"]
    response = owner.get(f"comment/?target_type=workspace&target_id={objects['workspace']['api_id']}")
    assert response.status_code == 400
    assert "target_type" in response.json()


def test_unknown_target_is_404_and_invisible_target_403(owner, stranger, objects):
    missing = "00000000-0000-4000-8000-000000000000"
    assert refusal(owner.get(f"comment/?target_type=figure&target_id={missing}"), 404) == no_such(
        "figure", missing
    )
    assert refusal(post(owner, "figure", missing, "hello"), 404) == no_such("figure", missing)
    assert refusal(post(owner, "figure", "not-a-uuid", "hello"), 404) == no_such("figure", "not-a-uuid")
    figure_id = objects["figure"]["api_id"]
    assert refusal(stranger.get(f"comment/?target_type=figure&target_id={figure_id}"), 403) == denied(
        "view", "figure"
    )
    assert refusal(post(stranger, "figure", figure_id, "let me in"), 403) == denied("view", "figure")
    mine = post(owner, "figure", figure_id, "private note").json()
    assert refusal(stranger.get(f"comment/{mine['api_id']}/"), 403) == denied("view", "figure")
    assert refusal(stranger.post(f"comment/{mine['api_id']}/reactions/", {"emoji": "👍"}), 403) == denied(
        "view", "figure"
    )


def test_empty_content_is_refused_naming_the_field(owner, objects):
    for body in ({"target_type": "figure", "target_id": objects["figure"]["api_id"]},):
        response = owner.post("comment/", body)
        assert response.status_code == 400
        assert "content" in response.json()
    response = post(owner, "figure", objects["figure"]["api_id"], "   \n ")
    assert response.status_code == 400
    assert "content" in response.json()


def test_viewer_can_comment_and_reply_in_thread_order(owner, viewer, objects):
    _, _, figure = owner.tree()
    owner.post(
        f"figure/{figure['api_id']}/share/user/", {"username": viewer.username, "sharing_enabled": True}
    )
    first = post(owner, "figure", figure["api_id"], "First").json()
    second = post(viewer, "figure", figure["api_id"], "Second").json()
    reply = post(viewer, "figure", figure["api_id"], "Reply to first", parent=first["api_id"]).json()
    nested = post(owner, "figure", figure["api_id"], "Reply to the reply", parent=reply["api_id"]).json()
    assert reply["parent"] == first["api_id"]
    assert reply["author"] == viewer.username
    order = [c["content"] for c in listed(viewer, "figure", figure["api_id"])]
    assert order == ["First", "Reply to first", "Reply to the reply", "Second"]
    # deleting a comment takes its replies with it
    assert owner.delete(f"comment/{first['api_id']}/").status_code == 204
    assert [c["api_id"] for c in listed(owner, "figure", figure["api_id"])] == [second["api_id"]]
    assert refusal(owner.get(f"comment/{nested['api_id']}/"), 404) == no_such("comment", nested["api_id"])


def test_reply_must_be_on_the_same_object(owner, objects):
    on_figure = post(owner, "figure", objects["figure"]["api_id"], "on the figure").json()
    response = post(owner, "asset", objects["asset"]["api_id"], "crossing over", parent=on_figure["api_id"])
    assert response.status_code == 400
    assert "parent" in response.json()
    response = post(
        owner, "figure", objects["figure"]["api_id"], "orphan", parent="00000000-0000-4000-8000-000000000000"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_only_the_author_edits(owner, viewer, objects, method):
    comment = post(viewer, "figure", objects["figure"]["api_id"], "tyop").json()
    path = f"comment/{comment['api_id']}/"
    rewritten = owner.request(method, path, json={"content": "owner rewrites it"})
    assert refusal(rewritten, 403) == "Only the author of a comment can edit it."
    assert owner.ok(path)["content"] == "tyop"
    response = viewer.request(method, path, json={"content": "typo **fixed**"})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["content"] == "typo **fixed**"
    assert edited["content_html"] == "<p>typo <strong>fixed</strong></p>\n"
    assert edited["is_edited"] is True
    assert edited["updated_on"] is not None
    assert edited["created_on"] == comment["created_on"]
    assert viewer.request(method, path, json={"content": ""}).json().keys() == {"content"}


def test_only_the_author_deletes(owner, viewer, objects):
    comment = post(viewer, "figure_revision", objects["figure_revision"]["api_id"], "mine").json()
    path = f"comment/{comment['api_id']}/"
    assert refusal(owner.delete(path), 403) == "Only the author of a comment can delete it."
    assert owner.get(path).status_code == 200
    assert viewer.delete(path).status_code == 204
    assert refusal(viewer.get(path), 404) == no_such("comment", comment["api_id"])
    assert refusal(viewer.delete(path), 404) == no_such("comment", comment["api_id"])


def test_comment_creation_is_logged(owner, objects):
    figure = objects["figure"]
    post(owner, "figure", figure["api_id"], "logged")
    entries = owner.ok(f"workspace/{objects['workspace']['api_id']}/log/")
    entry = next(e for e in entries if e["target_type"] == "comment")
    assert entry["action"] == "create"
    assert entry["username"] == owner.username
    assert entry["target_name"] == figure["name"]


class Tags(HTMLParser):
    """Every element and attribute in an HTML fragment (escaped text is text, not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "![pic](https://evil.example/track.png)",
]


@pytest.mark.parametrize("content", HOSTILE)
def test_content_html_is_sanitised(owner, objects, content):
    comment = post(owner, "figure", objects["figure"]["api_id"], f"look: {content} **bold**").json()
    assert comment["content"] == f"look: {content} **bold**"  # the raw Markdown is kept as written
    html = comment["content_html"]
    found = elements(html)
    assert ("strong", {}) in found  # the Markdown itself still renders
    for tag, attrs in found:
        assert tag not in {"script", "img", "iframe"}
        assert not any(name.startswith("on") for name in attrs), html
        assert not attrs.get("href", "").lower().startswith("javascript:"), html


def test_links_are_kept_and_marked_external(owner, objects):
    comment = post(
        owner, "figure", objects["figure"]["api_id"], "see [the paper](https://example.org/p)"
    ).json()
    assert elements(comment["content_html"]) == [
        ("p", {}),
        ("a", {"href": "https://example.org/p", "rel": "nofollow noopener noreferrer"}),
    ]


def test_signed_out_callers_are_asked_to_authenticate(live_server, objects):
    import requests

    url = f"{live_server.api}comment/?target_type=figure&target_id={objects['figure']['api_id']}"
    assert refusal(requests.get(url, timeout=30), 401) == NO_CREDENTIALS
