"""A listing's topics as bits of one integer column, so the search's index can answer a topic filter.

A topic filter is on most searches. Asked as "does a row in listing_topics link this listing to one of
these topics?", it is one lookup in another index for every listing in the box, which costs more than
reading the box itself. `listings.topic_bits` holds bit (topic id mod 63) for each of a listing's
topics; the search index carries the column, so `topic_bits & mask != 0` is checked on the index
entry the search already reads.

While every topic id is below 63, each topic has a bit of its own and the test is exact; a vocabulary
that grows past that shares bits, and the search then checks listing_topics too for the few listings
the bits let through (see `unique`). The database keeps the column in step itself, with triggers on
listing_topics, as it does the full-text index: no code path that adds or removes a topic can forget it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text

BITS = 63  # of a signed 64-bit integer, the sign bit left alone
COLUMN = "topic_bits"

# Every SQL string here is built from this module's constants only.
# A listing's bits, from its rows in listing_topics (OR of distinct bits is their sum).
_BITS_OF = {
    "sqlite": "(SELECT coalesce(sum(DISTINCT 1 << (topic_id % {bits})), 0) FROM listing_topics "
              "WHERE listing_id = {listing})",
    "postgresql": "(SELECT coalesce(bit_or(1::bigint << (topic_id % {bits})), 0) FROM listing_topics "
                  "WHERE listing_id = {listing})",
}
_SQLITE_TRIGGERS = {
    "listing_topics_bits_insert": ("AFTER INSERT", ("NEW",)),
    "listing_topics_bits_delete": ("AFTER DELETE", ("OLD",)),
    "listing_topics_bits_update": ("AFTER UPDATE", ("OLD", "NEW")),
}
_PG_FUNCTION = "listing_topics_refresh_bits"
_PG_TRIGGER = "listing_topics_bits"


def _refresh(dialect: str, row: str) -> str:
    """SQL that recomputes the bits of the listing a listing_topics row (NEW or OLD) belongs to."""
    bits_of = _BITS_OF[dialect].format(bits=BITS, listing=f"{row}.listing_id")
    return f"UPDATE listings SET {COLUMN} = {bits_of} WHERE id = {row}.listing_id;"  # noqa: S608  # nosec B608


def bit(topic_id: int) -> int:
    return 1 << (topic_id % BITS)


def mask(topic_ids: Iterable[int]) -> int:
    """The bits of any of these topics: a listing has one of them only if `topic_bits & mask` is not 0.
    An id no topic can have (the search's -1 for "none of them exists") adds no bit, so matches nothing."""
    value = 0
    for topic_id in topic_ids:
        if topic_id >= 0:
            value |= bit(topic_id)
    return value


def unique(topic_ids: Iterable[int]) -> bool:
    """Whether each of these topics (a whole vocabulary) has a bit of its own: then the bits alone
    answer a topic filter. Past BITS topics, ids share bits and listing_topics must be asked too."""
    return all(0 <= topic_id < BITS for topic_id in topic_ids)


def install(connection) -> None:
    """Create the triggers that keep listings.topic_bits in step, and fill the column (idempotent)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for name, (when, rows) in _SQLITE_TRIGGERS.items():
            body = " ".join(_refresh(dialect, row) for row in rows)
            connection.execute(text(
                f"CREATE TRIGGER IF NOT EXISTS {name} {when} ON listing_topics BEGIN {body} END"
            ))
    elif dialect == "postgresql":
        connection.execute(text(
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {_refresh(dialect, 'OLD')} END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_refresh(dialect, 'NEW')} END IF; "
            "RETURN NULL; END $$"
        ))
        connection.execute(text(f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON listing_topics"))
        connection.execute(text(
            f"CREATE TRIGGER {_PG_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON listing_topics "
            f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()"
        ))
    else:
        return
    bits_of = _BITS_OF[dialect].format(bits=BITS, listing="listings.id")
    fill = f"UPDATE listings SET {COLUMN} = {bits_of} WHERE {COLUMN} != {bits_of}"  # noqa: S608  # nosec B608
    connection.execute(text(fill))


def drop(connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP TRIGGER IF EXISTS {_PG_TRIGGER} ON listing_topics"))
        connection.execute(text(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()"))
