"""``ai/insight/``, ``ai/compare/``, ``ai/extract_code/``, ``ai/query/`` and ``revision/<id>/data_io/``
against the live server's default, offline provider: answers are labelled as not written by a model."""

from __future__ import annotations

import pytest

from tests.server.helpers import NO_CREDENTIALS, Api, denied, no_such, refusal
from tests.server.insight.figures import published_tree, sse_events


@pytest.fixture(scope="module")
def tree(owner: Api) -> dict:
    return published_tree(owner)


def test_insight_answers_from_the_stored_facts_labelled_offline(owner, tree):
    response = owner.post("ai/insight/", {"revision_id": tree["first"]["api_id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "offline" and body["is_llm"] is False and body["model"]
    assert set(body["usage"]) == {"input_tokens", "output_tokens"}
    text = body["text"]
    assert tree["figure"]["name"] in text
    for fact in ("Day", "Tumour size (mm)", "growth"):  # axis labels from the code, the table's name
        assert fact in text, (fact, text)


def test_insight_streams_server_sent_events(owner, tree):
    response = owner.post(
        "ai/insight/",
        {"revision_id": tree["first"]["api_id"], "question": "What grows?", "stream": True},
        stream=True,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["X-Accel-Buffering"] == "no"
    events = sse_events(response.text)
    deltas = [data["delta"] for name, data in events if name == "message"]
    done = [data for name, data in events if name == "done"]
    assert deltas and len(done) == 1 and events[-1][0] == "done"
    assert "".join(deltas) == done[0]["text"]
    assert done[0]["provider"] == "offline" and done[0]["is_llm"] is False


def test_insight_streams_when_the_client_accepts_only_event_streams(owner, tree):
    response = owner.post(
        "ai/insight/", {"revision_id": tree["second"]["api_id"]}, headers={"Accept": "text/event-stream"}
    )
    assert response.status_code == 200, response.text
    assert [name for name, _ in sse_events(response.text)][-1] == "done"
    refused = owner.post("ai/insight/", {}, headers={"Accept": "text/event-stream"})
    assert refused.status_code == 400 and "revision_id" in refused.json()  # errors stay JSON


def test_compare_names_what_changed(owner, tree):
    ids = [tree["first"]["api_id"], tree["second"]["api_id"]]
    response = owner.post("ai/compare/", {"revision_ids": ids})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["is_llm"] is False and body["provider"] == "offline"
    assert "treated" in body["text"]


def test_extract_code_returns_the_plotting_code(owner, tree):
    response = owner.post("ai/extract_code/", {"revision_id": tree["first"]["api_id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == "python" and body["is_llm"] is False
    assert "ax.plot(" in body["code"] and "read_csv" in body["code"]
    compile(body["code"], "extracted", "exec")  # what it gives back is Python that parses
    assert body["text"]


def test_query_answers_text_only(owner, tree):
    response = owner.post("ai/query/", {"question": "How do I log a figure?"})
    assert response.status_code == 200, response.text
    assert response.json()["provider"] == "offline" and response.json()["text"]
    scoped = owner.post("ai/query/", {"question": "Anything?", "workspace_id": tree["workspace"]["api_id"]})
    assert scoped.status_code == 200, scoped.text
    streamed = owner.post("ai/query/", {"question": "Stream it", "stream": True}, stream=True)
    assert sse_events(streamed.text)[-1][0] == "done"


def test_data_io_lists_inputs_and_outputs(owner, tree):
    body = owner.ok(f"revision/{tree['first']['api_id']}/data_io/")
    assert body["revision"] == tree["first"]["api_id"] and body["figure"] == tree["figure"]["api_id"]
    [source] = body["inputs"]
    assert source["asset_name"] == "growth.csv" and source["use_type"] == "direct"
    assert source["asset_revision"] == tree["asset_revision"]["api_id"]
    assert [file["name"] for file in source["files"]] == ["growth.csv"]
    assert len(source["files"][0]["hash"]) == 64
    outputs = {(item["type"], item["name"], item["format"]) for item in body["outputs"]}
    assert ("dataframe", "growth", "csv") in outputs and ("image", "figure", "png") in outputs
    assert ("code", "Jupyter Cell", "text") in outputs
    assert all(item["size_bytes"] > 0 for item in body["outputs"])
    assert owner.ok(f"revision/{tree['second']['api_id']}/data_io/")["inputs"] == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("ai/insight/", {}, "revision_id"),
        ("ai/insight/", {"revision_id": "not-a-uuid"}, "revision_id"),
        ("ai/insight/", {"revision_id": "00000000-0000-0000-0000-000000000000", "stream": "maybe"}, "stream"),
        ("ai/compare/", {"revision_ids": ["00000000-0000-0000-0000-000000000000"]}, "revision_ids"),
        ("ai/compare/", {"revision_ids": "nope"}, "revision_ids"),
        ("ai/extract_code/", {"revision_id": [12]}, "revision_id"),
        ("ai/query/", {}, "question"),
        ("ai/query/", {"question": "x", "workspace_id": "bad"}, "workspace_id"),
    ],
)
def test_bad_input_names_the_field(owner, path, body, field):
    response = owner.post(path, body)
    assert response.status_code == 400, response.text
    assert field in response.json()


def test_compare_rejects_more_than_six_and_duplicates(owner, tree):
    same = tree["first"]["api_id"]
    assert refusal(owner.post("ai/compare/", {"revision_ids": [same, same]}), 400, "revision_ids") == [
        "Name each revision once."
    ]
    seven = [str(i).rjust(12, "0") for i in range(7)]
    seven = [f"00000000-0000-0000-0000-{tail}" for tail in seven]
    response = owner.post("ai/compare/", {"revision_ids": seven})
    assert response.status_code == 400 and "revision_ids" in response.json()


def test_a_stranger_cannot_ask_about_someone_elses_figure(stranger, owner, tree):
    revision_id = tree["first"]["api_id"]
    cannot_view = denied("view", "revision")
    assert refusal(stranger.post("ai/insight/", {"revision_id": revision_id}), 403) == cannot_view
    assert (
        refusal(stranger.post("ai/insight/", {"revision_id": revision_id, "stream": True}), 403)
        == cannot_view
    )
    both = [revision_id, tree["second"]["api_id"]]
    assert refusal(stranger.post("ai/compare/", {"revision_ids": both}), 403) == cannot_view
    assert refusal(stranger.post("ai/extract_code/", {"revision_id": revision_id}), 403) == cannot_view
    assert refusal(stranger.get(f"revision/{revision_id}/data_io/"), 403) == cannot_view
    assert refusal(stranger.get(f"ai/availability/?revision_id={revision_id}"), 403) == cannot_view
    workspace = tree["workspace"]["api_id"]
    assert refusal(stranger.post("ai/query/", {"question": "hi", "workspace_id": workspace}), 403) == denied(
        "view", "workspace"
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert refusal(stranger.post("ai/insight/", {"revision_id": missing}), 404) == no_such(
        "revision", missing
    )
    assert refusal(stranger.get(f"revision/{missing}/data_io/"), 404) == no_such("revision", missing)


def test_signed_out_callers_must_sign_in(live_server, tree):
    import requests

    response = requests.post(live_server.api + "ai/insight/", json={"revision_id": tree["first"]["api_id"]})
    assert refusal(response, 401) == NO_CREDENTIALS
    assert refusal(requests.get(live_server.api + "ai/usage/"), 401) == NO_CREDENTIALS
