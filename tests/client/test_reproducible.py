"""``@reproducible``: the clean room itself, its warnings-not-errors fallbacks, and what a published
revision carries (read back over the API), down to the Reproduce zip drawing the same picture again in a
virtualenv of its own."""

# ruff: noqa: B008, F821 - a Param is a default by design; plt and publish are the clean room's globals
from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import figtrail as ft
from figtrail.capture import cleanroom
from figtrail.capture.cleanroom import clean_room_of
from figtrail.client.reproducible import function_body

OUTSIDE = "a module global the clean room must not see"


@pytest.fixture(autouse=True)
def _agg():
    import matplotlib

    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_the_function_sees_only_its_parameters_packages_and_builtins():
    @ft.reproducible
    def probe(x=1):
        try:
            OUTSIDE  # noqa: B018
            seen = "outside"
        except NameError:
            seen = "isolated"
        return seen, np.__name__, pd.__name__, plt.__name__, len([x]), callable(publish)  # noqa: F821

    assert probe() == ("isolated", "numpy", "pandas", "matplotlib.pyplot", 1, True)

    @ft.reproducible(packages={"np": "numpy"}, merge_packages=False)
    def only_numpy():
        try:
            pd  # noqa: B018
        except NameError:
            return "no pandas"

    assert only_numpy() == "no pandas"


def test_the_record_is_the_body_and_the_values_it_ran_with():
    @ft.reproducible(packages={"math": "math"})
    def plot(frame, bins=ft.SliderParam(10, min=2, max=40), ys=(1, 2)):
        """A docstring stays."""
        fig, ax = plt.subplots()
        ax.hist(frame["x"], bins=bins)
        return fig, type(frame).__name__, ys

    frame = pd.DataFrame({"x": [1.0, 2.0, 2.5]})
    fig, kind, ys = plot(frame, bins=12)
    assert (kind, ys) == ("DataFrame", [1, 2])  # the values as recorded: a tuple is stored as a list
    room = clean_room_of(fig)
    assert room is not None and room.function_name == "plot"
    assert room.source.startswith('"""A docstring stays."""\nfig, ax = plt.subplots()')
    assert room.recorded.entries["bins"]["max"] == 40 and room.recorded.entries["bins"]["value"] == 12
    assert room.imports["math"] == "math" and "math" not in room.packages  # the standard library
    assert set(room.packages) >= {"pandas", "numpy", "matplotlib", "pyarrow"}
    assert clean_room_of(object()) is None  # outside a run, nothing else is clean-room


def test_function_body_handles_one_liners_and_multi_line_decorators():
    def one(x):
        return x * 2  # noqa: E704

    assert function_body(one) == "return x * 2  # noqa: E704\n"

    @ft.reproducible(
        packages={},
    )
    def decorated(a=1):
        if a:
            return a
        return 0

    assert function_body(decorated.__wrapped__) == "if a:\n    return a\nreturn 0\n"


def test_unsupported_types_and_big_frames_run_plainly_with_a_warning(monkeypatch):
    class Custom:
        pass

    @ft.reproducible
    def plain_run(thing, n=ft.SliderParam(3)):
        return type(thing).__name__, n

    with pytest.warns(UserWarning, match=r"runs as a plain call.*'thing' is of type Custom"):
        assert plain_run(Custom()) == ("Custom", 3)  # Param defaults still become their values

    monkeypatch.setattr(cleanroom, "MAX_CLEAN_ROOM_BYTES", 100)
    with pytest.warns(UserWarning, match="over the clean room's"):
        assert plain_run(pd.DataFrame({"x": range(100)}))[0] == "DataFrame"


def test_names_from_an_enclosing_function_are_a_warning():
    outer = 3

    @ft.reproducible
    def uses_outer():
        return outer

    with pytest.warns(UserWarning, match=r"uses outer from its enclosing scope"):
        assert uses_outer() == 3


def test_interactive_outside_a_notebook_runs_once_with_a_warning():
    @ft.reproducible(interactive=True)
    def once(n=2):
        return n * 2

    with pytest.warns(UserWarning, match="controls need a notebook"):
        assert once() == 4


