"""Links in the server's e-mails (invitations, @mentions): built from FIGTRAIL_PUBLIC_URL only.

Never from the request that caused the mail: its ``Host`` header is the client's to choose (and
FIGTRAIL_ALLOWED_HOSTS is ``*`` by default), so a forged ``Host: evil.example`` would otherwise send an
invitee's single-use token to the attacker's site. Without FIGTRAIL_PUBLIC_URL an e-mail gives the path
on the server and says that the server's address is not configured (``figtrail serve`` warns at start-up).
"""

from __future__ import annotations

from django.conf import settings

NOT_CONFIGURED = (
    "on your figtrail server (this server's address is not configured, so the e-mail cannot link to it: "
    "its administrator sets FIGTRAIL_PUBLIC_URL)"
)


def public_url() -> str | None:
    """FIGTRAIL_PUBLIC_URL without a trailing slash, or None when it is unset."""
    config = getattr(settings, "CONFIG", None)
    public = config.public_url if config is not None else None
    return public.rstrip("/") if public else None


def email_link(path: str) -> str:
    """What an e-mail shows for the server page at ``path`` (``/invitation/...``): the full URL on
    FIGTRAIL_PUBLIC_URL, or, when that is unset, the path and a sentence saying why it is not a link."""
    public = public_url()
    if public:
        return public + path
    return f"{path} {NOT_CONFIGURED}"
