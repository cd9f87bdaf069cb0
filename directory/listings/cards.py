"""Search results as plain read-only records: what a result card and the API's result read.

A search shows a page of listings with their topics and meetings. Loading them as ORM objects cost
several times what the queries take (each object instrumented and tracked by the session, then
thrown away with the request), so results are read with two plain queries (the listings, their meetings)
into these records, the topics and audiences from terms read once per data version.
A card has the listing's columns but those in LEFT_OUT, under the model's names; its topics, meetings,
audiences and languages in the model's order; and the model's read-only properties (from
`models.ListingFacts`), so result templates and serializers take a card wherever they take a Listing.
Nothing here is ever saved.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Label,
    Select,
    SQLColumnExpression,
    String,
    bindparam,
    cast,
    func,
    select,
)

from .. import driver
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
from .vocabularies import terms_by_id

# Left out of cards: what the database keeps for the search's indexes; the long texts only a listing's
# own page shows; and what a result must never show (the contact e-mail, the street address, the
# meeting link, which some organisers keep private, and the moderators' note), so no result template
# or serializer can let one slip.
LEFT_OUT = frozenset({"latitude_band", "topic_bits", "description", "experience", "contact_email",
                      "address_line", "online_url", "online_url_private", "moderation_note"})


_TOPICS, _AUDIENCES, _LANGUAGES = "card_topic_ids", "card_audience_ids", "card_language_codes"


class ListingCard(ListingFacts, SimpleNamespace):
    """A listing as a search result: attributes as on Listing; topics, meetings etc. are lists."""


class _Language(NamedTuple):
    """A language row of a card: the columns of ListingLanguage."""

    listing_id: int
    code: str


def _in_ids(column: SQLColumnExpression[int]) -> ColumnElement[bool]:
    return column.in_(bindparam("ids", expanding=True))


def _joined(column: SQLColumnExpression[Any], listing_id: SQLColumnExpression[int], name: str) -> Label[Any]:
    """A listing's values of a related table's column, joined by commas in one column of its row."""
    return (select(func.aggregate_strings(cast(column, String), ","))
            .where(listing_id == Listing.id).scalar_subquery().label(name))


@lru_cache(maxsize=1)
def _statements() -> dict[str, Select[*tuple[Any, ...]]]:
    columns = [column for column in Listing.__table__.c if column.name not in LEFT_OUT]
    return {
        # The topics', audiences' and languages' keys come in the listing's own row (the terms themselves are
        # read once per data version, see vocabularies.terms_by_id): one statement where there were four.
        "listings": select(
            *columns,
            _joined(listing_topics.c.topic_id, listing_topics.c.listing_id, _TOPICS),
            _joined(listing_audiences.c.audience_id, listing_audiences.c.listing_id, _AUDIENCES),
            _joined(ListingLanguage.code, ListingLanguage.listing_id, _LANGUAGES),
        ).where(_in_ids(Listing.id)),
        "meetings": (select(*Meeting.__table__.c).where(_in_ids(Meeting.listing_id))
                     .order_by(Meeting.weekday, Meeting.start_time, Meeting.id)),
    }


def load_cards(ids: list[int]) -> dict[int, ListingCard]:
    """Cards for these listing ids (those that exist), by id, with their topics, meetings, audiences (a card
    says "New members welcome" from them) and languages (a card says which it meets in)."""
    if not ids:
        return {}
    statements = _statements()
    connection = db.session.connection()
    values = {"ids": ids}
    topics, audiences = terms_by_id(Topic), terms_by_id(Audience)
    cards: dict[int, ListingCard] = {}
    # Through the driver: SQLAlchemy's execution layer would cost more than building the cards (see driver).
    for row in driver.rows(connection, statements["listings"], values):
        columns = row._asdict()
        listing_id = columns["id"]
        related = {
            "topics": _terms(columns.pop(_TOPICS), topics),
            "audiences": _terms(columns.pop(_AUDIENCES), audiences),
            "language_rows": [_Language(listing_id, code) for code in sorted(_keys(columns.pop(_LANGUAGES)))],
        }
        cards[listing_id] = ListingCard(**columns, **related, meetings=[])
    for meeting in driver.rows(connection, statements["meetings"], values):
        card = cards.get(meeting.listing_id)
        if card is not None:
            card.meetings.append(meeting)
    return cards


def _keys(joined: str | None) -> list[str]:
    return joined.split(",") if joined else []


def _terms(joined: str | None, known: dict[int, SimpleNamespace]) -> list[SimpleNamespace]:
    """The topics or audiences named by joined ids, in the order they are set to show (a term made since
    the kept ones were read, which only a test does without moving the data version, is left out)."""
    found = (known.get(int(key)) for key in _keys(joined))
    return sorted((term for term in found if term is not None), key=_term_order)


def _term_order(term: SimpleNamespace) -> tuple[int, int]:
    return term.position, term.id
