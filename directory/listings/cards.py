"""Search results as plain read-only records: what a result card and the API's result read.

A search shows a page of listings with their topics and meetings. Loading them as ORM objects cost
several times what the queries take (each object instrumented and tracked by the session, then
thrown away with the request), so results are read with a few plain queries into these records.
A card has the listing's columns but those in LEFT_OUT, under the model's names; its topics and
meetings (and, when asked, audiences and languages) in the model's order; and the model's read-only
properties (from `models.ListingFacts`), so result templates and serializers take a card wherever
they take a Listing.
Nothing here is ever saved.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, SQLColumnExpression, bindparam, select

from ..extensions import db
from .models import (
    Audience,
    Listing,
    ListingFacts,
    ListingLanguage,
    Meeting,
    Topic,
    listing_audiences,
    listing_topics,
)

# Left out of cards: what the database keeps for the search's indexes; the long texts only a listing's
# own page shows; and what a result must never show (the contact e-mail, the street address, the
# meeting link, which some organisers keep private, and the moderators' note), so no result template
# or serializer can let one slip.
LEFT_OUT = frozenset({"latitude_band", "topic_bits", "description", "experience", "contact_email",
                      "address_line", "online_url", "online_url_private", "moderation_note"})


class ListingCard(ListingFacts, SimpleNamespace):
    """A listing as a search result: attributes as on Listing; topics, meetings etc. are lists."""


def _in_ids(column: SQLColumnExpression[int]) -> ColumnElement[bool]:
    return column.in_(bindparam("ids", expanding=True))


@lru_cache(maxsize=1)
def _statements() -> dict[str, Select[*tuple[Any, ...]]]:
    columns = [column for column in Listing.__table__.c if column.name not in LEFT_OUT]
    return {
        "listings": select(*columns).where(_in_ids(Listing.id)),
        "topics": (select(listing_topics.c.listing_id, *Topic.__table__.c)
                   .join(Topic, Topic.id == listing_topics.c.topic_id)
                   .where(_in_ids(listing_topics.c.listing_id)).order_by(Topic.position, Topic.id)),
        "meetings": (select(*Meeting.__table__.c).where(_in_ids(Meeting.listing_id))
                     .order_by(Meeting.weekday, Meeting.start_time, Meeting.id)),
        "audiences": (select(listing_audiences.c.listing_id, *Audience.__table__.c)
                      .join(Audience, Audience.id == listing_audiences.c.audience_id)
                      .where(_in_ids(listing_audiences.c.listing_id))
                      .order_by(Audience.position, Audience.id)),
        "language_rows": (select(*ListingLanguage.__table__.c)
                          .where(_in_ids(ListingLanguage.listing_id)).order_by(ListingLanguage.code)),
    }


def load_cards(ids: list[int]) -> dict[int, ListingCard]:
    """Cards for these listing ids (those that exist), by id, with their topics, meetings, audiences (a card
    says "New members welcome" from them) and languages (a card says which it meets in)."""
    if not ids:
        return {}
    statements = _statements()
    connection = db.session.connection()
    values = {"ids": ids}
    cards: dict[int, ListingCard] = {}
    # Rows are fetched at once (`all()`): iterating a result fetches them one by one, which costs more.
    for columns in connection.execute(statements["listings"], values).mappings().all():
        cards[columns["id"]] = ListingCard(**columns, topics=[], meetings=[], audiences=[], language_rows=[])
    related: list[str] = ["topics", "meetings", "audiences", "language_rows"]
    for name in related:
        terms: dict[int, SimpleNamespace] = {}  # a topic or audience shared by several cards is built once
        for row in connection.execute(statements[name], values).all():
            card = cards.get(row.listing_id)
            if card is not None:
                getattr(card, name).append(_item(name, row, terms))
    return cards


def _item(name: str, row: Row[*tuple[Any, ...]], terms: dict[int, SimpleNamespace]) -> Any:
    """Topic and audience rows carry the listing id first; the item is the rest (one object per term)."""
    if name in ("topics", "audiences"):
        term = terms.get(row.id)
        if term is None:
            term = terms[row.id] = SimpleNamespace(
                **{key: value for key, value in row._mapping.items() if key != "listing_id"})
        return term
    return row
