"""``POST revision/auto-assign/``: the official clients' ``auto_assign``. The revision is created at once,
``is_processing: true``, in an "Untitled N" figure of the analysis; once it has a picture the server puts
it in its figure: by the title in its metadata, else the title OCR reads, else a near-duplicate picture's
figure, else it stays "Untitled N". Everything is asserted as read back over the API."""

from __future__ import annotations

import io
import re
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import matplotlib
import numpy as np
import pytest

from tests.conftest import FIGTRAIL, start_server, stop_server
from tests.server.helpers import NO_CREDENTIALS, data_item, denied, new_user, no_such, refusal

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

X = np.linspace(0, 10, 200)


def chart(draw, title: str | None = None) -> bytes:
    """A PNG of a matplotlib chart; without a title it carries no words (only tick numbers)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    draw(ax)
    if title:
        ax.set_title(title, fontsize=24)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def image_item(payload: bytes, watermarked: bool = False) -> dict:
    return data_item(payload, "image", name="figure", format="png", is_watermarked=watermarked)


def auto_assign(api, analysis_id: str, *data: dict, metadata: dict | None = None, **extra) -> dict:
    body = {"analysis": analysis_id, "metadata": metadata or {}, "data": list(data), **extra}
    created = api.created("revision/auto-assign/", body)
    assert created["is_processing"] is True
    return created


def assigned(api, revision_id: str, timeout: float = 90) -> dict:
    """Poll the revision, as the official client's ``wait_for_processing`` does, until it is assigned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        revision = api.ok(f"revision/{revision_id}/")
        if not revision["is_processing"]:
            return revision
        time.sleep(0.25)
    raise AssertionError(f"revision {revision_id} still processing after {timeout} s")


def figures_of(api, analysis_id: str) -> dict[str, dict]:
    return {figure["name"]: figure for figure in api.ok(f"figure/?analysis={analysis_id}")}


@pytest.fixture
def analysis(owner) -> dict:
    return owner.analysis(owner.workspace()["api_id"])


def test_the_title_in_the_metadata_names_a_new_figure(owner, analysis):
    picture = chart(lambda ax: ax.plot(X, np.sin(X)))
    created = auto_assign(
        owner, analysis["api_id"], image_item(picture), metadata={"title": "Growth  by region"}
    )
    assert created["figure_metadata"]["name"] == "Untitled 1"  # where it waits
    revision = assigned(owner, created["api_id"])
    assert revision["figure_metadata"]["name"] == "Growth by region"
    assert revision["figure"] == created["figure"]  # the waiting figure took the title
    assert revision["revision_index"] == 0
    assert re.fullmatch(r"[0-9a-f]{16}", revision["phash"])
    assert list(figures_of(owner, analysis["api_id"])) == ["Growth by region"]
    figure = owner.ok(f"figure/{revision['figure']}/")
    assert figure["size_bytes"] == len(picture)
    assert [r["api_id"] for r in figure["revisions"]] == [created["api_id"]]


def test_a_figure_already_so_named_gets_the_revision(owner, analysis):
    existing = owner.figure(analysis["api_id"], "Error rates")
    first = owner.revision(existing["api_id"], image_item(chart(lambda ax: ax.bar([1, 2, 3], [3, 1, 2]))))
    picture = chart(lambda ax: ax.plot(X, X))
    created = auto_assign(owner, analysis["api_id"], image_item(picture), metadata={"title": "error RATES"})
    revision = assigned(owner, created["api_id"])
    assert revision["figure"] == existing["api_id"]
    assert revision["figure_metadata"]["name"] == "Error rates"
    assert revision["revision_index"] == 1
    refusal(owner.get(f"figure/{created['figure']}/"), 404)  # the waiting figure is gone
    assert list(figures_of(owner, analysis["api_id"])) == ["Error rates"]
    figure = owner.ok(f"figure/{existing['api_id']}/")
    assert [r["api_id"] for r in figure["revisions"]] == [first["api_id"], created["api_id"]]
    assert figure["size_bytes"] == first["size_bytes"] + len(picture)
    assert owner.ok(f"analysis/{analysis['api_id']}/")["size_bytes"] == figure["size_bytes"]


def test_without_a_title_in_the_metadata_the_title_is_read_off_the_image(owner, analysis):
    picture = chart(lambda ax: ax.plot(X, np.cos(X)), title="Quarterly Revenue Growth")
    created = auto_assign(owner, analysis["api_id"], image_item(picture))
    revision = assigned(owner, created["api_id"])
    assert revision["figure_metadata"]["name"] == "Quarterly Revenue Growth"
    assert "Quarterly Revenue Growth" in revision["image_text"]
    assert list(figures_of(owner, analysis["api_id"])) == ["Quarterly Revenue Growth"]


def test_the_unwatermarked_image_is_the_one_read(owner, analysis):
    picture = chart(lambda ax: ax.plot(X, np.cos(X)), title="Clean Picture")
    stamped = chart(lambda ax: ax.plot(X, np.cos(X)), title="Stamped Picture")
    created = auto_assign(
        owner, analysis["api_id"], image_item(stamped, watermarked=True), image_item(picture)
    )
    assert assigned(owner, created["api_id"])["figure_metadata"]["name"] == "Clean Picture"


