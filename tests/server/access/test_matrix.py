"""The permission matrix: every role × every object endpoint × every verb → the exact status code, and
for a refusal the reason its JSON body gives (``_unexplained``).

Generated from ONE table (``MATRIX`` below), asserted against the live server. Columns are roles:

    OWN ADM CRE VIE  the workspace's owner, admin, creator and viewer (direct workspace members)
    OAD OWA OWC OWV  organization admin, workspace admin, workspace creator, workspace viewer of the
                     workspace's organization, not members of the workspace (docs/access.md); the
                     owner is a workspace creator of the organization too (so they could make it)
    NON              a signed-in user with no role: every id is from another workspace (403, not 404)
    USR              a user the analysis and the asset were shared with (``share/user``)
    LNK              anonymous, reading the link-shared analysis/asset tree (``GoFigr(anonymous=True)``)
    ANO              anonymous, on the private tree (401: credentials are asked for, nothing is revealed)

Every role but LNK works on the private tree (an analysis → figure → revision → data, an asset → asset
revision); LNK works on a second, link-shared tree in the same workspace. A DELETE that should succeed
deletes a fresh copy of the object (made by the owner in the same place), so the shared fixtures stay.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.server.helpers import NO_CREDENTIALS, Api, data_item, denied, new_user, png_bytes, unique

ROLES = ["OWN", "ADM", "CRE", "VIE", "OAD", "OWA", "OWC", "OWV", "NON", "USR", "LNK", "ANO"]

MATRIX = """
endpoint        action            OWN ADM CRE VIE OAD OWA OWC OWV NON USR LNK ANO
organization    GET               200 403 403 403 200 200 200 200 403 403 401 401
organization    PUT               403 403 403 403 200 403 403 403 403 403 401 401
organization    PATCH             403 403 403 403 200 403 403 403 403 403 401 401
organization    DELETE            403 403 403 403 204 403 403 403 403 403 401 401
organization    POST-child        201 403 403 403 201 201 201 403 403 403 401 401
organization    members-GET       200 403 403 403 200 200 200 200 403 403 401 401
organization    members-add       403 403 403 403 400 403 403 403 403 403 401 401
workspace       GET               200 200 200 200 200 200 403 403 403 403 401 401
workspace       PUT               200 200 403 403 200 200 403 403 403 403 401 401
workspace       PATCH             200 200 403 403 200 200 403 403 403 403 401 401
workspace       DELETE            204 403 403 403 204 403 403 403 403 403 401 401
workspace       POST-child        201 201 201 403 201 201 403 403 403 403 401 401
workspace       members-GET       200 200 200 200 200 200 403 403 403 403 401 401
workspace       members-add       400 400 403 403 400 400 403 403 403 403 401 401
workspace       log-GET           200 200 200 200 200 200 403 403 403 403 401 401
analysis        GET               200 200 200 200 200 200 403 403 403 200 200 401
analysis        PUT               200 200 200 403 200 200 403 403 403 403 401 401
analysis        PATCH             200 200 200 403 200 200 403 403 403 403 401 401
analysis        DELETE            204 204 204 403 204 204 403 403 403 403 401 401
analysis        POST-child        201 201 201 403 201 201 403 403 403 403 401 401
analysis        auto-assign-POST  201 201 201 403 201 201 403 403 403 403 401 401
analysis        log-GET           200 200 200 200 200 200 403 403 403 200 401 401
analysis        thumbnail-GET     200 200 200 200 200 200 403 403 403 200 200 401
analysis        share-link-GET    200 200 200 200 200 200 403 403 403 200 401 401
analysis        share-link-POST   200 200 200 403 200 200 403 403 403 403 401 401
analysis        share-user-GET    200 200 200 200 200 200 403 403 403 200 401 401
analysis        share-user-POST   400 400 400 403 400 400 403 403 403 403 401 401
figure          GET               200 200 200 200 200 200 403 403 403 200 200 401
figure          PUT               200 200 200 403 200 200 403 403 403 403 401 401
figure          PATCH             200 200 200 403 200 200 403 403 403 403 401 401
figure          DELETE            204 204 204 403 204 204 403 403 403 403 401 401
figure          POST-child        201 201 201 403 201 201 403 403 403 403 401 401
figure          thumbnail-GET     200 200 200 200 200 200 403 403 403 200 200 401
figure          share-link-GET    200 200 200 200 200 200 403 403 403 200 401 401
figure          share-link-POST   200 200 200 403 200 200 403 403 403 403 401 401
figure          share-user-GET    200 200 200 200 200 200 403 403 403 200 401 401
figure          share-user-POST   400 400 400 403 400 400 403 403 403 403 401 401
revision        GET               200 200 200 200 200 200 403 403 403 200 200 401
revision        PUT               200 200 200 403 200 200 403 403 403 403 401 401
revision        PATCH             200 200 200 403 200 200 403 403 403 403 401 401
revision        DELETE            204 204 204 403 204 204 403 403 403 403 401 401
revision        thumbnail-GET     200 200 200 200 200 200 403 403 403 200 200 401
revision        share-link-GET    200 200 200 200 200 200 403 403 403 200 401 401
revision        share-link-POST   200 200 200 403 200 200 403 403 403 403 401 401
revision        share-user-GET    200 200 200 200 200 200 403 403 403 200 401 401
revision        share-user-POST   400 400 400 403 400 400 403 403 403 403 401 401
revision        similar-GET       200 200 200 200 200 200 403 403 403 200 401 401
data            GET               200 200 200 200 200 200 403 403 403 200 200 401
data            PUT               405 405 405 405 405 405 405 405 405 405 401 401
data            PATCH             405 405 405 405 405 405 405 405 405 405 401 401
data            DELETE            405 405 405 405 405 405 405 405 405 405 401 401
asset           GET               200 200 200 200 200 200 403 403 403 200 200 401
asset           PUT               200 200 200 403 200 200 403 403 403 403 401 401
asset           PATCH             200 200 200 403 200 200 403 403 403 403 401 401
asset           DELETE            204 204 204 403 204 204 403 403 403 403 401 401
asset           POST-child        201 201 201 403 201 201 403 403 403 403 401 401
asset           thumbnail-GET     200 200 200 200 200 200 403 403 403 200 200 401
asset           share-link-GET    200 200 200 200 200 200 403 403 403 200 401 401
asset           share-link-POST   200 200 200 403 200 200 403 403 403 403 401 401
asset           share-user-GET    200 200 200 200 200 200 403 403 403 200 401 401
asset           share-user-POST   400 400 400 403 400 400 403 403 403 403 401 401
asset_revision  GET               200 200 200 200 200 200 403 403 403 200 200 401
asset_revision  PUT               200 200 200 403 200 200 403 403 403 403 401 401
asset_revision  PATCH             200 200 200 403 200 200 403 403 403 403 401 401
asset_revision  DELETE            204 204 204 403 204 204 403 403 403 403 401 401
asset_revision  thumbnail-GET     200 200 200 200 200 200 403 403 403 200 200 401
asset_revision  share-link-GET    200 200 200 200 200 200 403 403 403 200 401 401
asset_revision  share-link-POST   200 200 200 403 200 200 403 403 403 403 401 401
asset_revision  share-user-GET    200 200 200 200 200 200 403 403 403 200 401 401
asset_revision  share-user-POST   400 400 400 403 400 400 403 403 403 403 401 401
"""


def _rows() -> list[tuple[str, str, dict[str, int]]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    header, body = lines[0], lines[1:]
    assert header[2:] == ROLES
    rows = [(row[0], row[1], dict(zip(ROLES, map(int, row[2:]), strict=True))) for row in body]
    assert len({(endpoint, action) for endpoint, action, _ in rows}) == len(rows), "a row is repeated"
    return rows


ROWS = _rows()


class Anonymous:
    """No credentials at all: what a browser or ``GoFigr(anonymous=True)`` sends."""

    def __init__(self, server) -> None:
        self.base = server.api

    def request(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(method, self.base + path, json=body, allow_redirects=False, timeout=60)


def _tree(owner: Api, organization_id: str, workspace_id: str) -> dict:
    analysis = owner.analysis(workspace_id)
    figure = owner.figure(analysis["api_id"])
    revision = owner.revision(figure["api_id"], data_item(png_bytes(), "image", name="plot", format="png"))
    asset = owner.asset(workspace_id)
    asset_revision = owner.asset_revision(asset["api_id"], unique("a,b\n1,2\n").encode())
    return {
        "organization": organization_id,
        "workspace": workspace_id,
        "analysis": analysis["api_id"],
        "figure": figure["api_id"],
        "revision": revision["api_id"],
        "data": revision["data"][0]["api_id"],
        "asset": asset["api_id"],
        "asset_revision": asset_revision["api_id"],
    }


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    """Every role's user and both trees, built once for the module."""
    signed_in = [role for role in ROLES if role not in ("LNK", "ANO")]
    with ThreadPoolExecutor(max_workers=len(signed_in)) as pool:  # each `figtrail user add` is a process
        users = dict(zip(signed_in, pool.map(lambda _: new_user(live_server), signed_in), strict=True))
    owner, org_admin = users["OWN"], users["OAD"]
    org = org_admin.created("organization/", {"name": unique("matrix-org")})["api_id"]
    # the owner may create workspaces in the organization; the others get the role their column names
    org_roles = {
        "OWN": "workspace_creator",
        "OWA": "workspace_admin",
        "OWC": "workspace_creator",
        "OWV": "workspace_viewer",
    }
    for role, org_role in org_roles.items():
        body = {"username": users[role].username, "membership_type": org_role}
        added = org_admin.post(f"organization/{org}/members/add/", body)
        assert added.status_code == 200, added.text
    workspace = owner.created("workspace/", {"name": unique("matrix"), "organization": org})["api_id"]
    for role, ws_role in {"ADM": "admin", "CRE": "creator", "VIE": "viewer"}.items():
        body = {"username": users[role].username, "membership_type": ws_role}
        added = owner.post(f"workspace/{workspace}/members/add/", body)
        assert added.status_code == 200, added.text
    private, linked = _tree(owner, org, workspace), _tree(owner, org, workspace)
    for kind in ("analysis", "asset"):
        body = {"username": users["USR"].username, "sharing_enabled": True}
        shared = owner.post(f"{kind}/{private[kind]}/share/user/", body)
        assert shared.status_code == 200, shared.text
        assert owner.post(f"{kind}/{linked[kind]}/share/link/", {"enabled": True}).json()["enabled"] is True
    clients = {role: users[role] for role in users}
    clients["LNK"] = clients["ANO"] = Anonymous(live_server)
    return {
        "clients": clients,
        "owner": owner,
        "org_admin": org_admin,
        "org": org,
        "private": private,
        "linked": linked,
    }


