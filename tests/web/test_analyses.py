"""The analysis grid: thumbnails, names and revision counts, paginated for large analyses."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, png_bytes
from tests.web.helpers import wait_until

FIGURES = 60


@pytest.fixture(scope="module")
def big_analysis(owner) -> dict:
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"], "Large screen")
    for number in range(FIGURES):
        figure = owner.figure(analysis["api_id"], f"plate {number:03d}")
        if number in (0, 59):  # a few with revisions, so thumbnails and counts show
            for shade in range(number // 30 + 1):
                owner.revision(
                    figure["api_id"],
                    data_item(png_bytes(color=(10 * shade, 90, 160)), "image", name="figure", format="png"),
                )
    return analysis


def test_grid_is_paginated_with_thumbnails_and_counts(signed_in, big_analysis):
    page = signed_in.page
    page.goto(f"/analysis/{big_analysis['api_id']}")
    assert f"{FIGURES} figures" in page.inner_text(".page-head")
    cards = page.locator("#figure-grid .card")
    assert cards.count() == 48
    assert "Page 1 of 2" in page.inner_text(".pagination")
    newest = cards.first  # sorted by last change: plate 059 had revisions last
    assert "plate 059" in newest.inner_text() and "2 revisions" in newest.inner_text()
    wait_until(page, "document.querySelector('#figure-grid .card img').naturalWidth > 0")
    with page.expect_navigation():
        page.click(".pagination a[rel=next]")
    assert page.locator("#figure-grid .card").count() == FIGURES - 48
    assert "Page 2 of 2" in page.inner_text(".pagination")
    assert signed_in.errors == []


def test_grid_sorts_and_filters_by_name(signed_in, big_analysis):
    page = signed_in.page
    page.goto(f"/analysis/{big_analysis['api_id']}?sort=name")
    assert page.locator("#figure-grid .card .name").first.inner_text() == "plate 000"
    assert "1 revision" in page.locator("#figure-grid .card").first.inner_text()
    page.fill("input[name=q]", "plate 05")
    with page.expect_navigation():
        page.click(".toolbar button:has-text('Filter')")
    names = page.locator("#figure-grid .card .name").all_inner_texts()
    assert names == [f"plate {n:03d}" for n in range(50, 60)]
    assert page.locator(".pagination").count() == 0
