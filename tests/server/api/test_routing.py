"""URL routing: every version prefix answers, every route works with and without a trailing slash for
every method, nothing ever redirects, and the workspace list is shallow from v1.4 on."""

from __future__ import annotations

import pytest
import requests

from tests.server.helpers import VERSIONS, data_item, no_such, refusal, unique


@pytest.mark.parametrize("version", VERSIONS)
def test_every_version_prefix_answers(live_server, owner, version):
    info = requests.get(f"{live_server.url}/api/{version}/info/", allow_redirects=False)
    assert info.status_code == 200
    assert info.json()["api_version"] == version
    listing = owner.at(version).get("workspace/")
    assert listing.status_code == 200
    assert [w["workspace_type"] for w in listing.json()].count("primary") == 1


@pytest.mark.parametrize("version", ["v2", "v1.5", "v0", "v1.4.2", "v1.4.1.1", "latest"])
def test_unknown_version_is_404(live_server, owner, version):
    anonymous = requests.get(f"{live_server.url}/api/{version}/info/", allow_redirects=False)
    signed_in = owner.session.get(f"{live_server.url}/api/{version}/workspace/", allow_redirects=False)
    for missing in (anonymous, signed_in):
        assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/json")
        assert "version" in missing.json()["detail"] or f"/api/{version}/" in missing.json()["detail"]


@pytest.fixture(scope="module")
def objects(owner) -> dict:
    workspace, analysis, figure = owner.tree()
    revision = owner.revision(figure["api_id"], data_item(b"hello", name="greeting"))
    asset = owner.asset(workspace["api_id"])
    asset_revision = owner.asset_revision(asset["api_id"], b"a,b\n1,2\n")
    return {
        "workspace": workspace,
        "analysis": analysis,
        "figure": figure,
        "revision": revision,
        "asset": asset,
        "asset_revision": asset_revision,
        "data": revision["data"][0],
    }


@pytest.mark.parametrize("slash", ["/", ""])
@pytest.mark.parametrize(
    "path",
    [
        "info",
        "user",
        "user/{username}",
        "workspace",
        "workspace/{workspace}",
        "workspace/{workspace}/members",
        "workspace/{workspace}/recent",
        "workspace/{workspace}/log",
        "workspace/{workspace}/storage",
        "analysis/{analysis}",
        "analysis/{analysis}/log",
        "analysis/{analysis}/thumbnail/64",
        "figure/{figure}",
        "figure/{figure}/thumbnail/64",
        "revision/{revision}",
        "revision/{revision}/thumbnail/64",
        "revision/{revision}/share/link",
        "data/{data}",
        "asset/{asset}",
        "asset_revision/{asset_revision}",
        "api_key",
        "organization",
    ],
)
def test_get_with_and_without_trailing_slash(owner, objects, path, slash):
    ids = {name: obj["api_id"] for name, obj in objects.items()}
    response = owner.get(path.format(username=owner.username, **ids) + slash)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("slash", ["/", ""])
@pytest.mark.parametrize(
    ("path", "body_of"),
    [
        ("workspace", lambda ids: {"name": unique("ws"), "organization": None}),
        ("analysis", lambda ids: {"name": unique("a"), "workspace": ids["workspace"]}),
        ("figure", lambda ids: {"name": unique("f"), "analysis": ids["analysis"]}),
        ("revision", lambda ids: {"figure": ids["figure"], "data": [data_item(b"x")]}),
        ("asset", lambda ids: {"name": unique("asset"), "workspace": ids["workspace"]}),
        ("asset_revision", lambda ids: {"asset": ids["asset"], "data": [data_item(b"y", "file")]}),
        ("short_id_prefix/reserve", lambda ids: {}),
        ("metadata", lambda ids: {}),
        ("api_key", lambda ids: {"name": unique("key")}),
        ("organization", lambda ids: {"name": unique("org")}),
    ],
)
def test_post_create_with_and_without_trailing_slash(owner, objects, path, body_of, slash):
    ids = {name: obj["api_id"] for name, obj in objects.items()}
    response = owner.post(path + slash, body_of(ids))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("slash", ["/", ""])