def _send(client, method: str, path: str, body=None) -> requests.Response:
    if isinstance(client, Anonymous):
        return client.request(method, path, body)
    return client.request(method, path, json=body)


def _fresh(world: dict, endpoint: str, ids: dict) -> dict:
    """A copy of the object to delete, made by the owner beside the fixture one."""
    owner = world["owner"]
    if endpoint == "organization":  # one its admin made, so that only the admin column deletes it
        organization = world["org_admin"].created("organization/", {"name": unique("doomed")})
        return {**ids, "organization": organization["api_id"]}
    if endpoint == "workspace":
        workspace = owner.created("workspace/", {"name": unique("doomed"), "organization": world["org"]})
        return {**ids, "workspace": workspace["api_id"]}
    if endpoint == "analysis":
        return {**ids, "analysis": owner.analysis(ids["workspace"])["api_id"]}
    if endpoint == "figure":
        return {**ids, "figure": owner.figure(ids["analysis"])["api_id"]}
    if endpoint == "revision":
        return {**ids, "revision": owner.revision(ids["figure"])["api_id"]}
    if endpoint == "asset":
        return {**ids, "asset": owner.asset(ids["workspace"])["api_id"]}
    if endpoint == "asset_revision":
        return {**ids, "asset_revision": owner.asset_revision(ids["asset"], unique("x").encode())["api_id"]}
    raise AssertionError(f"no fresh copy of {endpoint}")


