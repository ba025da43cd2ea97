"""Access across accounts: what one user can learn about another's objects through routes that list
related things (lineage, data files), and about the accounts themselves."""

from __future__ import annotations

import re

import pytest
import requests

from tests.server.helpers import data_item, denied, new_user, png_bytes, refusal, unique
from tests.web.helpers import ERROR_PAGE, error_page, web_session

SECRET_FILE = "salaries-2024-confidential.csv"


def test_data_io_lists_only_the_data_files_the_reader_may_see(live_server, owner, stranger):
    """The attack: a figure shared with a stranger was made from a data file in a workspace they cannot
    see; ``data_io`` gave them its name and hashes."""
    private = owner.workspace()
    asset = owner.asset(private["api_id"], SECRET_FILE)
    asset_revision = owner.asset_revision(asset["api_id"], b"name,salary\nann,1\n", path=SECRET_FILE)
    _, _, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", format="png"),
        assets=[{"asset_revision": asset_revision["api_id"], "use_type": "direct"}],
    )
    shared = owner.post(
        f"figure/{figure['api_id']}/share/user/", {"username": stranger.username, "sharing_enabled": True}
    )
    assert shared.status_code == 200, shared.text
    path = f"revision/{revision['api_id']}/data_io/"

    mine = owner.ok(path)
    assert [i["asset_name"] for i in mine["inputs"]] == [SECRET_FILE]
    theirs = stranger.ok(path)
    assert theirs["inputs"] == [] and theirs["hidden_inputs"] == 1
    assert SECRET_FILE not in str(theirs) and asset_revision["data"][0]["hash"] not in str(theirs)
    assert len(theirs["outputs"]) == 1  # the revision's own data, which the share covers

    # sharing the data file too makes it visible
    owner.post(
        f"asset/{asset['api_id']}/share/user/", {"username": stranger.username, "sharing_enabled": True}
    )
    assert [i["asset_name"] for i in stranger.ok(path)["inputs"]] == [SECRET_FILE]


def test_data_io_through_a_share_link_hides_unshared_inputs(live_server, owner):
    private = owner.workspace()
    asset = owner.asset(private["api_id"], SECRET_FILE)
    asset_revision = owner.asset_revision(asset["api_id"], b"a\n1\n", path=SECRET_FILE)
    _, _, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"], assets=[{"asset_revision": asset_revision["api_id"], "use_type": "direct"}]
    )
    owner.post(f"figure/{figure['api_id']}/share/link/", {"enabled": True})
    reader = new_user(live_server)  # signed in, not a member: reads through the link
    response = reader.get(f"revision/{revision['api_id']}/data_io/")
    assert response.status_code == 200, response.text
    assert response.json()["inputs"] == [] and response.json()["hidden_inputs"] == 1
    assert SECRET_FILE not in response.text
    anonymous = requests.get(live_server.api + f"revision/{revision['api_id']}/data_io/", timeout=30)
    assert SECRET_FILE not in anonymous.text


def test_usernames_cannot_be_told_from_nobody(owner, stranger):
    """The attack: ``user/<name>/`` answered 403 for a stranger and 404 for nobody."""
    taken = owner.get(f"user/{stranger.username}/")
    free = owner.get(f"user/{stranger.username}-nobody/")
    assert taken.status_code == free.status_code == 404
    assert taken.json()["field"] == "username"
    assert taken.text.replace(stranger.username, "NAME") == free.text.replace(
        f"{stranger.username}-nobody", "NAME"
    )
    # changing another account is refused alike, whether it exists or not
    assert owner.patch(f"user/{stranger.username}/", {"first_name": "M"}).text == owner.patch(
        f"user/{stranger.username}-nobody/", {"first_name": "M"}
    ).text.replace("-nobody", "")