def test_post_actions_with_and_without_trailing_slash(owner, objects, slash):
    find = owner.post("asset/find_by_name" + slash, {"name": objects["asset"]["name"]})
    assert find.status_code == 200
    assert [a["api_id"] for a in find.json()] == [objects["asset"]["api_id"]]
    storage = owner.post(
        f"workspace/{objects['workspace']['api_id']}/storage" + slash, {"vendor": "GoFigr.io"}
    )
    assert storage.status_code == 200


@pytest.mark.parametrize("slash", ["/", ""])
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_with_and_without_trailing_slash(owner, objects, method, slash):
    analysis = objects["analysis"]
    description = unique("description")
    response = owner.request(
        method,
        f"analysis/{analysis['api_id']}" + slash,
        json={"name": analysis["name"], "workspace": analysis["workspace"], "description": description},
    )
    assert response.status_code == 200, response.text
    assert owner.ok(f"analysis/{analysis['api_id']}/")["description"] == description


@pytest.mark.parametrize("slash", ["/", ""])
def test_delete_with_and_without_trailing_slash(owner, slash):
    workspace, analysis, figure = owner.tree()
    assert owner.delete(f"figure/{figure['api_id']}" + slash).status_code == 204
    assert owner.delete(f"analysis/{analysis['api_id']}" + slash).status_code == 204
    assert owner.delete(f"workspace/{workspace['api_id']}" + slash).status_code == 204
    assert refusal(owner.get(f"workspace/{workspace['api_id']}/"), 404) == no_such(
        "workspace", workspace["api_id"]
    )


@pytest.mark.parametrize("path", ["api/token", "api/token/"])
def test_token_route_never_redirects(live_server, owner, path):
    response = requests.post(
        f"{live_server.url}/{path}",
        data={"username": owner.username, "password": owner.password},
        allow_redirects=False,
    )
    assert response.status_code == 200
    assert {"access", "refresh"} <= set(response.json())


def test_unknown_route_is_404_not_redirect(owner):
    said = "No API route /api/v1.4.1/{}; see /api/docs/ for the routes this server has."
    assert refusal(owner.get("no_such_resource/"), 404) == said.format("no_such_resource/")
    assert refusal(owner.post("no_such_resource", {}), 404) == said.format("no_such_resource")


@pytest.mark.parametrize("path", ["workspace//", "no_such_resource/", "revision/x/y/z/", ""])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_path_that_names_no_route_answers_json_not_the_web_page(owner, path, method):
    """The R client's malformed paths (``workspace//``) got the web UI's HTML 404; now JSON, as the API."""
    response = owner.session.request(method, f"{owner.base}{path}", allow_redirects=False)
    assert response.status_code == 404, response.text[:200]
    assert response.headers["Content-Type"].startswith("application/json")
    assert "No API route" in response.json()["detail"]


@pytest.mark.parametrize("version", ["v1.4", "v1.4.1"])
def test_workspace_list_is_shallow_from_v1_4(owner, objects, version):
    listing = owner.at(version).ok("workspace/")
    assert objects["workspace"]["api_id"] in {w["api_id"] for w in listing}
    for workspace in listing:
        assert "analyses" not in workspace
        assert "assets" not in workspace
        assert {"api_id", "name", "workspace_type", "size_bytes", "organization"} <= set(workspace)


@pytest.mark.parametrize("version", ["v1", "v1.2", "v1.3"])
def test_workspace_list_is_full_before_v1_4(owner, objects, version):
    listing = {w["api_id"]: w for w in owner.at(version).ok("workspace/")}
    full = listing[objects["workspace"]["api_id"]]
    assert objects["analysis"]["api_id"] in [a["api_id"] for a in full["analyses"]]
    assert all({"api_id", "name"} <= set(a) for a in full["analyses"])
    assert objects["asset"]["api_id"] in [a["api_id"] for a in full["assets"]]


def test_workspace_detail_is_full_at_v1_4_1(owner, objects):
    detail = owner.ok(f"workspace/{objects['workspace']['api_id']}/")
    assert [a["name"] for a in detail["analyses"]][:1] == [objects["analysis"]["name"]]
    assert objects["asset"]["name"] in [a["name"] for a in detail["assets"]]
