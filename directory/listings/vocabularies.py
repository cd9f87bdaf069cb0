"""What the forms offer to choose from that the database holds: topics, audiences, and the languages
published listings use. Forms only show choices; reading them is a service's job like any other read."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace
from typing import TypeVar

from flask import current_app
from sqlalchemy import Select, func, select

from .. import data_version
from ..extensions import db
from .models import Audience, Listing, ListingLanguage, Topic
from .terms import term_labels
from .visibility import public_clause

_CHOICES = data_version.KeptPerVersion("vocabularies", entries=32)
T = TypeVar("T")


def vocabulary_pairs(model: type[Topic] | type[Audience]) -> list[tuple[str, str]]:
    """(slug, name) of every topic or every audience, in the order they are set to show; the names in the
    page's language."""
    def read() -> list[tuple[str, str]]:
        rows = db.session.execute(select(model.slug, model.name).order_by(model.position, model.name))
        return [(slug, name) for slug, name in rows]

    return term_labels(read_once_per_version(model.__tablename__, read))


def languages_in_use() -> list[str]:
    """The codes of the languages at least one public listing uses (a choice must find something)."""
    return list(read_once_per_version(
        "languages", lambda: list(db.session.scalars(_languages_in_use_statement()))))


def terms_by_id(model: type[Topic] | type[Audience]) -> dict[int, SimpleNamespace]:
    """Every topic or every audience by id, as read-only records with the model's columns: what a result
    card lists under the ids its listing has (see cards)."""
    def read() -> dict[int, SimpleNamespace]:
        rows = db.session.execute(select(*model.__table__.c)).mappings()
        return {row["id"]: SimpleNamespace(**row) for row in rows}

    return read_once_per_version(f"{model.__tablename__} by id", read)


def read_once_per_version(name: str, read: Callable[[], T]) -> T:
    """What the search form offers (see forms.search_choices), and the terms result cards name, are the
    same for every page until the public data changes: topics and audiences are seeded, the languages come
    from public listings, and both move the data version. Read once per version in each process
    (KEEP_CHOICES; the tests, which change data without moving the version, read each time)."""
    if not current_app.config["KEEP_CHOICES"]:
        return read()
    return _CHOICES.get(name, read)


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
