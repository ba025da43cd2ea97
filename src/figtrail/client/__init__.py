"""Talking to a figtrail server: settings, HTTP, typed errors, the outbox and its background sender.

The public names are re-exported from ``figtrail`` and ``figtrail.jupyter``; the modules here are the
machinery behind them. Errors live in ``figtrail.client.errors``.
"""