def test_a_near_duplicate_picture_goes_to_its_figure(owner, analysis):
    wave = owner.figure(analysis["api_id"], "Sine wave")
    owner.revision(wave["api_id"], image_item(chart(lambda ax: ax.plot(X, np.sin(X)))))
    other = owner.figure(analysis["api_id"], "Histogram")
    rng = np.random.default_rng(1)
    owner.revision(other["api_id"], image_item(chart(lambda ax: ax.hist(rng.normal(size=500)))))
    redrawn = chart(lambda ax: ax.plot(X, np.sin(X) * 1.02 + 0.01))  # the same chart, data tweaked
    created = auto_assign(owner, analysis["api_id"], image_item(redrawn))
    revision = assigned(owner, created["api_id"])
    assert revision["figure"] == wave["api_id"]
    assert revision["revision_index"] == 1
    assert sorted(figures_of(owner, analysis["api_id"])) == ["Histogram", "Sine wave"]
    # the figure's latest revision was hashed for the comparison, and keeps its hash
    latest = owner.ok(f"figure/{wave['api_id']}/")["revisions"][0]
    assert re.fullmatch(r"[0-9a-f]{16}", owner.ok(f"revision/{latest['api_id']}/")["phash"])


def test_nothing_to_go_by_leaves_it_untitled_numbered(owner, analysis):
    owner.figure(analysis["api_id"], "Untitled 4")  # numbering goes on after the highest
    owner.figure(analysis["api_id"], "Untitled draft")
    rng = np.random.default_rng(2)
    bars = auto_assign(owner, analysis["api_id"], image_item(chart(lambda ax: ax.bar([1, 2, 3], [1, 3, 2]))))
    dots = auto_assign(
        owner,
        analysis["api_id"],
        image_item(chart(lambda ax: ax.scatter(rng.random(40), rng.random(40)))),
    )
    assert assigned(owner, bars["api_id"])["figure_metadata"]["name"] == "Untitled 5"
    assert assigned(owner, dots["api_id"])["figure_metadata"]["name"] == "Untitled 6"
    assert sorted(figures_of(owner, analysis["api_id"])) == [
        "Untitled 4",
        "Untitled 5",
        "Untitled 6",
        "Untitled draft",
    ]


def test_the_r_client_creates_first_and_sends_the_picture_in_a_patch(owner, analysis):
    """GoFigr's R client: ``POST revision/auto-assign/`` with ``data: []``, then
    ``PATCH revision/<id>/?silent=true`` with ``{data, assets}``; the revision waits for the picture."""
    client_id = str(uuid.uuid4())
    created = auto_assign(owner, analysis["api_id"], metadata=[], client_id=client_id)
    assert created["api_id"] == client_id
    assert created["data"] == []
    time.sleep(1.5)
    waiting = owner.ok(f"revision/{client_id}/")
    assert waiting["is_processing"] is True
    assert waiting["figure_metadata"]["name"] == "Untitled 1"
    picture = chart(lambda ax: ax.plot(X, np.tan(X / 4)), title="Survival Curve")
    patched = owner.patch(f"revision/{client_id}/?silent=true", {"data": [image_item(picture)], "assets": []})
    assert patched.status_code == 200, patched.text
    assert patched.json()["figure_metadata"]["name"] == "Untitled 1"
    revision = assigned(owner, client_id)
    assert revision["figure_metadata"]["name"] == "Survival Curve"
    assert [d["size_bytes"] for d in revision["data"]] == [len(picture)]
    assert owner.ok(f"figure/{revision['figure']}/")["size_bytes"] == len(picture)


def test_the_official_python_client_body_is_accepted(owner, analysis):
    """The Python client sends its whole revision (``to_json``) with ``figure`` removed, echoing
    read-only fields, plus ``client_id`` and a short id from a reserved prefix."""
    prefix = owner.created("short_id_prefix/reserve/", {})["prefix"]
    client_id = str(uuid.uuid4())
    body = {
        "api_id": client_id,
        "revision_index": None,
        "is_processing": None,
        "is_clean_room": False,
        "metadata": {"title": "From Python"},
        "data": [image_item(chart(lambda ax: ax.plot(X, -X)))],
        "analysis": analysis["api_id"],
        "client_id": client_id,
        "short_id": prefix + "0",
    }
    created = owner.created("revision/auto-assign/", body)
    assert created["is_processing"] is True
    assert created["short_id"] == prefix + "0"
    assert assigned(owner, client_id)["figure_metadata"]["name"] == "From Python"
    refusal(owner.post("revision/auto-assign/", body), 409)  # the same client_id again


