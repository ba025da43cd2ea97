"""What each backend reads off a figure (title, axis labels, series, subplots), and how those facts reach
the revision's metadata and the server's AI."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest
from PIL import Image

from figtrail.capture.backends import backend_for, get_backend
from figtrail.capture.backends.matplotlib import MatplotlibBackend
from figtrail.capture.figure_facts import MAX_CHARS, MAX_ITEMS, Panel, summarise, tidy

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FRAME = pd.DataFrame({"dose": [1, 2, 3, 4], "response": [2.0, 3.5, 5.1, 6.0], "arm": ["A", "B", "A", "B"]})


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


def describe(figure) -> dict:
    backend = backend_for(figure)
    assert backend is not None
    return backend.facts(figure)


def test_matplotlib_reads_title_labels_and_visible_series(close_figures):
    figure, axes = plt.subplots()
    axes.plot([1, 2], [3, 4], label="treated")
    axes.plot([1, 2], [4, 5], label="_hidden helper line")
    axes.scatter([1], [2], label="control")
    axes.bar([1], [1], label="baseline")
    axes.set(title="Dose response", xlabel="Dose (mg)", ylabel="Response")
    assert describe(figure) == {
        "title": "Dose response",
        "axis_labels": {"x": "Dose (mg)", "y": "Response"},
        "series": ["treated", "control", "baseline"],
    }


def test_matplotlib_prefers_the_legend_and_lists_subplots(close_figures):
    figure, (left, right) = plt.subplots(1, 2)
    left.plot([1, 2], label="raw label")
    left.legend(["Shown in legend"], title="Arm")
    left.set(title="Left", xlabel="Time", ylabel="Weight")
    image = right.imshow([[1, 2], [3, 4]])
    figure.colorbar(image, ax=right, label="Intensity")
    right.set(title="Right", xlabel="Time", ylabel="Height")
    figure.suptitle("Two panels")
    facts = describe(figure)
    assert facts["title"] == "Two panels"
    assert facts["axis_labels"] == {
        "x": "Time",
        "y": "Weight",
        "y2": "Height",  # x2 would repeat "Time": left out
        "colorbar": "Intensity",
        "legend": "Arm",
    }
    assert facts["series"] == ["Shown in legend"]
    assert facts["axes"] == [
        {"title": "Left", "x": "Time", "y": "Weight", "series": ["Shown in legend"]},
        {"title": "Right", "x": "Time", "y": "Height", "series": []},
    ]


def test_plotly_reads_layout_titles_and_trace_names():
    px = pytest.importorskip("plotly.express")
    figure = px.line(FRAME, x="dose", y="response", color="arm", title="Dose response")
    figure.update_layout(xaxis_title="Dose (mg)")
    assert describe(figure) == {
        "title": "Dose response",
        "axis_labels": {"x": "Dose (mg)", "y": "response", "legend": "arm"},
        "series": ["A", "B"],
    }


def test_plotly_subplots_become_axes():
    go = pytest.importorskip("plotly.graph_objects")
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2)
    figure.add_trace(go.Scatter(x=[1], y=[2], name="left trace"), row=1, col=1)
    figure.add_trace(go.Bar(x=[1], y=[2], name="right trace"), row=1, col=2)
    figure.update_xaxes(title_text="Day", row=1, col=1)
    figure.update_yaxes(title_text="Count", row=1, col=2)
    facts = describe(figure)
    assert facts["axis_labels"] == {"x": "Day", "y2": "Count"}
    assert [entry["series"] for entry in facts["axes"]] == [["left trace"], ["right trace"]]


def test_plotnine_reads_labels_mapped_columns_and_legend_levels():
    p9 = pytest.importorskip("plotnine")
    plot = (
        p9.ggplot(FRAME, p9.aes("dose", "response", colour="arm"))
        + p9.geom_line()
        + p9.labs(title="Dose response", x="Dose (mg)")
    )
    assert describe(plot) == {
        "title": "Dose response",
        "axis_labels": {"x": "Dose (mg)", "y": "response", "color": "arm"},
        "series": ["A", "B"],
    }


def test_bokeh_reads_title_axis_labels_and_legend_items():
    plotting = pytest.importorskip("bokeh.plotting")
    plot = plotting.figure(title="Dose response", x_axis_label="Dose (mg)", y_axis_label="Response")
    plot.line([1, 2], [3, 4], legend_label="treated")
    plot.scatter([1, 2], [3, 5], legend_label="control")
    assert describe(plot) == {
        "title": "Dose response",
        "axis_labels": {"x": "Dose (mg)", "y": "Response"},
        "series": ["treated", "control"],
    }


def test_altair_reads_encoding_titles_and_inline_categories():
    alt = pytest.importorskip("altair")
    chart = (
        alt.Chart(FRAME)
        .mark_line()
        .encode(x=alt.X("dose", title="Dose (mg)"), y="mean(response):Q", color="arm:N")
        .properties(title="Dose response")
    )
    assert describe(chart) == {
        "title": "Dose response",
        "axis_labels": {"x": "Dose (mg)", "y": "Mean of response", "legend": "arm"},
        "series": ["A", "B"],
    }
    counts = alt.Chart(FRAME).mark_bar().encode(x="arm:N", y="count()").properties(title="Counts")
    both = describe(chart | counts)
    assert [entry["title"] for entry in both["axes"]] == ["Dose response", "Counts"]
    assert both["axis_labels"]["y2"] == "Count of Records"


def test_pil_gives_only_its_size():
    assert describe(Image.new("RGB", (30, 20))) == {"image_size": [30, 20]}


def test_the_snapshot_carries_the_facts(close_figures):
    figure, axes = plt.subplots()
    axes.set_title("Frozen")
    snapshot = get_backend("matplotlib").snapshot(figure, ["png"], displayed={})
    assert snapshot.facts == {"title": "Frozen"}


def test_facts_are_clipped_and_typed():
    panel = Panel("t" * 1000, {"x": "label"}, [f"series {n}" for n in range(500)])
    facts = tidy(summarise(None, [panel] * 80))
    assert len(facts["title"]) == MAX_CHARS and facts["title"].endswith("…")
    assert len(facts["series"]) == MAX_ITEMS and len(facts["axes"]) == MAX_ITEMS
    assert len(facts["axes"][0]["series"]) == MAX_ITEMS
    assert tidy({"title": 3, "axis_labels": {"x": None, "y": 2}, "series": "no", "other": object()}) == {
        "title": "3",
        "axis_labels": {"y": "2"},
    }
    assert tidy("not a dict") == {}


class BrokenDescribe(MatplotlibBackend):
    """A backend whose figure-reading fails, as a library update might make it."""

    def describe(self, figure):
        raise RuntimeError("cannot read this figure")


def test_a_figure_that_cannot_be_described_still_publishes(account, make_publisher, close_figures):
    backend = BrokenDescribe()
    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    axes.set_title("Undescribable")
    assert backend.facts(figure) == {}
    revision = make_publisher().publish(figure, backend=backend)
    assert revision is not None and revision.wait(60), revision.error
    stored = account.revision(revision.api_id)
    assert stored["metadata"]["backend"] == "matplotlib" and "axis_labels" not in stored["metadata"]
    assert any(d["type"] == "image" for d in stored["data"])


def test_published_facts_reach_the_metadata_and_the_ai(account, make_publisher, close_figures):
    # built at run time, so the server cannot have read them from this file's code instead
    title, x_label, y_label = (
        " ".join(words) for words in (["Tumour", "growth"], ["Day"], ["Volume", "(mm3)"])
    )
    figure, axes = plt.subplots()
    axes.plot([1, 2, 3], [1, 4, 9], label="-".join(["arm", "A"]))
    axes.legend()
    axes.set(title=title, xlabel=x_label, ylabel=y_label)
    revision = make_publisher().publish(figure, metadata={"run": 3})
    assert revision is not None and revision.wait(60), revision.error

    metadata = account.revision(revision.api_id)["metadata"]
    assert metadata["title"] == title and metadata["series"] == ["arm-A"]
    assert metadata["axis_labels"] == {"x": x_label, "y": y_label}
    assert metadata["run"] == 3 and metadata["backend"] == "matplotlib"  # the usual keys are all there

    response = account.http.post(account.api + "ai/insight/", json={"revision_id": revision.api_id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "offline" and body["is_llm"] is False
    for fact in (title, x_label, y_label, "arm-A"):
        assert fact in body["text"], (fact, body["text"])


def test_metadata_given_to_publish_wins_over_the_figure(account, make_publisher, close_figures):
    figure, axes = plt.subplots()
    axes.set(title="From the figure", xlabel="x from the figure")
    revision = make_publisher().publish(figure, metadata={"title": "Chosen by the user"})
    assert revision is not None and revision.wait(60), revision.error
    metadata = account.revision(revision.api_id)["metadata"]
    assert metadata["title"] == "Chosen by the user"
    assert metadata["axis_labels"] == {"x": "x from the figure"}
