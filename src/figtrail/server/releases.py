"""The database schema of each release, as the last migration of every app it shipped.

An upgrade test (tests/server/test_upgrade.py) builds a database at each listed release, fills it the
way that release stored data, and migrates it to today's schema. When a release ships, add its line:
``python -m django showmigrations`` on the release's tag gives the last migration of each app.
"""

from __future__ import annotations

RELEASES: dict[str, dict[str, str]] = {
    "0.1.0": {
        "accounts": "0002_initial",
        "catalog": "0001_initial",
        "access": "0002_initial",
        "activity": "0001_initial",
        "social": "0001_initial",
        "tasks": "0001_initial",
    },
}
