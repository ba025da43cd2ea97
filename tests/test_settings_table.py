"""The settings table: every FIGTRAIL_* name in src/ is declared in it, every entry is documented, the
generated reference page is current, and a value a parser refuses is an error naming the variable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import figtrail
from figtrail import settings_table
from figtrail.settings_table import SETTINGS, SettingError, read

SRC = Path(figtrail.__file__).parent
REPO = SRC.parent.parent
REFERENCE = REPO / "docs" / "settings.md"
NAME = re.compile(r"\bFIGTRAIL_[A-Z0-9_]*[A-Z0-9]\b")
# Names in src/ that are not environment variables: Django settings of the server's own making.
NOT_VARIABLES = {"FIGTRAIL_SCRIPT_DIR"}
DECLARED = {entry.name for entry in SETTINGS}


def names_in(paths: list[Path]) -> dict[str, str]:
    """Every FIGTRAIL_* name in these files -> the first file naming it."""
    found: dict[str, str] = {}
    for path in paths:
        for name in NAME.findall(path.read_text()):
            found.setdefault(name, str(path.relative_to(REPO)))
    return found


def test_every_figtrail_name_in_the_source_is_in_the_table():
    used = names_in(sorted(SRC.rglob("*.py")))
    assert len(used) > 40  # the walk found the source
    undeclared = {name: where for name, where in used.items() if name not in DECLARED | NOT_VARIABLES}
    assert undeclared == {}, "declare these in src/figtrail/settings_table.py"


def test_every_name_the_docs_give_is_in_the_table():
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    stale = {name: where for name, where in names_in(pages).items() if name not in DECLARED}
    assert stale == {}


def test_the_reference_page_is_generated_from_the_table():
    assert REFERENCE.read_text() == settings_table.reference_markdown(), (
        "regenerate it: .venv/bin/python -m figtrail.settings_table > docs/settings.md"
    )


def test_every_entry_is_documented_once_with_its_part_and_meaning():
    rows = [line for line in REFERENCE.read_text().splitlines() if line.startswith("| `FIGTRAIL_")]
    documented = [line.split("`")[1] for line in rows]
    assert sorted(documented) == sorted(DECLARED)  # each once
    assert len(DECLARED) == len(SETTINGS)  # no name declared twice
    for entry in SETTINGS:
        assert entry.part in {"client", "server", "both"}
        assert entry.doc.strip() and entry.kind.accepts.strip(), entry.name
        assert entry.name.startswith("FIGTRAIL_")


def test_the_table_is_the_lowest_layer():
    """The outbox, capture, client and server all read it: it imports nothing of figtrail's."""
    tree = ast.parse((SRC / "settings_table.py").read_text())
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in modules if name.startswith("figtrail")]


