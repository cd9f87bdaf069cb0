"""What the forms offer to choose from that the database holds: topics, audiences, and the languages
published listings use. Forms only show choices; reading them is a service's job like any other read."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Select, func, select

from ..extensions import db
from .models import Audience, Listing, ListingLanguage, Topic
from .terms import term_labels
from .visibility import public_clause


def vocabulary_pairs(model: type[Topic] | type[Audience]) -> list[tuple[str, str]]:
    """(slug, name) of every topic or every audience, in the order they are set to show; the names in the
    page's language."""
    rows = db.session.execute(select(model.slug, model.name).order_by(model.position, model.name))
    return term_labels((slug, name) for slug, name in rows)


def languages_in_use() -> list[str]:
    """The codes of the languages at least one public listing uses (a choice must find something)."""
    return list(db.session.scalars(_languages_in_use_statement()))


@lru_cache(maxsize=1)
def _languages_in_use_statement() -> Select[tuple[str]]:
    """Each language code once, kept if a public listing uses it.

    The codes come from their index one at a time, each the smallest above the last (a recursive
    query): a few index seeks, where DISTINCT would read every language row (tens of milliseconds per
    page at 100,000 listings, PostgreSQL having no skip scan).
    """
    first = select(func.min(ListingLanguage.code).label("code")).cte("codes", recursive=True)
    following = select(
        select(func.min(ListingLanguage.code)).where(ListingLanguage.code > first.c.code).scalar_subquery()
    ).where(first.c.code.is_not(None))
    codes = first.union_all(following)
    # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns EXISTS into a join over every
    # published listing; this way each code is one probe that stops at its first public listing.
    used = (
        select(ListingLanguage.listing_id)
        .join(Listing, Listing.id == ListingLanguage.listing_id)
        .where(ListingLanguage.code == codes.c.code, public_clause())
        .limit(1)
        .scalar_subquery()
    )
    return select(codes.c.code).where(codes.c.code.is_not(None), used.is_not(None))
