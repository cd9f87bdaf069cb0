"""Listing rules: creating, editing and keeping listings current. Raise domain errors; no HTTP here."""

from __future__ import annotations

from sqlalchemy import update

from ..extensions import db
from .models import Listing


def record_contact(listing_id: int) -> None:
    """Count one contact message, atomically: read-modify-write loses counts under several workers."""
    db.session.execute(
        update(Listing).where(Listing.id == listing_id).values(contact_count=Listing.contact_count + 1)
    )
    db.session.commit()
