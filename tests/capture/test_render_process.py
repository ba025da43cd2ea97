"""FIGTRAIL_RENDER_PROCESS is read through the settings table: any "off" renders on a thread of this
process, and a value the table refuses is an error naming the variable (no helper is started here)."""

from __future__ import annotations

import selectors

import pytest

from figtrail.capture.render_process import RenderProcess
from figtrail.settings_table import SettingError


@pytest.mark.parametrize("raw", ["0", "off", "false", "No"])
def test_off_keeps_rendering_in_this_process(monkeypatch, raw):
    monkeypatch.setenv("FIGTRAIL_RENDER_PROCESS", raw)
    assert not RenderProcess().available


@pytest.mark.parametrize("raw", [None, "", "1", "on"])
def test_on_by_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("FIGTRAIL_RENDER_PROCESS", raising=False)
    else:
        monkeypatch.setenv("FIGTRAIL_RENDER_PROCESS", raw)
    assert RenderProcess().available == hasattr(selectors, "PollSelector")


def test_a_value_the_table_refuses_names_the_variable(monkeypatch):
    monkeypatch.setenv("FIGTRAIL_RENDER_PROCESS", "sometimes")
    with pytest.raises(SettingError, match="FIGTRAIL_RENDER_PROCESS must be on or off"):
        RenderProcess()
