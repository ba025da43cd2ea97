"""A real notebook, run headless by nbclient: every figure it shows arrives on the server, whole.

One notebook covers the common day: ``%load_ext`` + ``configure`` + a plot in the same first cell, a
figure drawn from ``ft.read_csv`` data, a plotly figure, a plotnine plot, and an explicit ``publish``
that must not be doubled by auto-publish.
"""

from __future__ import annotations

import base64
import io

from PIL import Image

from tests.client.accounts import data_by_format
from tests.jupyter.conftest import kernel_env, outputs_text, run_notebook

CELLS = [
    """%load_ext figtrail
from figtrail.jupyter import *
configure(default_metadata={"study": "notebook tests"})
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [2, 4, 8]); plt.title("Same cell")""",
    """import figtrail as ft
df = ft.read_csv("data.csv")
plt.plot(df.x, df.y); plt.title("From CSV")""",
    """import plotly.graph_objects as go
fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]), layout_title_text="Plotly lines")
fig.show()""",
    """from plotnine import ggplot, aes, geom_point, ggtitle
ggplot(df, aes("x", "y")) + geom_point() + ggtitle("Plotnine dots")""",
    """explicit, ax = plt.subplots()
ax.bar([1, 2], [3, 4]); ax.set_title("Auto name")
publish(explicit, target=FindByName("My figure", create=True))""",
    """from figtrail.jupyter import get_extension
assert get_extension().publisher.flush(120)""",
]


def test_a_notebook_publishes_every_figure_it_shows(account, kernels_dir, tmp_path):
    """One notebook run (kernels are slow to start); each check below reads what it published."""
    published = run_the_notebook(account, kernels_dir, tmp_path)
    check_each_shown_figure_is_one_revision_named_after_its_title(published)
    check_a_matplotlib_revision_has_images_code_and_metadata(published, account)
    check_the_widget_under_each_figure_links_to_its_revision(published, account)
    check_a_figure_made_from_read_csv_links_the_file_version(published, account)
    check_plotly_keeps_interactive_html_and_says_when_there_is_no_png(published, account)
    check_plotnine_plots_are_captured_with_their_data(published, account)
    check_an_explicit_publish_is_not_doubled_by_auto_publish(published, account)


def run_the_notebook(account, kernels_dir, work):
    (work / "data.csv").write_text("x,y\n1,1\n2,3\n3,2\n")
    env = kernel_env(
        work,
        FIGTRAIL_URL=account.url,
        FIGTRAIL_API_KEY=account.api_key,
        JPY_SESSION_NAME=str(work / "Autopublish.ipynb"),
    )
    nb = run_notebook(CELLS, kernels_dir, work, env)
    return nb, account.figures("Autopublish"), work


def payload(account, data: dict) -> bytes:
    return base64.b64decode(account.get(f"data/{data['api_id']}/")["data"])


def only_revision(figure: dict, account) -> dict:
    [revision] = figure["revisions"]
    return account.revision(revision["api_id"])


def check_each_shown_figure_is_one_revision_named_after_its_title(published):
    nb, figures, _ = published
    assert set(figures) == {"Same cell", "From CSV", "Plotly lines", "Plotnine dots", "My figure"}
    assert all(len(figure["revisions"]) == 1 for figure in figures.values())
    assert not any(output.output_type == "error" for cell in nb.cells for output in cell.outputs)


def check_a_matplotlib_revision_has_images_code_and_metadata(published, account):
    _, figures, work = published
    revision = only_revision(figures["Same cell"], account)
    images = data_by_format(revision)
    assert {("png", False), ("png", True), ("svg", False)} <= set(images)
    assert Image.open(io.BytesIO(payload(account, images[("png", False)]))).format == "PNG"
    [cell] = [d for d in revision["data"] if d["name"] == "Jupyter Cell"]
    assert payload(account, cell).decode() == CELLS[0]
    metadata = revision["metadata"]
    assert metadata["notebook_name"] == "Autopublish.ipynb"
    assert metadata["notebook_path"] == str(work / "Autopublish.ipynb")
    assert metadata["execution_count"] == 1 and metadata["backend"] == "matplotlib"
    assert metadata["study"] == "notebook tests"


def check_the_widget_under_each_figure_links_to_its_revision(published, account):
    nb, figures, _ = published
    texts = outputs_text(nb)
    for name in ("Same cell", "From CSV", "Plotly lines", "Plotnine dots", "My figure"):
        short_id = figures[name]["revisions"][0]["short_id"]
        assert f"figtrail: {name} -> {account.url}/r/{short_id}" in "\n".join(texts)


def check_a_figure_made_from_read_csv_links_the_file_version(published, account):
    _, figures, _ = published
    revision = only_revision(figures["From CSV"], account)
    [link] = revision["assets"]
    version = account.get(f"asset_revision/{link['asset_revision']}/")
    assert account.get(f"asset/{version['asset']}/")["name"] == "data.csv"
    assert version["size_bytes"] == len("x,y\n1,1\n2,3\n3,2\n")
    assert [link["asset_revision"] for link in only_revision(figures["Same cell"], account)["assets"]] == []


def check_plotly_keeps_interactive_html_and_says_when_there_is_no_png(published, account):
    _, figures, _ = published
    revision = only_revision(figures["Plotly lines"], account)
    images = data_by_format(revision)
    assert ("html", False) in images and ("html", True) in images
    assert b"Plotly lines" in payload(account, images[("html", False)])
    if ("png", False) not in images:
        assert any("Chrome" in note for note in revision["metadata"]["figtrail_notes"])
    assert revision["metadata"]["backend"] == "plotly"


def check_plotnine_plots_are_captured_with_their_data(published, account):
    _, figures, _ = published
    revision = only_revision(figures["Plotnine dots"], account)
    assert {("png", False), ("svg", False)} <= set(data_by_format(revision))
    [table] = [d for d in revision["data"] if d["type"] == "dataframe"]
    assert payload(account, table).decode().splitlines()[0] == "x,y"
    assert revision["metadata"]["backend"] == "plotnine"


def check_an_explicit_publish_is_not_doubled_by_auto_publish(published, account):
    _, figures, _ = published
    assert "Auto name" not in figures
    revision = only_revision(figures["My figure"], account)
    assert revision["metadata"]["execution_count"] == 5
