"""The local list: listings met in person within the radius, nearest first (by relevance within
distance bands when keywords were typed), and the wider radius offered when few are near."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

from ...geo import services as geo
from .fulltext import Relevance
from .params import RADII
from .statements import Section, Within, run, texts_statement, within

# Texts scored for relevance are read this many listings at a time.
TEXTS_BATCH = 500


class LocalRow(NamedTuple):
    """A listing of the local list."""

    id: int
    miles: float
    rank: float | None  # how well it matches the keywords; None without them, or outside the page's bands
    hybrid: bool  # also joinable online: the online list beside leaves it out


@dataclass(frozen=True)
class WiderRadius:
    """The next distance that finds more: what the page offers when few listings are near."""

    radius: int
    count: int


_by_distance = attrgetter("miles", "id")


def local_candidates(section: Section, origin: geo.Location, radius: float,
                     shown: slice | None = None) -> list[LocalRow]:
    """Listings met in person within `radius` miles, sorted: nearest first (by relevance within bands).

    Relevance orders listings only within a distance band, so it is scored only for the bands the
    `shown` rows fall in; elsewhere (and without keywords) rank is None and the order within a band
    is by distance.
    """
    rows = [LocalRow(listing_id, miles, None, bool(hybrid))
            for listing_id, miles, hybrid in within(section, origin, radius, Within.LOCAL)]
    rows.sort(key=_by_distance)
    if not section.q or not rows:
        return rows
    bands = [distance_band(row.miles) for row in rows]
    wanted = set(bands[shown] if shown is not None else bands)
    scores = _relevance(section.q, [row.id for row, band in zip(rows, bands, strict=True) if band in wanted])
    rows = [LocalRow(listing_id, miles, scores.get(listing_id), hybrid)
            for listing_id, miles, _, hybrid in rows]
    rows.sort(key=_by_band_and_rank)
    return rows


def _relevance(user_text: str, ids: list[int]) -> dict[int, float]:
    """How well each of these (matching) listings fits the words: read and scored only for them."""
    relevance = Relevance(user_text)
    scores: dict[int, float] = {}
    for first in range(0, len(ids), TEXTS_BATCH):
        for listing_id, *text in run(texts_statement(), {"ids": ids[first:first + TEXTS_BATCH]}).all():
            scores[listing_id] = relevance.score(text)
    return scores


def _by_band_and_rank(row: LocalRow) -> tuple[Any, ...]:
    """With keywords: the nearest distance band first, the best match first within it."""
    return (distance_band(row.miles), -(row.rank or 0.0), row.miles, row.id)


def distance_band(miles: float) -> int:
    """Index of the smallest radius choice that contains a distance (used to rank keyword results)."""
    return next((index for index, edge in enumerate(RADII) if miles <= edge), len(RADII))


def distances_up_to_widest(section: Section, origin: geo.Location) -> list[float]:
    """How far each matching in-person listing is, up to the widest radius on offer."""
    return [row.miles for row in within(section, origin, RADII[-1], Within.DISTANCE)]


def wider_radius(distances: list[float], radius: int, current: int) -> WiderRadius | None:
    """The smallest larger radius that finds more than `current` listings, with its count."""
    for wider in RADII:
        if wider <= radius:
            continue
        count = sum(1 for miles in distances if miles <= wider)
        if count > current:
            return WiderRadius(wider, count)
    return None
