"""Start Django for CLI commands that need the server (imported lazily: the client never pays for it)."""

from __future__ import annotations

import os


def setup_django(migrate: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "figtrail.server.settings")
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