# ---- every object type, over the API and the web pages ----
#
# The API answers a signed-in caller 403 for an object that exists but is not theirs and 404 for an id
# nobody uses: the official client's contract (it raises UnauthorizedError on 403 only, and
# ``get_members(unauthorized_error=False)`` relies on it; docs/access.md). Ids are random UUIDs (122 bits),
# so the 403 confirms only an id the caller already holds, and its body names nothing of the object. The
# web pages, which no client reads, answer a stranger exactly as they answer an id nobody uses: 404.
# Identifiers that can be guessed (usernames, short ids) answer alike for "not yours" and "nobody's"
# everywhere. The role-by-endpoint grid of the catalog objects is tests/server/access/test_matrix.py.

NOBODY = "00000000-0000-0000-0000-000000000000"
SECRET = "confidential-7f3a"  # in every name and text of the owner's objects: never in a refusal


@pytest.fixture(scope="module")
def world(live_server, owner) -> dict:
    viewer = new_user(live_server)
    org = owner.created("organization/", {"name": unique(f"org-{SECRET}")})
    workspace = owner.created("workspace/", {"name": unique(f"ws-{SECRET}"), "organization": org["api_id"]})
    ws = workspace["api_id"]
    added = owner.post(
        f"workspace/{ws}/members/add/", {"username": viewer.username, "membership_type": "viewer"}
    )
    assert added.status_code == 200, added.text
    analysis = owner.analysis(ws, f"analysis-{SECRET}")
    figure = owner.figure(analysis["api_id"], f"figure-{SECRET}")
    revision = owner.revision(
        figure["api_id"], data_item(png_bytes(), "image", name=f"plot-{SECRET}", format="png")
    )
    asset = owner.asset(ws, f"asset-{SECRET}.csv")
    asset_revision = owner.asset_revision(asset["api_id"], f"a\n{SECRET}\n".encode())
    story = owner.created(
        "story/", {"workspace": ws, "revision_ids": [revision["api_id"]], "generate": False}
    )
    owner.patch(f"story/{story['api_id']}/", {"title": f"story-{SECRET}"})
    comment = owner.created(
        "comment/", {"target_type": "figure", "target_id": figure["api_id"], "content": f"note {SECRET}"}
    )
    writing = owner.post("story/", {"workspace": ws, "revision_ids": [revision["api_id"]], "generate": True})
    assert writing.status_code == 202, writing.text
    ids = {
        "org": org["api_id"],
        "ws": ws,
        "analysis": analysis["api_id"],
        "figure": figure["api_id"],
        "revision": revision["api_id"],
        "data": revision["data"][0]["api_id"],
        "asset": asset["api_id"],
        "asset_revision": asset_revision["api_id"],
        "story": story["api_id"],
        "slide": story["slides"][0]["api_id"],
        "comment": comment["api_id"],
        "key": owner.created("api_key/", {"name": f"key-{SECRET}"})["api_id"],
        "ssh": owner.created("ssh_key/", {"name": f"ssh-{SECRET}", "generate": True})["api_id"],
        "invitation": owner.created(
            "invitations/workspace/",
            {"email": f"{unique('invitee')}@example.org", "membership_type": "viewer", "workspace": ws},
        )["api_id"],
        "proxy": owner.created("metadata/", {})["token"],
        "task": writing.json()["task"]["api_id"],
    }
    return {"ids": ids, "viewer": viewer}


def reason(response: requests.Response) -> str | None:
    """What a refusal says: the ``detail`` of its JSON body (or, for a 400 that names only fields, the
    first message), or the message of the web UI's refusal page (web/error.html); None if it says nothing."""
    kind = response.headers.get("Content-Type", "")
    if kind.startswith("text/html"):
        match = ERROR_PAGE.search(response.text)
        return (match.group(2) or None) if match else None
    if not kind.startswith("application/json") or not isinstance(body := response.json(), dict):
        return None
    said = body.get("detail")
    if said is None and response.status_code == 400 and body:
        said = next(iter(body.values()))
    if isinstance(said, list) and said:
        said = said[0]
    return said if isinstance(said, str) and said else None


def fill(value, ids: dict):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


