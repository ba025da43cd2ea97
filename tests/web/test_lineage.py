"""Lineage: from a figure revision to its code, environment and data files, and from a data file's
revision to every figure revision made from it."""

from __future__ import annotations


def test_revision_lineage_leads_to_every_figure_made_from_the_same_file(signed_in, seeded):
    page = signed_in.page
    latest = seeded.revisions[-1]
    page.goto(f"/revision/{latest['api_id']}")
    with page.expect_navigation():
        page.click(".page-head a:has-text('Lineage')")
    lineage = page.locator("#lineage")
    assert "volumes.csv" in lineage.inner_text()
    assert "used by 2 other figure revisions" in lineage.inner_text()
    assert "Jupyter Cell" in lineage.inner_text() and "3.11.9" in lineage.inner_text()
    assert "main" in lineage.inner_text()
    with page.expect_navigation():
        page.click("#lineage a:has-text('volumes.csv')")
    assert page.url.endswith(f"/asset_revision/{seeded.asset_revision['api_id']}")
    used_by = page.locator("#used-by tbody tr")
    assert used_by.count() == 3
    made_from = {row.get_attribute("data-figure-revision") for row in used_by.all()}
    assert made_from == {r["api_id"] for r in seeded.revisions}
    assert "First 40 of 40 rows" in page.inner_text("main")  # a preview of the CSV file itself
    assert signed_in.errors == []


def test_asset_page_lists_revisions_with_use_counts(signed_in, seeded):
    page = signed_in.page
    page.goto(f"/asset_revision/{seeded.asset_revision['api_id']}")
    with page.expect_navigation():
        page.click(".crumbs a:has-text('volumes.csv')")
    row = page.locator("#asset-revisions tbody tr").first
    assert "Revision 1" in row.inner_text()
    assert row.locator("td.num").first.inner_text() == "3"