def test_a_stranger_may_not_auto_assign_into_an_analysis(owner, stranger, analysis, live_server):
    body = {"analysis": analysis["api_id"], "metadata": {"title": "Intruder"}, "data": []}
    assert refusal(stranger.post("revision/auto-assign/", body), 403) == denied("create", "analysis")
    import requests

    signed_out = requests.post(live_server.api + "revision/auto-assign/", json=body, timeout=30)
    assert refusal(signed_out, 401) == NO_CREDENTIALS
    assert figures_of(owner, analysis["api_id"]) == {}
    assert owner.ok(f"analysis/{analysis['api_id']}/")["size_bytes"] == 0


def test_a_viewer_may_not_auto_assign(owner, stranger, live_server):
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"])
    added = owner.post(
        f"workspace/{workspace['api_id']}/members/add/",
        {"username": stranger.username, "membership_type": "viewer"},
    )
    assert added.status_code in (200, 201), added.text
    body = {"analysis": analysis["api_id"], "data": [image_item(chart(lambda ax: ax.plot(X, X)))]}
    assert refusal(stranger.post("revision/auto-assign/", body), 403) == denied("create", "analysis")
    assert figures_of(owner, analysis["api_id"]) == {}


def test_the_body_must_name_an_analysis_that_exists(owner):
    assert refusal(owner.post("revision/auto-assign/", {"data": []}), 400, "analysis")
    missing = str(uuid.uuid4())
    body = {"analysis": missing, "data": []}
    assert refusal(owner.post("revision/auto-assign/", body), 404) == no_such("analysis", missing)
    refusal(owner.get("revision/auto-assign/"), 405)


def test_info_says_auto_assign_works(owner):
    assert owner.ok("info/")["ai_enabled"] is True


def test_with_figtrail_worker_processes_ai_enabled_says_whether_one_serves_the_queue(tmp_path):
    """FIGTRAIL_TASK_MODE=worker: the app server only queues the assignment. While it waits longer than
    FIGTRAIL_TASK_ABANDONED_SECONDS, ``info/`` answers ``ai_enabled: false`` (the official clients then
    publish by figure name); once ``figtrail worker`` has run it, the revision is assigned and
    ``ai_enabled`` is true again."""
    server = start_server(tmp_path, {"FIGTRAIL_TASK_MODE": "worker", "FIGTRAIL_TASK_ABANDONED_SECONDS": "1"})
    try:
        api = new_user(server)
        analysis = api.analysis(api.workspace()["api_id"])
        assert api.ok("info/")["ai_enabled"] is True  # nothing waits yet
        picture = chart(lambda ax: ax.plot(X, np.sin(X)))
        created = auto_assign(api, analysis["api_id"], image_item(picture), metadata={"title": "Queued"})
        time.sleep(2)
        assert api.ok(f"revision/{created['api_id']}/")["is_processing"] is True
        assert api.ok("info/")["ai_enabled"] is False
        worker = subprocess.run(
            [FIGTRAIL, "worker", "--once"], env=server.env, capture_output=True, text=True, timeout=120
        )
        assert worker.returncode == 0, worker.stdout + worker.stderr
        assert assigned(api, created["api_id"], timeout=10)["figure_metadata"]["name"] == "Queued"
        assert api.ok("info/")["ai_enabled"] is True
    finally:
        stop_server(server)


def test_a_picture_that_cannot_be_read_is_assigned_all_the_same(owner, analysis):
    created = auto_assign(owner, analysis["api_id"], image_item(b"\x89PNG but not really"))
    revision = assigned(owner, created["api_id"])
    assert revision["figure_metadata"]["name"] == "Untitled 1"
    assert (revision["phash"], revision["image_text"]) == ("", "")  # read: nothing to hash, no words


def test_a_revision_deleted_while_it_waits_takes_its_waiting_figure_along(owner, analysis):
    created = auto_assign(owner, analysis["api_id"])  # no picture: it waits
    assert owner.delete(f"revision/{created['api_id']}/").status_code == 204
    refusal(owner.get(f"figure/{created['figure']}/"), 404)
    assert figures_of(owner, analysis["api_id"]) == {}
    kept = auto_assign(owner, analysis["api_id"])
    published = owner.revision(kept["figure"])  # someone publishes into "Untitled 1" meanwhile
    assert owner.delete(f"revision/{kept['api_id']}/").status_code == 204
    assert owner.ok(f"figure/{kept['figure']}/")["revisions"][0]["api_id"] == published["api_id"]


def test_revisions_assigned_at_once_under_one_title_share_one_figure(owner, analysis):
    pictures = [chart(lambda ax, k=k: ax.plot(X, np.sin(X + k))) for k in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        created = list(
            pool.map(
                lambda p: auto_assign(owner, analysis["api_id"], image_item(p), metadata={"title": "Phases"}),
                pictures,
            )
        )
    assert len({c["figure_metadata"]["name"] for c in created}) == 4  # four waiting figures, numbered apart
    revisions = [assigned(owner, c["api_id"]) for c in created]
    assert len({r["figure"] for r in revisions}) == 1
    assert sorted(r["revision_index"] for r in revisions) == [0, 1, 2, 3]
    assert list(figures_of(owner, analysis["api_id"])) == ["Phases"]