def test_no_module_reads_a_figtrail_variable_from_os_environ():
    direct = re.compile(r"""(environ\.get|environ\[|getenv)\(?\s*["']FIGTRAIL_""")
    readers = [
        str(path.relative_to(REPO))
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "settings_table.py" and direct.search(path.read_text())
    ]
    assert readers == []


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("FIGTRAIL_RENDER_TIMEOUT", "abc", "FIGTRAIL_RENDER_TIMEOUT must be a number of seconds, got 'abc'"),
        ("FIGTRAIL_EXIT_WAIT", "-1", "FIGTRAIL_EXIT_WAIT must be a number of seconds, got '-1'"),
        ("FIGTRAIL_WORKERS", "0", "FIGTRAIL_WORKERS must be a positive integer, got '0'"),
        ("FIGTRAIL_AI_MONTHLY_QUOTA", "lots", "FIGTRAIL_AI_MONTHLY_QUOTA must be an integer of 0 or more"),
        ("FIGTRAIL_STRICT", "maybe", "FIGTRAIL_STRICT must be on or off (1/0, true/false, yes/no, on/off)"),
        ("FIGTRAIL_RENDER_PROCESS", "nope", "FIGTRAIL_RENDER_PROCESS must be on or off"),
        ("FIGTRAIL_BATCH", "sometimes", "FIGTRAIL_BATCH must be auto, on or off"),
        ("FIGTRAIL_TASK_MODE", "cron", "FIGTRAIL_TASK_MODE must be inline or worker, got 'cron'"),
        ("FIGTRAIL_AI_PROVIDER", "gemini", "FIGTRAIL_AI_PROVIDER must be offline, openai or bedrock"),
        ("FIGTRAIL_LOGIN_RATE", "fast", "FIGTRAIL_LOGIN_RATE must be a rate like 20/min"),
        ("FIGTRAIL_IMPORT_GIT_TIMEOUT", "ten", "FIGTRAIL_IMPORT_GIT_TIMEOUT must be a positive integer"),
        ("FIGTRAIL_EMAIL_BACKEND", "pigeon", "FIGTRAIL_EMAIL_BACKEND must be console, file, smtp, none or"),
        ("FIGTRAIL_AI_PLANS", '{"pro": {"rate": "x"}}', "(plan 'pro' has rate 'x'; use e.g. 60/min)"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable_and_what_it_accepts(name, raw, message):
    with pytest.raises(SettingError) as refused:
        read(name, {name: raw})
    assert message in str(refused.value)


def test_a_secret_is_never_echoed_in_the_error():
    secret = settings_table.Setting("FIGTRAIL_X", settings_table.POSITIVE, "a test", 1, "server", secret=True)
    with pytest.raises(SettingError) as refused:
        secret.read({"FIGTRAIL_X": "hunter2"})
    assert "hunter2" not in str(refused.value) and "FIGTRAIL_X" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("FIGTRAIL_DEBUG", " Yes ", True),
        ("FIGTRAIL_DEBUG", "off", False),
        ("FIGTRAIL_DEBUG", "", False),  # empty is the default
        ("FIGTRAIL_BATCH", "auto", None),
        ("FIGTRAIL_BATCH", "0", False),
        ("FIGTRAIL_RENDER_TIMEOUT", "2.5", 2.5),
        ("FIGTRAIL_LOGIN_RATE", "05/min", "5/min"),
        ("FIGTRAIL_ALLOWED_HOSTS", "a.example, b.example,", ("a.example", "b.example")),
        ("FIGTRAIL_EMAIL_BACKEND", "SMTP", "django.core.mail.backends.smtp.EmailBackend"),
        ("FIGTRAIL_EMAIL_BACKEND", "myapp.mail.QueueBackend", "myapp.mail.QueueBackend"),
    ],
)
def test_values_the_parsers_accept(name, raw, value):
    assert read(name, {name: raw}) == value


def test_the_settings_objects_pass_the_error_on(monkeypatch, tmp_path):
    """The server's objects and the client's config raise it (the client as its ConfigFileError)."""
    from figtrail.client.config import load_config
    from figtrail.client.errors import ConfigFileError
    from figtrail.config import server_config
    from figtrail.server.imports.config import import_config

    monkeypatch.setenv("FIGTRAIL_HOME", str(tmp_path))
    monkeypatch.setenv("FIGTRAIL_MAX_IMAGE_PIXELS", "many")
    with pytest.raises(SettingError, match="FIGTRAIL_MAX_IMAGE_PIXELS must be a positive integer"):
        server_config()
    monkeypatch.setenv("FIGTRAIL_IMPORT_GIT_TIMEOUT", "soon")
    with pytest.raises(SettingError, match="FIGTRAIL_IMPORT_GIT_TIMEOUT"):
        import_config()
    monkeypatch.setenv("FIGTRAIL_CONFIG", str(tmp_path / "client.json"))
    monkeypatch.setenv("FIGTRAIL_RENDER_TIMEOUT", "abc")
    with pytest.raises(
        ConfigFileError, match="FIGTRAIL_RENDER_TIMEOUT must be a number of seconds, got 'abc'"
    ):
        load_config()
