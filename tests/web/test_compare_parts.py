"""The compare page's parts without a server: where two differently sized images are placed, code paired
across renamed files, highlighted lines, and data frames diffed within their bounds."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from PIL import Image, ImageDraw

from tests.django_in_process import set_up


@pytest.fixture(scope="module")
def web():
    """The modules, imported once Django is set up (they import the catalog's models)."""
    with set_up("figtrail-compare-"):
        from figtrail.server.web import code_diff, diffs, highlight, table_diff

        yield SimpleNamespace(code=code_diff, diffs=diffs, highlight=highlight, table=table_diff)


def drawing(size: tuple[int, int], at: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    x, y = at
    draw.rectangle([x + 10, y + 10, x + 150, y + 100], outline=(0, 0, 0), width=2)
    draw.line([x + 12, y + 90, x + 60, y + 30, x + 100, y + 70, x + 148, y + 15], fill=(200, 0, 0), width=3)
    return image


def test_the_smaller_image_goes_where_its_content_matches(web):
    best_placement, placement = web.diffs.best_placement, web.diffs.placement
    a, b = drawing((170, 120), (0, 0)), drawing((205, 131), (23, 11))
    where = best_placement(a, b)
    assert where.canvas == (205, 131)
    assert where.a == (23, 11, 170, 120) and where.b == (0, 0, 205, 131)
    swapped = best_placement(b, a)
    assert swapped.a == (0, 0, 205, 131) and swapped.b == (23, 11, 170, 120)
    assert placement(a, b, "center").a == (17, 5, 170, 120)
    assert placement(a, b, "top-left").a == (0, 0, 170, 120)
    same = best_placement(a, a)
    assert same.a == same.b == (0, 0, 170, 120)


def test_code_is_paired_by_name_then_by_content(web):
    Code, code_diffs, pair = web.code.Code, web.code.code_diffs, web.code.pair
    script = "import numpy as np\nx = np.arange(10)\ny = x ** 2\nplot(x, y)\n"
    other = "print('hello')\n"
    old = [Code("analysis.ipynb", script, "Python"), Code("helpers.py", other, "Python")]
    new = [Code("helpers.py", other, "Python"), Code("final.py", script.replace("** 2", "** 3"), "Python")]
    pairs = pair(old, new)
    assert [(a and a.name, b and b.name) for a, b, _ in pairs] == [
        ("helpers.py", "helpers.py"),
        ("analysis.ipynb", "final.py"),
    ]
    diffs = code_diffs(old, new)
    assert diffs[0].status == "same"
    assert diffs[1].renamed and diffs[1].name == "analysis.ipynb → final.py"
    assert (diffs[1].added, diffs[1].removed) == (1, 1)
    assert 50 <= diffs[1].similarity_percent < 100
    assert [row.kind for row in diffs[1].split if row.kind != "same"] == ["change"]
    # unlike files are not paired: one removed, one added
    unlike = code_diffs([Code("a.py", script, None)], [Code("b.R", "library(ggplot2)\n", "R")])
    assert [d.status for d in unlike] == ["added", "removed"]


def test_highlighted_lines_are_escaped_and_one_per_line(web):
    highlight_lines = web.highlight.highlight_lines
    code = 'x = "<b>"\ns = """a\nb"""\n\n'
    lines = highlight_lines(code, "python")
    assert len(lines) == len(code.splitlines()) == 4
    assert "&lt;b&gt;" in lines[0] and "<b>" not in lines[0]
    assert lines[2].count("<span") >= 1 and lines[3] == ""


def test_a_frame_diff_counts_rows_and_columns(web):
    Frame, diff_frames = web.table.Frame, web.table.diff_frames
    a = Frame(["id", "v"], [(str(i), str(i)) for i in range(10)], 10)
    rows = [(str(i), str(i), "w") for i in range(10) if i != 3]
    rows[0] = ("0", "changed", "w")
    rows.append(("10", "10", "w"))
    b = Frame(["id", "v", "w"], list(reversed(rows)), 10)
    diff = diff_frames("t", a, b)
    assert (diff.rows_added, diff.rows_removed, diff.rows_changed) == (1, 1, 1)
    assert diff.columns_added == ["w"] and diff.columns_changed == ["v"] and diff.matched_by == "id"
    changed = next(r for r in diff.shown if r.kind == "changed")
    assert [(c.old, c.value, c.state) for c in changed.cells][:2] == [
        (None, "0", "same"),
        ("0", "changed", "changed"),
    ]


def test_a_big_frame_is_diffed_within_bounds(web, monkeypatch):
    table_diff, Frame, diff_frames = web.table, web.table.Frame, web.table.diff_frames
    monkeypatch.setattr(table_diff, "MAX_ROWS", 5_000)
    rows = [(str(i // 3), str(i % 3), f"{i * 0.5}") for i in range(50_000)]  # no key column
    a = Frame(["day", "arm", "v"], rows[:5_000], 50_000)
    changed = list(rows[:5_000])
    changed[10] = ("x", "y", "z")
    b = Frame(["day", "arm", "v"], changed, 50_002)
    started = time.monotonic()
    diff = diff_frames("big", a, b)
    assert time.monotonic() - started < 5
    assert diff.cut and diff.rows_changed == 1 and diff.rows_added == 2  # the two rows past the bound
    assert len(diff.shown) <= table_diff.MAX_SHOWN_ROWS
