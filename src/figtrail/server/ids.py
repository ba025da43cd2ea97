"""The one parser of object ids (UUIDs) from requests: a malformed id names nothing, or is a 400."""

from __future__ import annotations

import uuid

from rest_framework.exceptions import ValidationError


def parse_uuid(value: object) -> uuid.UUID | None:
    """The UUID ``value`` spells, or None when it spells none (``"abc"``, ``None``, a number)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def uuid_or_400(value: object, field: str) -> uuid.UUID:
    """The UUID ``value`` spells; a 400 naming ``field`` when it spells none."""
    parsed = parse_uuid(value)
    if parsed is None:
        raise ValidationError({field: [f"{value!r} is not a valid id."]})
    return parsed


def uuids_or_400(values: list[str], field: str) -> list[uuid.UUID]:
    """UUIDs in the order given, duplicates dropped; a malformed one is a 400 naming ``field``."""
    return list(dict.fromkeys(uuid_or_400(value, field) for value in values))
