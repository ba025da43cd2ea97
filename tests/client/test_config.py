"""Settings: arguments over FIGTRAIL_* over the config file; the file is private and holds no password."""

from __future__ import annotations

import json
import os
import stat

import pytest

from figtrail.client.config import config_path, load_config, write_config_file
from figtrail.client.errors import ConfigFileError, NotConfiguredError


def test_environment_overrides_the_file_and_arguments_override_both(isolated_client, monkeypatch):
    write_config_file({"url": "http://file:1", "api_key": "from-file", "workspace": "W-file"})
    assert load_config().url == "http://file:1"
    monkeypatch.setenv("FIGTRAIL_URL", "http://env:2/")
    monkeypatch.setenv("FIGTRAIL_WORKSPACE", "W-env")
    config = load_config()
    assert (config.url, config.api_key, config.workspace) == ("http://env:2", "from-file", "W-env")
    assert load_config(url="explicit:3").url == "http://explicit:3"


def test_the_config_file_is_written_private_and_without_a_password(isolated_client):
    path = write_config_file({"url": "http://x:1", "api_key": "k", "password": "secret", "workspace": None})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == {"url": "http://x:1", "api_key": "k"}


def test_the_default_file_is_home_dot_figtrail_or_inside_the_server_home(tmp_path, monkeypatch):
    monkeypatch.delenv("FIGTRAIL_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_path() == tmp_path / ".figtrail"
    (tmp_path / ".figtrail").mkdir()  # the server's FIGTRAIL_HOME lives there
    assert config_path() == tmp_path / ".figtrail" / "client.json"


def test_a_pasted_api_url_is_trimmed_to_the_server(isolated_client):
    assert load_config(url="https://figs.example.org/api/v1.4.1/").url == "https://figs.example.org"


def test_missing_settings_fail_in_one_line(isolated_client):
    with pytest.raises(NotConfiguredError, match="Run `figtrail config`, or set FIGTRAIL_URL"):
        load_config().require_credentials()
    with pytest.raises(NotConfiguredError, match="no API key"):
        load_config(url="http://x:1").require_credentials()


def test_a_broken_file_names_itself(isolated_client):
    config_path().write_text("{oops")
    with pytest.raises(ConfigFileError, match="is not valid JSON"):
        load_config()
