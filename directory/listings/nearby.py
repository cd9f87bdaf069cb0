"""Listings to offer instead of one a visitor cannot use: mentors taking new mentees in place of one who
is not, and current listings near one that is no longer listed. Both ask the one search, so they obey
its visibility rule and order."""

from __future__ import annotations

from .models import KIND_MENTOR, Listing
from .presentation import nearby_query
from .search import Hit, SearchParams, resolve_vocabulary, search

# How far around a listing's town its alternatives are looked for (miles; one of search.RADII).
ALTERNATIVES_RADIUS = 50


def _alternatives(params: SearchParams, leaving_out: int, limit: int) -> list[Hit]:
    results = search(resolve_vocabulary(params))
    hits = [hit for hit in (*results.local, *results.online)
            if hit.listing.id != leaving_out and hit.listing.open_to_new_people]
    return hits[:limit]


def similar_mentors(listing: Listing, limit: int = 3) -> list[Hit]:
    """Mentors taking new mentees, nearest first: on his first topic if any has one, else any."""
    base = SearchParams(near=nearby_query(listing), radius=ALTERNATIVES_RADIUS, kind=KIND_MENTOR)
    first_topic = tuple(topic.slug for topic in listing.topics[:1])
    if first_topic:
        hits = _alternatives(base.with_changes(topics=first_topic), listing.id, limit)
        if hits:
            return hits
    return _alternatives(base, listing.id, limit)


def nearest_current(listing: Listing, limit: int = 5) -> list[Hit]:
    """Listings a visitor can use now, nearest to where this one was (online ones for an online one)."""
    params = SearchParams(near=nearby_query(listing), radius=ALTERNATIVES_RADIUS)
    return _alternatives(params, listing.id, limit)
