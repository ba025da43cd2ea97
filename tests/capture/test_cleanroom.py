"""The clean room's record: parameter controls, the manifest's entries, Parquet frames, what is refused."""

from __future__ import annotations

import json
import sys
from typing import Literal

import numpy as np
import pandas as pd
import pytest

from figtrail.capture import cleanroom
from figtrail.capture.cleanroom import (
    CheckboxParam,
    CleanRoom,
    CleanRoomError,
    DropdownParam,
    SliderParam,
    StaticParam,
    TextParam,
    infer_param,
    record,
)


def test_each_control_writes_its_manifest_entry():
    assert SliderParam(5, min=1, max=9, step=2).to_manifest() == {
        "type": "integer",
        "widget": "slider",
        "value": 5,
        "min": 1,
        "max": 9,
        "step": 2,
    }
    assert DropdownParam("a", choices=("a", "b")).to_manifest("b") == {
        "type": "string",
        "widget": "dropdown",
        "value": "b",
        "choices": ["a", "b"],
    }
    assert CheckboxParam(True).to_manifest(False) == {"type": "boolean", "widget": "checkbox", "value": False}
    assert TextParam("t").to_manifest() == {"type": "string", "widget": "text", "value": "t"}
    assert StaticParam([1, 2]).to_manifest() == {"type": "unknown", "value": [1, 2]}  # no widget
    assert StaticParam(None).to_manifest() == {"type": "none", "value": None}
    assert TextParam("default").to_manifest(None)["value"] is None  # None given is None recorded


@pytest.mark.parametrize(
    ("value", "bounds"),
    [
        (20, {"min": 0, "max": 100, "step": 1}),
        (80, {"min": 0, "max": 160, "step": 1}),
        (0, {"min": 0, "max": 100, "step": 1}),
        (0.25, {"min": 0, "max": 1.0, "step": 0.1}),
        (3.0, {"min": 0, "max": 6.0, "step": 0.1}),
    ],
)
def test_slider_bounds_left_out_follow_the_value(value, bounds):
    entry = SliderParam(value).to_manifest()
    assert {key: entry[key] for key in ("min", "max", "step")} == bounds
    assert entry["type"] == ("integer" if isinstance(value, int) else "number")


def test_plain_defaults_get_a_control_by_type_and_literal_hints_a_dropdown():
    assert isinstance(infer_param(True), CheckboxParam)
    assert isinstance(infer_param(3), SliderParam)
    assert isinstance(infer_param(0.5), SliderParam)
    assert isinstance(infer_param("x"), TextParam)
    assert isinstance(infer_param([1]), StaticParam)
    dropdown = infer_param("b", Literal["a", "b"])
    assert isinstance(dropdown, DropdownParam) and dropdown.choices == ["a", "b"]


def test_record_stores_frames_as_parquet_and_values_as_json():
    frame = pd.DataFrame({"x": [1, 2, 3], "label": ["a", "b", "c"]})
    values = {"df": frame, "bins": 12, "ys": (1, 2), "arr": np.arange(3), "n": np.int64(4), "opt": None}
    recorded = record(values, {"bins": SliderParam(10, min=2, max=40)})
    assert recorded.entries["df"] == {"type": "dataframe"}
    assert recorded.frames["df"][:4] == b"PAR1"
    assert recorded.entries["bins"] == {
        "type": "integer",
        "widget": "slider",
        "value": 12,
        "min": 2,
        "max": 40,
        "step": 1,
    }
    assert recorded.entries["ys"]["value"] == [1, 2] and recorded.entries["arr"]["value"] == [0, 1, 2]
    assert recorded.entries["n"] == {
        "type": "integer",
        "widget": "slider",
        "value": 4,
        "min": 0,
        "max": 100,
        "step": 1,
    }
    # the function runs with what the record holds: the frame read back, tuples as lists
    assert recorded.values["df"] is not frame and recorded.values["df"].equals(frame)
    assert recorded.values["ys"] == [1, 2] and recorded.values["opt"] is None


def test_unsupported_types_and_big_frames_are_refused_with_the_reason(monkeypatch):
    with pytest.raises(CleanRoomError, match=r"'thing' is of type object"):
        record({"thing": object()}, {})
    with pytest.raises(CleanRoomError, match="keys that are not strings"):
        record({"mapping": {1: "a"}}, {})
    monkeypatch.setattr(cleanroom, "MAX_CLEAN_ROOM_BYTES", 1000)
    with pytest.raises(CleanRoomError, match="over the clean room's"):
        record({"df": pd.DataFrame({"x": range(1000)})}, {})


def test_without_pyarrow_a_frame_is_refused_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what an interpreter without it answers
    with pytest.raises(CleanRoomError, match="pip install pyarrow"):
        record({"df": pd.DataFrame({"x": [1]})}, {})
    assert record({"n": 1}, {}).frames == {}  # other parameters need no pyarrow


def test_the_data_objects_carry_the_wire_contract():
    recorded = record({"df": pd.DataFrame({"x": [1]}), "bins": 3}, {})
    room = CleanRoom("plot", "return 1\n", {"pd": "pandas"}, {"pandas": "3.1.1"}, recorded, {"dpi": 100.0})
    source, manifest, frame = room.items()
    assert (source.type, source.metadata["format"], source.metadata["function_name"]) == (
        "code",
        "clean_room",
        "plot",
    )
    assert (manifest.type, manifest.metadata["format"], manifest.metadata["role"]) == (
        "text",
        "json",
        "manifest",
    )
    assert (frame.name, frame.type, frame.metadata) == ("df", "dataframe", {"format": "parquet"})
    body = json.loads(manifest.content)
    assert body["language"] == "python" and body["function_name"] == "plot"
    assert body["imports"] == {"pd": "pandas"} and body["packages"] == {"pandas": "3.1.1"}
    assert body["parameters"]["df"] == {"type": "dataframe"} and body["rendering"] == {"dpi": 100.0}
    assert body["language_version"].count(".") == 2
