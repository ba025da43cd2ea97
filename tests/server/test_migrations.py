"""Migrations: they match the models, build the schema from an empty database, and unwind cleanly.

Run as subprocesses with a fresh FIGTRAIL_HOME (and, on the PostgreSQL run, a fresh database), the way
``figtrail serve`` runs them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import fresh_database_url

DJANGO_ADMIN = str(Path(sys.executable).with_name("django-admin"))


def manage(home: Path, database: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **database,
        "FIGTRAIL_HOME": str(home),
        "FIGTRAIL_SECRET_KEY": "migrations-test",
        "DJANGO_SETTINGS_MODULE": "figtrail.server.settings",
    }
    return subprocess.run([DJANGO_ADMIN, *args], env=env, capture_output=True, text=True, timeout=300)


def applied(home: Path, database: dict[str, str]) -> set[str]:
    listing = manage(home, database, "showmigrations", "--plan").stdout
    return {line.split()[-1] for line in listing.splitlines() if line.startswith("[X]")}


def test_models_have_no_unmigrated_changes(tmp_path):
    done = manage(tmp_path, fresh_database_url(), "makemigrations", "--check", "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_builds_from_empty_and_unwinds(tmp_path):
    database = fresh_database_url()
    forward = manage(tmp_path, database, "migrate", "--no-input")
    assert forward.returncode == 0, forward.stdout + forward.stderr
    ours = {
        name for name in applied(tmp_path, database) if name.startswith(("catalog.", "accounts.", "social."))
    }
    assert {"catalog.0001_initial", "accounts.0001_initial", "social.0001_initial"} <= ours

    for app in ("social", "tasks", "access", "activity", "catalog"):
        back = manage(tmp_path, database, "migrate", app, "zero", "--no-input")
        assert back.returncode == 0, f"unwinding {app}: " + back.stdout + back.stderr
    assert not {name for name in applied(tmp_path, database) if name.startswith(("catalog.", "social."))}

    again = manage(tmp_path, database, "migrate", "--no-input")
    assert again.returncode == 0, again.stdout + again.stderr
