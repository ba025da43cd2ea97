"""A share link that hides the environment: whoever reads only through it gets no interpreter, host,
paths, arguments, git or packages, from the API, the web pages or either zip; members still do, and the
option off shows everything. Every body is searched for the seeded revision's distinctive values."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests

from tests.server.helpers import data_item, finished_task, png_bytes, refusal
from tests.web.helpers import web_session

# the environment, each value distinctive enough to be searched for in any body
SECRETS = (
    "zebra-host-7731",
    "/opt/zebra-venv",
    "/home/zebra",
    "--zebra-secret-arg",
    "zebra-node-r",
    "zebra-branch",
    "ab12cd34zebra",
    "zebra-org/secret-repo",
    "9.9.917",
    "zebra-freeze-pkg",
    "3.12.77",
    "R version zebra",
    "4.4.4417",
)
# the user's own: kept for everyone
KEPT = ("arm-b-kept", "a note the client kept", "print('kept code')")

METADATA = {
    "host": "zebra-host-7731",
    "os": "Linux-zebra-node-r",
    "python_version": "3.12.77 (main)",
    "kernel": "/opt/zebra-venv/bin/python",
    "packages": {"numpy": "9.9.917"},
    "notebook_path": "/home/zebra/notebooks/growth.ipynb",
    "script": "/home/zebra/run.py",
    "argv": ["run.py", "--zebra-secret-arg"],
    "getwd": "/home/zebra/study",
    "R version": "R version zebra",
    "Sys.info()": {"nodename": "zebra-node-r"},
    "git": {
        "branch": "zebra-branch",
        "hash": "ab12cd34zebra",
        "remote_url": "git@github.com:zebra-org/secret-repo.git",
    },
    "treatment": "arm-b-kept",
    "figtrail_notes": ["a note the client kept"],
}
MANIFEST = {
    "language": "python",
    "language_version": "3.12.77",
    "function_name": "bars",
    "packages": {"cleanpkg": "4.4.4417"},
    "imports": {"np": "numpy"},
    "parameters": {"height": {"type": "integer", "widget": "slider", "value": 5, "min": 0, "max": 10}},
}
ENVIRONMENT_OBJECTS = ("pip freeze", "System Info", "sessionInfo", "Clean Room Manifest")


def revision_data(colour=(200, 30, 30)) -> list[dict]:
    clean = {"is_clean_room": True}
    return [
        data_item(png_bytes(color=colour), "image", name="figure", format="png"),
        data_item(b"print('kept code')\n", "code", name="run.py", language="Python"),
        data_item(b"zebra-freeze-pkg==9.9.917\nnumpy==9.9.917", "text", name="pip freeze"),
        data_item(b"Linux zebra-host-7731 6.1 #1 x86_64", "text", name="System Info"),
        data_item(b"R version zebra (2026-01-01)", "text", name="sessionInfo"),
        data_item(b"a,b\n1,2\n", "file", name="data.csv", path="/home/zebra/data/data.csv"),
        {**data_item(b"x = height\n", "code", name="Clean Room Source", format="clean_room"), **clean},
        {
            **data_item(
                json.dumps(MANIFEST).encode(),
                "text",
                name="Clean Room Manifest",
                format="json",
                role="manifest",
            ),
            **clean,
        },
    ]


@pytest.fixture(scope="module")
def shared(owner, live_server) -> dict:
    """Its own figure with two such revisions, link-shared with the environment hidden."""
    _, _, figure = owner.tree()
    first = owner.revision(figure["api_id"], *revision_data(), metadata=METADATA, is_clean_room=True)
    second = owner.revision(
        figure["api_id"], *revision_data((30, 30, 200)), metadata={**METADATA, "dose": 2}, is_clean_room=True
    )
    link = owner.post(f"figure/{figure['api_id']}/share/link/", {"enabled": True, "hide_environment": True})
    assert link.status_code == 200, link.text
    assert link.json()["hide_environment"] is True
    return {"figure": figure, "revisions": [first, second], "token": link.json()["token"]}


def set_hidden(owner, figure_id: str, hidden: bool) -> None:
    body = owner.post(f"figure/{figure_id}/share/link/", {"enabled": True, "hide_environment": hidden}).json()
    assert body["hide_environment"] is hidden and body["enabled"] is True


def guest(live_server, token: str) -> requests.Session:
    """Someone signed out who opened the link."""
    session = live_server.new_session()
    assert session.get(f"{live_server.url}/s/{token}", allow_redirects=False, timeout=30).status_code == 302
    return session


def member(live_server, owner) -> requests.Session:
    return web_session(live_server, owner.username, owner.password)


def unzipped(response: requests.Response) -> str:
    assert response.status_code == 200, response.text[:300]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def bodies(live_server, session: requests.Session, shared: dict) -> dict[str, str]:
    """Everything a reader gets of the figure: API payloads, data objects, pages and zips."""
    api, web = live_server.api, live_server.url
    first, second = shared["revisions"]
    figure_id = shared["figure"]["api_id"]

    def text(url: str) -> str:
        response = session.get(url, allow_redirects=False, timeout=60)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        return response.text

    found = {
        "figure JSON": text(f"{api}figure/{figure_id}/"),
        "revision JSON": text(f"{api}revision/{first['api_id']}/"),
        "figure page": text(f"{web}/figure/{figure_id}"),
        "figure table": text(f"{web}/figure/{figure_id}/table"),
        "revision page": text(f"{web}/revision/{first['api_id']}"),
        "lineage page": text(f"{web}/revision/{first['api_id']}/lineage"),
        "compare page": text(f"{web}/compare?a={first['api_id']}&b={second['api_id']}"),
        "download everything": unzipped(
            session.get(f"{web}/revision/{first['api_id']}/download", timeout=60)
        ),
        "reproduce (web)": unzipped(session.get(f"{web}/revision/{first['api_id']}/reproduce", timeout=60)),
        "reproduce (API)": unzipped(session.get(f"{api}revision/{first['api_id']}/reproduce/", timeout=60)),
    }
    listed = json.loads(found["revision JSON"])["data"]
    for item in listed:  # every data object the reader is shown, and its bytes
        found[f"data {item['name']}"] = text(f"{api}data/{item['api_id']}/")
        found[f"download {item['name']}"] = text(f"{web}/web/data/{item['api_id']}/download")
    return found


def environment_objects(owner, shared) -> list[dict]:
    return [
        d
        for d in owner.ok(f"revision/{shared['revisions'][0]['api_id']}/")["data"]
        if d["name"] in ENVIRONMENT_OBJECTS
    ]


def test_a_link_viewer_gets_no_environment_anywhere(live_server, owner, shared):
    set_hidden(owner, shared["figure"]["api_id"], True)
    found = bodies(live_server, guest(live_server, shared["token"]), shared)
    for where, body in found.items():
        for secret in SECRETS:
            assert secret not in body, (where, secret)
    for kept in KEPT:  # the user's own parameters, the client's notes and the code stay
        assert kept in "\n".join(found.values()), kept
    assert json.loads(found["revision JSON"])["metadata"] == {
        "treatment": "arm-b-kept",
        "figtrail_notes": ["a note the client kept"],
    }
    assert "arm-b-kept" in found["revision page"] and "kept code" in found["download everything"]
    listed = {d["name"] for d in json.loads(found["revision JSON"])["data"]}
    assert listed == {"figure", "run.py", "data.csv", "Clean Room Source"}  # no manifest: its versions
    assert "environment-hidden" in found["revision page"]
    # the Reproduce zip still reproduces: the parameters, the packages unpinned, said why
    assert '"height"' in found["reproduce (API)"] and "cleanpkg\n" in found["reproduce (API)"]
    assert "Without its environment" in found["reproduce (web)"]
    # the environment's own data objects are not there at all: 404, as an id nobody uses
    session = guest(live_server, shared["token"])
    for item in environment_objects(owner, shared):
        for path in (f"data/{item['api_id']}/", f"data/{item['api_id']}/storage/"):
            assert refusal(session.get(live_server.api + path, timeout=30), 404).startswith("No data object")
        for route in ("download", "view"):
            response = session.get(f"{live_server.url}/web/data/{item['api_id']}/{route}", timeout=30)
            assert response.status_code == 404, route
    # the anonymous API reader (the official client's GoFigr(anonymous=True): no token) alike
    plain = requests.get(f"{live_server.api}revision/{shared['revisions'][0]['api_id']}/", timeout=30)
    assert not any(secret in plain.text for secret in SECRETS)


def test_a_signed_in_link_reader_lists_and_looks_up_no_environment_either(owner, stranger, shared):
    """Not a member, no user share: a signed-in reader of the link reads as a signed-out one."""
    set_hidden(owner, shared["figure"]["api_id"], True)
    listed = stranger.get(f"revision/?figure={shared['figure']['api_id']}")
    data_io = stranger.get(f"revision/{shared['revisions'][0]['api_id']}/data_io/")
    for response in (listed, data_io):
        assert response.status_code == 200, response.text
        for secret in SECRETS:
            assert secret not in response.text, secret
    assert len(listed.json()) == 2 and listed.json()[0]["metadata"]["treatment"] == "arm-b-kept"
    names = {output["name"] for output in data_io.json()["outputs"]}
    assert names.isdisjoint(ENVIRONMENT_OBJECTS) and "run.py" in names
    assert set(ENVIRONMENT_OBJECTS) <= {
        o["name"] for o in owner.ok(f"revision/{shared['revisions'][0]['api_id']}/data_io/")["outputs"]
    }


def test_an_asset_revision_shared_without_the_environment_loses_its_paths(live_server, owner):
    workspace = owner.workspace()
    asset = owner.asset(workspace["api_id"])
    revision = owner.asset_revision(asset["api_id"], b"a,b\n1,2\n", "/home/zebra/data/volumes.csv")
    path = f"asset_revision/{revision['api_id']}/share/link/"
    assert owner.post(path, {"enabled": True, "hide_environment": True}).status_code == 200
    for url in (
        f"{live_server.api}asset_revision/{revision['api_id']}/",
        f"{live_server.url}/asset_revision/{revision['api_id']}",
    ):
        response = requests.get(url, timeout=30)
        assert response.status_code == 200 and "volumes.csv" in response.text, url
        assert "/home/zebra" not in response.text, url
    assert owner.ok(f"asset_revision/{revision['api_id']}/")["data"][0]["metadata"]["path"].startswith(
        "/home/zebra"
    )


def test_a_member_still_sees_everything(live_server, owner, shared):
    set_hidden(owner, shared["figure"]["api_id"], True)
    found = bodies(live_server, member(live_server, owner), shared)
    api_found = owner.ok(f"revision/{shared['revisions'][0]['api_id']}/")
    assert api_found["metadata"] == METADATA
    assert {d["name"] for d in api_found["data"]} >= set(ENVIRONMENT_OBJECTS)
    everything = "\n".join(found.values())
    for secret in SECRETS:
        assert secret in everything, secret
    for where in ("revision page", "download everything", "reproduce (web)"):
        assert "zebra-branch" in found[where] or "4.4.4417" in found[where], where
    assert "environment-hidden" not in found["revision page"]


def test_a_user_share_sees_everything_though_the_link_hides_it(live_server, owner, stranger, shared):
    set_hidden(owner, shared["figure"]["api_id"], True)
    path = f"figure/{shared['figure']['api_id']}/share/user/"
    assert owner.post(path, {"username": stranger.username, "sharing_enabled": True}).status_code == 200
    try:
        revision = stranger.ok(f"revision/{shared['revisions'][0]['api_id']}/")
        assert revision["metadata"] == METADATA
        [freeze] = [d for d in revision["data"] if d["name"] == "pip freeze"]
        assert stranger.get(f"data/{freeze['api_id']}/").status_code == 200
    finally:
        owner.post(path, {"username": stranger.username, "sharing_enabled": False})


def test_with_the_option_off_a_link_viewer_sees_the_environment(live_server, owner, shared):
    set_hidden(owner, shared["figure"]["api_id"], False)
    try:
        found = bodies(live_server, guest(live_server, shared["token"]), shared)
        assert json.loads(found["revision JSON"])["metadata"] == METADATA
        everything = "\n".join(found.values())
        for secret in SECRETS:
            assert secret in everything, secret
        for item in environment_objects(owner, shared):
            assert requests.get(f"{live_server.api}data/{item['api_id']}/", timeout=30).status_code == 200
    finally:
        set_hidden(owner, shared["figure"]["api_id"], True)


def test_the_option_is_optional_kept_when_left_out_and_checked(owner, shared):
    path = f"figure/{shared['figure']['api_id']}/share/link/"
    set_hidden(owner, shared["figure"]["api_id"], True)
    assert (
        owner.post(path, {"enabled": True}).json()["hide_environment"] is True
    )  # the official client's body
    assert owner.ok(path)["hide_environment"] is True
    assert refusal(owner.post(path, {"enabled": True, "hide_environment": "maybe"}), 400, "hide_environment")
    assert owner.ok(path)["hide_environment"] is True
    # a new link on another object: the environment shown unless asked
    _, _, other = owner.tree()
    fresh = owner.post(f"figure/{other['api_id']}/share/link/", {"enabled": True}).json()
    assert fresh["hide_environment"] is False


def test_the_ai_is_not_told_the_environment_a_link_reader_may_not_read(owner, stranger, shared):
    """A signed-in link reader (not a member) asking the AI about the revision: the facts sent to the
    provider (here the offline one, which answers from them) hold no environment."""
    set_hidden(owner, shared["figure"]["api_id"], True)
    body = {"revision_id": shared["revisions"][0]["api_id"]}
    answer = stranger.post("ai/insight/", body)
    assert answer.status_code == 200, answer.text
    for secret in SECRETS:
        assert secret not in answer.text, secret
    assert "R version zebra" in owner.post("ai/insight/", body).text  # a member's facts hold it


def test_an_ai_reply_asked_by_a_link_reader_is_not_told_the_environment(owner, stranger, shared):
    set_hidden(owner, shared["figure"]["api_id"], True)
    revision_id = shared["revisions"][0]["api_id"]

    def ai_reply(api) -> str:
        body = {"target_type": "figure_revision", "target_id": revision_id, "content": "What is this?"}
        question = api.created("comment/", {**body, "parent": None})
        reply = api.post(f"comment/{question['api_id']}/ai_reply/")
        assert reply.status_code == 201, reply.text
        assert finished_task(api, reply.json()["task"]["api_id"])["status"] == "succeeded"
        return api.ok(f"comment/{reply.json()['api_id']}/")["content"]

    answer = ai_reply(stranger)
    assert answer and not any(secret in answer for secret in SECRETS), answer
    assert "R version zebra" in ai_reply(owner)  # a member's facts hold it
