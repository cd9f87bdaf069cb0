"""A listing's topics as bits of one integer column, so the search's index can answer a topic filter.

A topic filter is on most searches. Asked as "does a row in listing_topics link this listing to one of
these topics?", it is one lookup in another index for every listing in the box, which costs more than
reading the box itself. `listings.topic_bits` holds bit (topic id mod 63) for each of a listing's
topics; the search index carries the column, so `topic_bits & mask != 0` is checked on the index
entry the search already reads.

While every topic id is below 63, each topic has a bit of its own and the test is exact; a vocabulary
that grows past that shares bits, and the search then checks listing_topics too for the few listings
the bits let through (see `unique`). The database keeps the column in step itself, with triggers on
listing_topics (built by the migrations), as it does the full-text index: no code path that adds or removes
a topic can forget it.
"""

from __future__ import annotations

from collections.abc import Iterable

BITS = 63  # of a signed 64-bit integer, the sign bit left alone


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
