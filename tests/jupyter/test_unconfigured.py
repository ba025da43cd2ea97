"""With nothing configured, a notebook keeps working and says so in one line, never a traceback."""

from __future__ import annotations

from tests.jupyter.conftest import kernel_env, notebook, notebook_client

NOT_CONFIGURED = (
    "figtrail is not configured: no server URL or API key. Run `figtrail config`, "
    "or set FIGTRAIL_URL and FIGTRAIL_API_KEY."
)


def test_an_unconfigured_notebook_plots_warns_once_and_fails_configure_in_one_line(kernels_dir, tmp_path):
    nb = notebook(
        [
            "%load_ext figtrail",
            "import matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.title('One')",
            "plt.plot([2, 1]); plt.title('Two')",
            "from figtrail.jupyter import *\nconfigure()",
        ]
    )
    client = notebook_client(nb, kernels_dir, tmp_path)
    client.allow_errors = True
    client.execute(env=kernel_env(tmp_path), cwd=str(tmp_path))

    plots = [o for cell in nb.cells[1:3] for o in cell.outputs if o.output_type == "display_data"]
    assert len(plots) == 2  # the figures are shown as usual
    warnings = [o.text for cell in nb.cells for o in cell.outputs if o.output_type == "stream"]
    assert len(warnings) == 1 and "not configured, so figures are not published" in warnings[0]
    [error] = nb.cells[3].outputs
    assert error.output_type == "error" and error.ename == "NotConfiguredError"
    assert error.traceback == [f"NotConfiguredError: {NOT_CONFIGURED}"]