# (method, path, body, what a workspace viewer gets); a stranger is refused on every row
API_CASES = [
    ("GET", "story/{story}/", None, 200),
    ("PATCH", "story/{story}/", {"title": "mine"}, 403),
    ("DELETE", "story/{story}/", None, 403),
    ("GET", "story/{story}/export/?format=pptx", None, 200),
    ("GET", "story/{story}/slide/{slide}/image/", None, 200),
    ("POST", "story/{story}/regenerate/", {}, 403),
    ("GET", "story/{story}/share/link/", None, 200),
    ("POST", "story/{story}/share/link/", {"enabled": True}, 403),
    ("POST", "story/", {"workspace": "{ws}", "revision_ids": ["{revision}"], "generate": False}, 403),
    ("GET", "comment/{comment}/", None, 200),
    ("GET", "comment/?target_type=figure&target_id={figure}", None, 200),
    ("POST", "comment/", {"target_type": "figure", "target_id": "{figure}", "content": "hi"}, 201),
    ("PATCH", "comment/{comment}/", {"content": "rewritten"}, 403),
    ("DELETE", "comment/{comment}/", None, 403),
    ("GET", "comment/{comment}/reactions/", None, 200),
    ("GET", "api_key/{key}/", None, 403),
    ("DELETE", "api_key/{key}/", None, 403),
    ("GET", "ssh_key/{ssh}/", None, 404),
    ("DELETE", "ssh_key/{ssh}/", None, 404),
    ("GET", "task/{task}/", None, 403),
    ("GET", "tasks/{task}/", None, 403),
    ("GET", "invitations/workspace/{invitation}/", None, 404),
    ("DELETE", "invitations/workspace/{invitation}/", None, 403),
    (
        "POST",
        "invitations/workspace/",
        {"email": "x@example.org", "membership_type": "viewer", "workspace": "{ws}"},
        403,
    ),
    ("GET", "metadata/{proxy}/", None, 403),
    ("DELETE", "metadata/{proxy}/", None, 403),
    (
        "POST",
        "upload/",
        {"kind": "git", "analysis_id": "{analysis}", "url": "https://example.org/x.git"},
        403,
    ),
    ("POST", "ai/insight/", {"revision_id": "{revision}"}, 200),
    ("POST", "ai/extract_code/", {"revision_id": "{revision}"}, 200),
    ("POST", "ai/query/", {"workspace_id": "{ws}", "question": "what changed?"}, 200),
    ("POST", "figure/{figure}/ai_describe/", {}, 403),
    ("GET", "revision/{revision}/data_io/", None, 200),
    ("GET", "workspace/{ws}/log/", None, 200),
    ("GET", "organization/{org}/", None, 403),
    ("GET", "organization/{org}/members/", None, 403),
    ("POST", "api_key/", {"name": "scoped", "workspace": "{ws}"}, 201),
]


def test_api_refuses_a_stranger_every_object_type(owner, stranger, world):
    """Stories, comments, reactions, API keys, SSH keys, tasks, invitations, metadata proxies, imports,
    AI endpoints, logs, organizations: refused to a stranger (403, or 404 where the object is private to
    one account), with nothing of the object in the answer; an id nobody uses is 404; a viewer gets what
    the role allows."""
    ids, viewer = world["ids"], world["viewer"]
    nobody = dict.fromkeys(ids, NOBODY)
    wrong = []
    for method, path, body, as_viewer in API_CASES:
        theirs = stranger.request(method, fill(path, ids), json=fill(body, ids))
        if theirs.status_code not in (403, 404) or SECRET in theirs.text or not reason(theirs):
            wrong.append(f"stranger {method} {path}: {theirs.status_code} {theirs.text[:200]}")
        if "{" in path:
            missing = stranger.request(method, fill(path, nobody), json=fill(body, nobody))
            if missing.status_code not in (400, 403, 404) or not reason(missing):
                wrong.append(f"nobody's {method} {path}: {missing.status_code} {missing.text[:200]}")
        seen = viewer.request(method, fill(path, ids), json=fill(body, ids))
        if seen.status_code != as_viewer or (as_viewer >= 400 and not reason(seen)):
            wrong.append(
                f"viewer {method} {path}: {seen.status_code}, expected {as_viewer}: {seen.text[:200]}"
            )
    assert not wrong, "\n".join(wrong)
    # what the owner made is still there, unchanged
    assert owner.ok(f"story/{ids['story']}/")["title"] == f"story-{SECRET}"
    assert SECRET in owner.ok(f"comment/{ids['comment']}/")["content"]
    assert owner.get(f"api_key/{ids['key']}/").status_code == 200


