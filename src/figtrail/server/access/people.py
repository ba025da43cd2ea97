"""Naming another user (sharing with them, adding them to a workspace or an organization) without
learning whether an account exists.

Anyone signed in has a workspace of their own, so every answer to "share with / add <name>" is a probe.
A name nobody has and an account that may not be named (a deactivated one, ``figtrail user deactivate``)
get the very same refusal, which does not echo the name: a typo is told to check the name, and nothing
says why. Changing or removing a member, and unsharing, look among the group's own members and shares,
which the caller may list anyway, so they never ask whether an account exists at all.

What stays visible, by design and as in the official client's contract: a share with, or an addition of,
an account that exists and is active succeeds (200), so a caller can still tell that such an account
exists by succeeding. The refusals carry nothing more than that.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

CANNOT_SHARE = "Could not share with that user: check the username."
CANNOT_ADD = "Could not add that user: check the username."
NOT_A_MEMBER = "That user is not a member of this {noun}: check the username."


def nameable_user(username: str):
    """The active account named exactly ``username``, or None when there is none or it may not be named
    (deactivated): callers answer both alike (:data:`CANNOT_SHARE`, :data:`CANNOT_ADD`)."""
    return get_user_model().objects.filter(username=username, is_active=True).first()