def test_interactive_in_a_notebook_shows_a_control_per_parameter_and_redraws(monkeypatch):
    import ipywidgets
    from IPython import display as ipython_display

    from figtrail.client import reproducible

    shown, published = [], []
    monkeypatch.setattr(reproducible, "_in_notebook", lambda: True)
    monkeypatch.setattr(ipython_display, "display", lambda *objects: shown.extend(objects))

    class Recorder:
        def publish(self, fig=None, target=None, **kwargs):
            published.append((target, clean_room_of(fig).recorded.entries["size"]["value"]))

    @ft.reproducible(interactive=True, publisher=Recorder())
    def dots(
        size=ft.SliderParam(3, min=1, max=9),
        colour=ft.DropdownParam("red", choices=["red", "blue"]),
        filled=True,
        label="dots",
        points=ft.StaticParam([1, 2]),
    ):
        fig, ax = plt.subplots()
        ax.scatter(points, points, s=size, color=colour)
        publish(fig, target=label)

    assert dots() is None
    controls = {c.description: c for c in shown[0].children}
    assert set(controls) == {"size", "colour", "filled", "label"}  # a static value has no control
    assert isinstance(controls["size"], ipywidgets.IntSlider) and controls["size"].max == 9
    assert isinstance(controls["colour"], ipywidgets.Dropdown) and list(controls["colour"].options) == [
        "red",
        "blue",
    ]
    assert isinstance(controls["filled"], ipywidgets.Checkbox) and isinstance(
        controls["label"], ipywidgets.Text
    )
    assert published == [("dots", 3)]
    controls["size"].value = 7
    controls["label"].value = "bigger"
    assert published[-2:] == [("dots", 7), ("bigger", 7)]  # each change draws again, recorded anew


