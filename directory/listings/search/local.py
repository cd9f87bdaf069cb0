"""The local list: listings met in person within the radius, nearest first (within each distance band,
those held in the visitor's language first when it is not the default, then by relevance when keywords
were typed), and the wider radius offered when few are near."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

from ...geo import services as geo
from .fulltext import Relevance
from .params import RADII
from .statements import Section, Within, held_in_statement, run, texts_statement, within

# Texts scored for relevance are read this many listings at a time.
TEXTS_BATCH = 500


class LocalRow(NamedTuple):
    """A listing of the local list."""

    id: int
    miles: float
    rank: float | None  # how well it matches the keywords; None without them, or outside the page's bands
    hybrid: bool  # also joinable online: the online list beside leaves it out
    in_language: bool = False  # held in the language put first (see local_candidates)


@dataclass(frozen=True)
class WiderRadius:
    """The next distance that finds more: what the page offers when few listings are near."""

    radius: int
    count: int


_by_distance = attrgetter("miles", "id")


def local_candidates(section: Section, origin: geo.Location, radius: float,
                     shown: slice | None = None, language: str | None = None) -> list[LocalRow]:
    """Listings met in person within `radius` miles, sorted: nearest first; within each distance band,
    those offered in `language` first (None: no language is put first), then the best match for the
    keywords.

    Neither changes which band a listing is in, so both are looked up only for the bands the `shown`
    rows fall in; elsewhere rank is None, in_language False, and the order within a band is by distance.
    """
    rows = [LocalRow(listing_id, miles, None, bool(hybrid))
            for listing_id, miles, hybrid in within(section, origin, radius, Within.LOCAL)]
    rows.sort(key=_by_distance)
    if not (section.q or language) or not rows:
        return rows
    bands = [distance_band(row.miles) for row in rows]
    wanted = set(bands[shown] if shown is not None else bands)
    ids = [row.id for row, band in zip(rows, bands, strict=True) if band in wanted]
    scores = _relevance(section.q, ids) if section.q else {}
    held = _held_in(language, ids) if language else frozenset()
    rows = [LocalRow(row.id, row.miles, scores.get(row.id), row.hybrid, row.id in held) for row in rows]
    rows.sort(key=_by_band_and_rank)
    return rows


def _held_in(language: str, ids: list[int]) -> frozenset[int]:
    """Which of these listings are offered in `language`."""
    held: set[int] = set()
    for first in range(0, len(ids), TEXTS_BATCH):
        batch = ids[first:first + TEXTS_BATCH]
        held.update(run(held_in_statement(), {"code": language, "ids": batch}).scalars())
    return frozenset(held)


def _relevance(user_text: str, ids: list[int]) -> dict[int, float]:
    """How well each of these (matching) listings fits the words: read and scored only for them."""
    relevance = Relevance(user_text)
    scores: dict[int, float] = {}
    for first in range(0, len(ids), TEXTS_BATCH):
        for listing_id, *text in run(texts_statement(), {"ids": ids[first:first + TEXTS_BATCH]}).all():
            scores[listing_id] = relevance.score(text)
    return scores


def _by_band_and_rank(row: LocalRow) -> tuple[Any, ...]:
    """The nearest distance band first; within it, listings in the language put first, then the best match."""
    return (distance_band(row.miles), not row.in_language, -(row.rank or 0.0), row.miles, row.id)


def distance_band(miles: float) -> int:
    """Index of the smallest radius choice that contains a distance: within 1, 5, 10, 25, 50 or 100 miles
    (the page's radius choices, see params.RADII), the bands the local list is ordered within."""
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
