"""The small line shown under a published figure: its revision link and whether it has left yet."""

from __future__ import annotations

import html

from figtrail.client.revision import PublishedRevision

STYLE = "font:12px/1.4 sans-serif;color:#555;margin:2px 0 6px 0"


def widget_bundle(revision: PublishedRevision, unreachable: bool = False) -> dict[str, str]:
    """A display bundle (HTML for notebooks, text for consoles and saved notebooks)."""
    link = html.escape(revision.url, quote=True)
    name = html.escape(revision.figure_name or "figure")
    state = (
        "server unreachable: waiting in the outbox, sent when it is back"
        if unreachable
        else "published in the background"
    )
    markup = (
        f"<div class='figtrail-widget' style='{STYLE}'>figtrail &middot; <b>{name}</b> &middot; "
        f"<a href='{link}' target='_blank'>{link}</a> &middot; <span>{html.escape(state)}</span></div>"
    )
    text = f"figtrail: {revision.figure_name} -> {revision.url} ({state})"
    return {"text/html": markup, "text/plain": text}
