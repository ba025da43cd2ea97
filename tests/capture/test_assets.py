"""Tracked data files: ``ft.read_csv`` records each version once; revisions link what they were made from."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

import figtrail as ft


def linked_versions(account, revision_id: str) -> list[str]:
    return [link["asset_revision"] for link in account.revision(revision_id)["assets"]]


def asset_named(account, name: str) -> dict:
    [workspace] = [w for w in account.get("workspace/") if w["workspace_type"] == "primary"]
    [asset] = [a for a in account.get(f"workspace/{workspace['api_id']}/")["assets"] if a["name"] == name]
    return account.get(f"asset/{asset['api_id']}/")


def test_readers_keep_pandas_signatures():
    assert inspect.signature(ft.read_csv) == inspect.signature(pd.read_csv)
    assert ft.read_parquet.__doc__ == pd.read_parquet.__doc__


def test_unchanged_data_makes_no_new_version_and_changes_do(account, make_publisher, line_figure, tmp_path):
    data = tmp_path / "measurements.csv"
    data.write_text("x,y\n1,2\n")
    publisher = make_publisher()

    frame = ft.read_csv(data)
    assert list(frame.columns) == ["x", "y"] and frame.attrs["figtrail_asset"]["name"] == "measurements.csv"
    first = publisher.publish(line_figure, target="Made from data")
    ft.read_csv(data)  # the same content again
    second = publisher.publish(line_figure, target="Made from data")
    assert first.wait(60) and second.wait(60)
    assert linked_versions(account, first.api_id) == linked_versions(account, second.api_id)
    assert len(asset_named(account, "measurements.csv")["revisions"]) == 1

    data.write_text("x,y\n1,2\n3,4\n")
    ft.read_csv(data)
    third = publisher.publish(line_figure, target="Made from data")
    assert third.wait(60)
    versions = asset_named(account, "measurements.csv")["revisions"]
    assert [v["size_bytes"] for v in versions] == [8, 12]
    assert linked_versions(account, third.api_id) == [versions[1]["api_id"]]


def test_any_file_can_be_synced_and_the_server_deduplicates_by_content(
    account, make_publisher, line_figure, tmp_path
):
    config = tmp_path / "params.yaml"
    config.write_text("alpha: 0.5\n")
    assert ft.sync(config) == str(config)
    publisher = make_publisher()
    first = publisher.publish(line_figure, target="With params")
    assert first.wait(60)

    from figtrail.capture.assets import TRACKER

    TRACKER.clear()  # a new session reading the same bytes: the server already has that version
    ft.sync(config)
    second = publisher.publish(line_figure, target="With params")
    assert second.wait(60)
    assert linked_versions(account, first.api_id) == linked_versions(account, second.api_id)
    assert len(asset_named(account, "params.yaml")["revisions"]) == 1


def test_reading_works_before_anything_is_configured(tmp_path):
    data = tmp_path / "early.json"
    data.write_text('[{"a": 1}]')
    assert ft.read_json(data)["a"].tolist() == [1]


def test_polars_readers_track_too(tmp_path):
    polars = pytest.importorskip("polars")
    data = tmp_path / "p.csv"
    data.write_text("a\n1\n")
    assert ft.polars.read_csv(data).to_series().to_list() == [1]
    from figtrail.capture.assets import TRACKER

    assert any(t.name == "p.csv" for t in TRACKER.current())
    assert polars