def _request(endpoint: str, action: str, ids: dict, linked: bool) -> tuple[str, str, dict | None]:
    """(method, path, body) for one row of the table."""
    me = f"{endpoint}/{ids[endpoint]}/"
    name = unique("renamed")
    put_bodies = {
        "organization": {"name": name},
        "workspace": {"name": name, "description": "d", "organization": None},
        "analysis": {"name": name, "workspace": ids["workspace"]},
        "figure": {"name": name, "analysis": ids["analysis"]},
        "revision": {"metadata": {"put": name}},
        "data": {"name": name},
        "asset": {"name": name + ".csv", "workspace": ids["workspace"]},
        "asset_revision": {"metadata": {"put": name}},
    }
    described = ("organization", "workspace", "analysis", "figure", "asset")
    patch_bodies = {**put_bodies, **{kind: {"description": name} for kind in described}}
    children = {
        "organization": ("workspace/", {"name": name, "organization": ids["organization"]}),
        "workspace": ("analysis/", {"name": name, "workspace": ids["workspace"]}),
        "analysis": ("figure/", {"name": name, "analysis": ids["analysis"]}),
        "figure": ("revision/", {"figure": ids["figure"], "metadata": {}, "data": []}),
        "asset": ("asset_revision/", {"asset": ids["asset"], "data": [data_item(name.encode(), "file")]}),
    }
    if action == "GET":
        return "GET", me, None
    if action == "PUT":
        return "PUT", me, put_bodies[endpoint]
    if action == "PATCH":
        return "PATCH", me, patch_bodies[endpoint]
    if action == "DELETE":
        return "DELETE", me, None
    if action == "POST-child":
        path, body = children[endpoint]
        return "POST", path, body
    if action == "members-GET":
        return "GET", me + "members/", None
    if action == "members-add":  # a user who does not exist: 400 once the role allows it, else 403
        role = "workspace_viewer" if endpoint == "organization" else "viewer"
        return "POST", me + "members/add/", {"username": "no-such-user", "membership_type": role}
    if action == "log-GET":
        return "GET", me + "log/", None
    if action == "auto-assign-POST":  # a revision in the analysis, its figure for the server to choose
        return "POST", "revision/auto-assign/", {"analysis": ids["analysis"], "metadata": {}, "data": []}
    if action == "similar-GET":
        return "GET", me + "similar/", None
    if action == "thumbnail-GET":
        return "GET", me + "thumbnail/32", None
    if action == "share-link-GET":
        return "GET", me + "share/link/", None
    if action == "share-link-POST":  # keeps each tree as it is: the private one off, the linked one on
        return "POST", me + "share/link/", {"enabled": linked}
    if action == "share-user-GET":
        return "GET", me + "share/user/", None
    if action == "share-user-POST":
        return "POST", me + "share/user/", {"username": "no-such-user", "sharing_enabled": True}
    raise AssertionError(f"unknown action {action}")