def test_a_missing_default_package_is_left_out_quietly_a_declared_one_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @ft.reproducible(packages={"nothere": "no_such_module_figtrail"}, merge_packages=False)
        def declared():
            return 1

        with pytest.raises(UserWarning, match="cannot import no_such_module_figtrail"):
            declared()
    ft.set_default_packages({"gone": "no_such_module_figtrail"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")

            @ft.reproducible
            def defaults():
                return 2

            assert defaults() == 2
    finally:
        ft.reset_default_packages()
    assert ft.get_default_packages() == {
        "pd": "pandas",
        "np": "numpy",
        "plt": "matplotlib.pyplot",
        "sns": "seaborn",
    }


def publish_clean_room(publisher, title="Clean scatter"):
    """A @reproducible function with a slider, dropdown, checkbox, text and DataFrame parameter that
    publishes from inside (to the figure named by its title); returns the revision's handle."""

    @ft.reproducible(publisher=publisher)
    def scatter(
        points,
        size=ft.SliderParam(30, min=5, max=80, step=5),
        colour=ft.DropdownParam("teal", choices=["teal", "orange"]),
        grid=ft.CheckboxParam(True),
        title=ft.TextParam("Clean scatter"),
    ):
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.scatter(points["x"], points["y"], s=size, color=colour)
        ax.grid(grid)
        ax.set_title(title)
        return publish(fig, target=title)  # noqa: F821

    points = pd.DataFrame(
        {"x": np.linspace(0, 1, 12), "y": np.linspace(0, 1, 12) ** 2, "tag": list("ab") * 6}
    )
    handle = scatter(points, size=45, colour="orange", title=title)
    assert handle.wait(90), handle.error
    return handle, points


def by_kind(stored):
    clean = [d for d in stored["data"] if d["is_clean_room"]]
    return {
        "source": [d for d in clean if d["type"] == "code" and d["metadata"].get("format") == "clean_room"],
        "manifest": [d for d in clean if d["type"] == "text" and d["metadata"].get("role") == "manifest"],
        "frames": [d for d in clean if d["type"] == "dataframe" and d["metadata"].get("format") == "parquet"],
    }


def test_a_published_clean_room_revision_carries_its_record(account, make_publisher):
    handle, points = publish_clean_room(make_publisher())
    stored = account.revision(handle.api_id)
    assert stored["is_clean_room"] is True
    found = by_kind(stored)
    (source,), (manifest,), (frame,) = found["source"], found["manifest"], found["frames"]
    assert source["name"] == "Clean Room Source" and source["metadata"]["function_name"] == "scatter"
    assert account.payload(source["api_id"]).decode().startswith("fig, ax = plt.subplots(figsize=(4, 3))")
    body = json.loads(account.payload(manifest["api_id"]))
    assert body["function_name"] == "scatter" and body["language"] == "python"
    assert body["packages"]["pyarrow"] and body["packages"]["matplotlib"]
    assert body["parameters"] == {
        "points": {"type": "dataframe"},
        "size": {"type": "integer", "widget": "slider", "value": 45, "min": 5, "max": 80, "step": 5},
        "colour": {"type": "string", "widget": "dropdown", "value": "orange", "choices": ["teal", "orange"]},
        "grid": {"type": "boolean", "widget": "checkbox", "value": True},
        "title": {"type": "string", "widget": "text", "value": "Clean scatter"},
    }
    assert account.get(f"figure/{stored['figure']}/")["name"] == "Clean scatter"
    assert frame["name"] == "points"
    assert pd.read_parquet(io.BytesIO(account.payload(frame["api_id"]))).equals(points)
    others = [d for d in stored["data"] if not d["is_clean_room"]]
    assert {d["type"] for d in others} >= {"image", "text"}  # the ordinary record is there too
    # the later PATCH (SVG, watermark) kept the flags of what was already there
    assert stored["metadata"].get("figtrail_pending") is None


def test_a_figure_returned_and_published_after_the_run_is_still_clean_room(account, make_publisher):
    publisher = make_publisher()

    @ft.reproducible
    def line(n=4):
        fig, ax = plt.subplots()
        ax.plot(range(n))
        return fig

    handle = publisher.publish(line(), target="Returned")
    assert handle.wait(90), handle.error
    stored = account.revision(handle.api_id)
    assert stored["is_clean_room"] is True and len(by_kind(stored)["manifest"]) == 1
    from matplotlib import pyplot

    plain = publisher.publish(pyplot.figure(), target="Not clean")
    assert plain.wait(90)
    assert account.revision(plain.api_id)["is_clean_room"] is False


def test_the_reproduce_zip_draws_the_same_picture_in_a_new_virtualenv(
    account, make_publisher, new_virtualenv
):
    handle, _ = publish_clean_room(make_publisher(), title="Reproduced")
    stored = account.revision(handle.api_id)
    response = account.http.get(account.api + f"revision/{handle.api_id}/reproduce/", timeout=120)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    (folder,) = {name.split("/")[0] for name in archive.namelist()}
    assert {
        f"{folder}/{n}"
        for n in (
            "README.md",
            "reproduce.py",
            "function.py",
            "parameters.json",
            "manifest.json",
            "requirements.txt",
            "data/points.parquet",
        )
    } <= set(archive.namelist())
    requirements = archive.read(f"{folder}/requirements.txt").decode().split()
    assert "matplotlib==3.11.2" in requirements and any(r.startswith("pyarrow==") for r in requirements)
    target = new_virtualenv.parent / "bundle"
    archive.extractall(target)
    python = new_virtualenv.install(target / folder / "requirements.txt")
    done = subprocess.run(
        [str(python), "reproduce.py"], cwd=target / folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    png = next(
        d
        for d in stored["data"]
        if d["type"] == "image"
        and d["metadata"].get("format") == "png"
        and not d["metadata"].get("is_watermarked")
    )
    original = np.asarray(Image.open(io.BytesIO(account.payload(png["api_id"]))).convert("RGB"))
    again = np.asarray(Image.open(target / folder / "figure.png").convert("RGB"))
    assert again.shape == original.shape
    assert np.array_equal(again, original)  # the same packages draw the same pixels


def test_a_script_records_the_clean_room_as_it_runs(account, tmp_path):
    script = tmp_path / "clean_script.py"
    script.write_text(
        "import matplotlib\nmatplotlib.use('Agg')\nimport figtrail as ft\n"
        f"ft.Publisher(url={account.url!r}, api_key={account.api_key!r}, analysis='clean scripts')\n"
        "@ft.reproducible\n"
        "def bars(height=ft.SliderParam(3, max=9), label='tall'):\n"
        "    fig, ax = plt.subplots()\n"
        "    ax.bar([label], [height])\n"
        "    print(publish(fig, target='Script bars').api_id)\n"
        "bars(height=5)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    stored = account.revision(done.stdout.split()[-1])
    assert stored["is_clean_room"] is True
    (manifest,) = by_kind(stored)["manifest"]
    parameters = json.loads(account.payload(manifest["api_id"]))["parameters"]
    assert parameters["height"]["value"] == 5 and parameters["height"]["max"] == 9
    assert parameters["label"] == {"type": "string", "widget": "text", "value": "tall"}
    assert Path(script).exists()
