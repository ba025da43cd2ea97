"""The one error a sub-command raises for a problem the user can fix (below ``cli.main``, which prints it)."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""
