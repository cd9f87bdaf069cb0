"""Stable public identifiers: every HSDS id is a UUID 5 of the configured namespace and the row.

The same row gives the same UUID on every request, every export and every machine that shares the
namespace (`HSDS_ID_NAMESPACE`), so consumers can update what they imported instead of duplicating it.
Listings and meetings are named by their row id (a slug may change, the row does not); vocabulary
terms by their slug, which is what the seeds keep stable across databases.
"""

from __future__ import annotations

import uuid

from flask import current_app


def namespace() -> uuid.UUID:
    return uuid.UUID(str(current_app.config["HSDS_ID_NAMESPACE"]))


def public_id(kind: str, *key: object) -> str:
    """The UUID of one row: `public_id("service", 12)`, `public_id("taxonomy_term", "topics", "grief")`."""
    name = "/".join([kind, *(str(part) for part in key)])
    return str(uuid.uuid5(namespace(), name))


def is_uuid(text: str | None) -> bool:
    """Whether `text` is a UUID in its canonical spelling (what every id here is)."""
    if not text or len(text) != 36:
        return False
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False