def test_the_table_covers_every_endpoint_and_verb():
    endpoints = ["organization", "workspace", "analysis", "figure", "revision", "data", "asset"]
    endpoints.append("asset_revision")
    covered = {(endpoint, action) for endpoint, action, _ in ROWS}
    for endpoint, verb in itertools.product(endpoints, ["GET", "PUT", "PATCH", "DELETE"]):
        assert (endpoint, verb) in covered, (endpoint, verb)
    for endpoint in ["organization", "workspace", "analysis", "figure", "asset"]:
        assert (endpoint, "POST-child") in covered
    sub_actions = ["thumbnail-GET", "share-link-GET", "share-link-POST", "share-user-GET", "share-user-POST"]
    for endpoint, action in itertools.product(
        ["analysis", "figure", "revision", "asset", "asset_revision"], sub_actions
    ):
        assert (endpoint, action) in covered, (endpoint, action)
    for endpoint, action in itertools.product(["organization", "workspace"], ["members-GET", "members-add"]):
        assert (endpoint, action) in covered
    assert ("workspace", "log-GET") in covered


NOUNS = {"data": "data object", "asset_revision": "asset revision"}  # else the endpoint's name
LEVELS = ("view", "create", "admin", "own")
ORGANIZATION_REFUSALS = (  # an organization's 403s name the role, or that workspaces may not go in
    "You do not have the organization role this needs.",
    "You may not create or move workspaces into this organization.",
)


def _unexplained(response: requests.Response, endpoint: str, method: str) -> str | None:
    """What is missing from a refused cell's answer: each refusal of the table says why in its JSON body,
    a 400 the field it rejects (the unknown user), a 401 that credentials are missing, a 403 the access
    the role lacks on this kind of object, a 405 the method. None when the answer says it."""
    if response.status_code < 400:
        return None
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return "no JSON body"
    body = response.json()
    if not isinstance(body, dict):
        return "no JSON object"
    if endpoint == "organization":
        reasons = ORGANIZATION_REFUSALS
    else:
        reasons = tuple(denied(level, NOUNS.get(endpoint, endpoint)) for level in LEVELS)
    said = {
        400: bool(body.get("username")),
        401: body.get("detail") == NO_CREDENTIALS,
        403: body.get("detail") in reasons,
        405: body.get("detail") == f'Method "{method}" not allowed.',
    }.get(response.status_code, bool(body.get("detail")))
    return None if said else "not the reason expected"


def test_matrix(world):
    """One test, so that ``-n 2`` builds the roles and trees once; it reports every wrong cell at once."""
    wrong, cells = [], 0
    for endpoint, action, expected in ROWS:
        for role in ROLES:
            linked = role == "LNK"
            ids = world["linked" if linked else "private"]
            if action == "DELETE" and expected[role] == 204:
                ids = _fresh(world, endpoint, ids)
            method, path, body = _request(endpoint, action, ids, linked)
            if endpoint == "workspace" and action == "PUT":
                body = {**body, "organization": world["org"]}  # a full PUT keeps the organization
            response = _send(world["clients"][role], method, path, body)
            cells += 1
            if response.status_code != expected[role]:
                wrong.append(
                    f"{endpoint} {action} as {role}: {method} {path} -> {response.status_code}, "
                    f"expected {expected[role]}: {response.text[:160]}"
                )
            elif missing := _unexplained(response, endpoint, method):
                wrong.append(
                    f"{endpoint} {action} as {role}: {method} {path} -> {missing}: {response.text[:160]}"
                )
    assert not wrong, f"{len(wrong)} of {cells} cells wrong:\n" + "\n".join(wrong)
    assert cells == len(ROWS) * len(ROLES)
