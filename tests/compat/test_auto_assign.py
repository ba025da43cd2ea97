"""The official client's ``auto_assign``: ``Publisher(auto_assign=True)`` asks ``info/`` whether the server
assigns revisions (``ai_enabled``), publishes to ``revision/auto-assign/`` and waits for the assignment
with ``wait_for_processing``; the server names the figure after the title it reads off the image."""

from __future__ import annotations

import matplotlib
from gofigr.publisher import Publisher

from tests.compat.conftest import unique

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402


def test_publish_with_auto_assign_lands_in_the_figure_named_by_its_title(owner):
    gf = owner.gf
    assert gf.heartbeat().json()["ai_enabled"] is True
    analysis_name = unique("auto-assign analysis")
    publisher = Publisher(
        gf=gf, analysis=analysis_name, image_formats=("png",), save_pickle=False, auto_assign=True
    )
    assert publisher.auto_assign is True  # not switched off by ai_enabled

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([1, 2, 3, 4], [3, 1, 4, 2])
    ax.set_title("Monthly Active Users", fontsize=24)
    revision = publisher.publish(fig)
    plt.close(fig)

    revision.wait_for_processing(timeout=90)
    assert revision.is_processing is False
    figure = gf.Figure(api_id=revision.figure.api_id).fetch()
    assert figure.name == "Monthly Active Users"
    assert [r.api_id for r in figure.revisions] == [revision.api_id]
    analysis = gf.Analysis(api_id=figure.analysis.api_id).fetch()
    assert analysis.name == analysis_name
    assert [f.name for f in analysis.figures] == ["Monthly Active Users"]