def test_lists_show_a_stranger_nothing_of_others(stranger, world):
    ids = world["ids"]
    for path in (
        "workspace/",
        "story/",
        f"story/?workspace={ids['ws']}",
        "task/",
        "api_key/",
        "ssh_key/",
        "organization/",
    ):
        response = stranger.get(path)
        assert response.status_code == 200, (path, response.text)
        assert SECRET not in response.text, path
        assert all(value not in response.text for value in ids.values()), path


def test_ai_compare_refuses_a_revision_of_someone_else(stranger, world):
    """Comparing one's own revision with someone else's must not read theirs."""
    _, _, figure = stranger.tree()
    mine = stranger.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"))
    response = stranger.post("ai/compare/", {"revision_ids": [mine["api_id"], world["ids"]["revision"]]})
    assert refusal(response, 403) == denied("view", "revision")
    assert SECRET not in response.text


WEB_READS = [
    "/workspace/{ws}",
    "/workspace/{ws}/members",
    "/workspace/{ws}/search?q=figure",
    "/analysis/{analysis}",
    "/figure/{figure}",
    "/revision/{revision}",
    "/revision/{revision}/lineage",
    "/asset/{asset}",
    "/asset_revision/{asset_revision}",
    "/story/{story}",
    "/story/{story}/status",
    "/story/{story}/export/pptx",
    "/web/story/{story}/slide/{slide}/640",
    "/web/data/{data}/download",
    "/web/data/{data}/view",
    "/web/thumbnail/{revision}/320",
    "/compare?a={revision}&b={revision}",
    "/web/compare/diff.png?a={revision}&b={revision}",
    "/comments/{comment}/body",
]
WEB_CHANGES = [  # a viewer may read the object but not open these: 403
    "/share/figure/{figure}",
    "/share/analysis/{analysis}",
    "/share/story/{story}",
    "/story/{story}/edit",
    "/analysis/{analysis}/story/new",
    "/analysis/{analysis}/import",
]


def test_web_pages_answer_a_stranger_as_they_answer_nobody(live_server, stranger, world):
    """The attack: a page answered 403 "no access" for an object that exists and 404 for one that does
    not, so a stranger holding an id learned that it names something."""
    ids, viewer = world["ids"], world["viewer"]
    nobody = dict.fromkeys(ids, NOBODY)
    theirs = web_session(live_server, stranger.username, stranger.password)
    member = web_session(live_server, viewer.username, viewer.password)
    wrong = []
    for path in [*WEB_READS, *WEB_CHANGES, "/organization/{org}", "/web/organization/{org}/logo"]:
        refused = theirs.get(live_server.url + fill(path, ids), allow_redirects=False, timeout=30)
        missing = theirs.get(live_server.url + fill(path, nobody), allow_redirects=False, timeout=30)
        if refused.status_code != 404 or missing.status_code != 404 or SECRET in refused.text:
            wrong.append(f"{path}: stranger {refused.status_code}, nobody's {missing.status_code}")
        elif not (said := reason(missing)) or NOBODY not in said:
            wrong.append(f"{path}: nobody's 404 does not name the id: {missing.text[:300]}")
        elif not _same_page(refused.text, missing.text, ids):
            wrong.append(f"{path}: the stranger's 404 differs from nobody's")
    for path in WEB_READS:
        seen = member.get(live_server.url + fill(path, ids), allow_redirects=False, timeout=30)
        if seen.status_code != 200:
            wrong.append(f"viewer {path}: {seen.status_code}")
    for path in WEB_CHANGES:
        seen = member.get(live_server.url + fill(path, ids), allow_redirects=False, timeout=30)
        if seen.status_code != 403 or not reason(seen):
            wrong.append(f"viewer {path}: {seen.status_code}, expected 403 saying why: {seen.text[:300]}")
    assert not wrong, "\n".join(wrong)


