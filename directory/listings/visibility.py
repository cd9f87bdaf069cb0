"""Who may see a listing: the one rule, as a Python predicate and as SQL.

A visitor sees a listing while it is published and its owner (if it has one) is not suspended.
Pages that hold one listing ask `is_public`; queries over many ask `public_clause`; a test checks
that the two agree on every status and owner.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select

from ..accounts.models import User
from .models import STATUS_PUBLISHED, Listing


def is_public(listing: Listing) -> bool:
    """Whether anyone may see this listing."""
    owner = listing.owner
    return listing.status == STATUS_PUBLISHED and (owner is None or not owner.is_suspended)


def public_clause() -> ColumnElement[bool]:
    """SQL condition 'anyone may see this listing', for a statement over `listings`.

    Suspended owners are few: the database lists them once (from the index on suspended_at) instead
    of looking up the owner of every listing it reads.
    """
    suspended = select(User.id).where(User.suspended_at.is_not(None))
    return and_(
        Listing.status == STATUS_PUBLISHED,
        or_(Listing.owner_id.is_(None), Listing.owner_id.not_in(suspended)),
    )