def _same_page(refused: str, missing: str, ids: dict) -> bool:
    """The two 404 pages, once each id in them is blanked out (and the CSRF token, which differs)."""
    for value in [*ids.values(), NOBODY]:
        refused, missing = refused.replace(value, "ID"), missing.replace(value, "ID")
    token = re.compile(r'value="[A-Za-z0-9]{32,}"')
    return token.sub("", refused) == token.sub("", missing)


def test_web_pages_send_a_signed_out_visitor_to_sign_in(live_server, world):
    ids = world["ids"]
    for path in ("/figure/{figure}", "/revision/{revision}", "/web/data/{data}/download"):
        response = requests.get(live_server.url + fill(path, ids), allow_redirects=False, timeout=30)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/signin?next=")


# ---- short ids: a prefix and a counter, so guessable ----


def test_short_links_answer_alike_for_hidden_and_missing_revisions(live_server, owner, stranger):
    """The attack: one short link printed under a figure (``/r/<prefix>0``) gives the prefix; counting up
    (``/r/<prefix>1``, ...) redirected to the page of each of the publisher's other revisions, telling
    anyone which exist, and their ids."""
    _, _, figure = owner.tree()
    prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]
    revisions = [owner.revision(figure["api_id"], short_id=f"{prefix}{n}") for n in range(2)]
    mine = web_session(live_server, owner.username, owner.password)
    opened = mine.get(f"{live_server.url}/r/{prefix}1", allow_redirects=False, timeout=30)
    assert opened.status_code == 302 and opened.headers["Location"].endswith(revisions[1]["api_id"])
    theirs = web_session(live_server, stranger.username, stranger.password)
    signed_out = requests.Session()
    for who in (theirs, signed_out):
        answers = []
        for ident in (f"{prefix}1", f"{prefix}9", revisions[1]["api_id"], NOBODY):
            response = who.get(f"{live_server.url}/r/{ident}", allow_redirects=False, timeout=30)
            hint = "" if who is theirs else " that you can see signed out; sign in if it is yours"
            assert error_page(response, 404) == ("Not found", f"No revision {ident}{hint}."), ident
            if ident != revisions[1]["api_id"]:  # a short id's answer never names the revision's id
                assert revisions[1]["api_id"] not in response.text
            answers.append(re.sub(r"[A-Za-z0-9_-]{9,}", "ID", response.text))
        assert len(set(answers)) == 1, "a hidden revision answers unlike a missing one"


def test_nobody_claims_or_probes_another_publishers_short_ids(owner, stranger):
    """The attack: ``POST revision/`` with ``short_id`` answered 409 ``short_id_taken`` for a short id in
    use by anyone, so a stranger could probe other publishers' ids, and take ids under their prefix."""
    _, _, figure = owner.tree()
    prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]
    owner.revision(figure["api_id"], short_id=f"{prefix}0")
    _, _, theirs = stranger.tree()
    taken = stranger.post("revision/", {"figure": theirs["api_id"], "short_id": f"{prefix}0"})
    free = stranger.post("revision/", {"figure": theirs["api_id"], "short_id": f"{prefix}1"})
    assert taken.status_code == free.status_code == 400, (taken.text, free.text)
    assert taken.json() == free.json() and "short_id" in taken.json()
    assert stranger.ok(f"figure/{theirs['api_id']}/")["revisions"] == []
    # under a prefix of their own, they may
    own = stranger.created("short_id_prefix/reserve/", {})["prefix"]
    assert stranger.revision(theirs["api_id"], short_id=f"{own}0")["short_id"] == f"{own}0"
    assert owner.revision(figure["api_id"], short_id=f"{prefix}1")["short_id"] == f"{prefix}1"
