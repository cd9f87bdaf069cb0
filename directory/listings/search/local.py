"""The local list: listings met in person within the radius, nearest first (within each distance band,
those held in the visitor's language first when it is not the default, then by relevance when keywords
were typed), and the wider radius offered when few are near.

The list is counted exactly up to a limit. Past it (a wide radius around a city, with a million
listings: tens of thousands), only the distance bands the page falls in are read and sorted, the
nearest first, and the page says "more than"."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import Select, String, bindparam, select

from ...geo import services as geo
from ..models import Listing, ListingLanguage
from .fulltext import FTS_COLUMNS, Relevance
from .params import RADII
from .statements import Section, Within, run, within

# Texts scored for relevance are read this many listings at a time.
TEXTS_BATCH = 500
# The local list is counted exactly up to this many; past it the page says "more than".
LOCAL_COUNT_LIMIT = 1000
# Below this many local results the page offers a wider radius.
FEW_RESULTS = 5


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


@dataclass(frozen=True)
class LocalList:
    """The local list as far as it was read: every listing within the radius (`exact`), or past the count's
    limit the first of them, every one within a distance band's edge: the sorted list's beginning."""

    rows: list[LocalRow]
    total: int  # how many lie within the radius: exactly, or (not exact) more than this
    exact: bool
    hybrid_ids: frozenset[int]  # hybrid listings among those read (all of them, when exact)


_by_distance = attrgetter("miles", "id")


def local_candidates(section: Section, origin: geo.Location, radius: float, shown: slice | None = None,
                     language: str | None = None, count_limit: int = LOCAL_COUNT_LIMIT) -> LocalList:
    """Listings met in person within `radius` miles, sorted: nearest first; within each distance band,
    those offered in `language` first (None: no language is put first), then the best match for the
    keywords.

    Neither changes which band a listing is in, so both are looked up only for the bands the `shown`
    rows fall in; elsewhere rank is None, in_language False, and the order within a band is by distance.
    The list is counted up to `count_limit`. Past it, the bands are read outwards until they hold the
    `shown` rows and at least FEW_RESULTS (so whether few are near is known), and the total is a
    lower bound.
    """
    counted = within(section, origin, radius, Within.LOCAL, limit=count_limit + 1)
    found, exact = counted, len(counted) <= count_limit
    if not exact:
        needed = max(shown.stop if shown is not None else 0, FEW_RESULTS)
        for edge in (edge for edge in RADII if edge < radius):
            found = within(section, origin, edge, Within.LOCAL)
            if len(found) >= needed:
                break
        else:  # the page reaches the last band: the whole list is read after all
            found = within(section, origin, radius, Within.LOCAL)
            exact = True
    hybrid_ids = frozenset(row.id for row in counted if row.hybrid)
    if found is not counted:
        hybrid_ids |= {row.id for row in found if row.hybrid}
    rows = [LocalRow(listing_id, miles, None, bool(hybrid)) for listing_id, miles, hybrid in found]
    rows = _sorted(section, rows, shown, language)
    return LocalList(rows, len(rows) if exact else count_limit, exact, hybrid_ids)


def _sorted(section: Section, rows: list[LocalRow], shown: slice | None,
            language: str | None) -> list[LocalRow]:
    """The rows in the local list's order (see local_candidates)."""
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


@lru_cache(maxsize=1)
def texts_statement() -> Select[*tuple[Any, ...]]:
    """The words of the listings with :ids, for scoring their relevance."""
    columns = [getattr(Listing, name) for name in FTS_COLUMNS]
    return select(Listing.id, *columns).where(Listing.id.in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=1)
def held_in_statement() -> Select[*tuple[Any, ...]]:
    """Which of the listings with :ids are offered in the language :code."""
    return select(ListingLanguage.listing_id).where(
        ListingLanguage.code == bindparam("code", type_=String),
        ListingLanguage.listing_id.in_(bindparam("ids", expanding=True)),
    )


def _held_in(language: str, ids: list[int]) -> frozenset[int]:
    """Which of these listings are offered in `language`."""
    held: set[int] = set()
    for first in range(0, len(ids), TEXTS_BATCH):
        batch = ids[first:first + TEXTS_BATCH]
        held.update(row[0] for row in run(held_in_statement(), {"code": language, "ids": batch}))
    return frozenset(held)


def _relevance(user_text: str, ids: list[int]) -> dict[int, float]:
    """How well each of these (matching) listings fits the words: read and scored only for them."""
    relevance = Relevance(user_text)
    scores: dict[int, float] = {}
    for first in range(0, len(ids), TEXTS_BATCH):
        for listing_id, *text in run(texts_statement(), {"ids": ids[first:first + TEXTS_BATCH]}):
            scores[listing_id] = relevance.score(text)
    return scores


def _by_band_and_rank(row: LocalRow) -> tuple[Any, ...]:
    """The nearest distance band first; within it, listings in the language put first, then the best match."""
    return (distance_band(row.miles), not row.in_language, -(row.rank or 0.0), row.miles, row.id)


def distance_band(miles: float) -> int:
    """Index of the smallest radius choice that contains a distance: within 1, 5, 10, 25, 50 or 100 miles
    (the page's radius choices, see params.RADII), the bands the local list is ordered within."""
    return next((index for index, edge in enumerate(RADII) if miles <= edge), len(RADII))


def counts_up_to(section: Section, origin: geo.Location, reach: int) -> dict[int, int]:
    """How many matching in-person listings are within each radius on offer (RADII) up to `reach`, one
    of them, by radius."""
    [counts] = within(section, origin, reach, Within.COUNTS)
    return {radius: count for radius, count in zip(RADII, counts, strict=True) if radius <= reach}


def wider_counts(section: Section, origin: geo.Location, radius: int, current: int,
                 at_least: int) -> tuple[WiderRadius | None, dict[int, int]]:
    """The smallest radius on offer past `radius` that finds more than `current` listings (None when
    even the widest does not), and the counts read to know it, up to `at_least` miles or more.

    Counted first up to the next radius (or `at_least`), whose box is a sixteenth of the widest's in
    area, and only when that finds nothing more, up to the widest: a place with few results nearby
    most often has more a little farther."""
    first = next(reach for reach in RADII if reach > radius and reach >= at_least)
    counts = counts_up_to(section, origin, first)
    wider = wider_radius(counts, radius, current)
    if wider is None and first < RADII[-1]:
        counts = counts_up_to(section, origin, RADII[-1])
        wider = wider_radius(counts, radius, current)
    return wider, counts


def wider_radius(counts: dict[int, int], radius: int, current: int) -> WiderRadius | None:
    """The smallest larger radius that finds more than `current` listings, with its count (among the
    radii counted)."""
    for wider in sorted(counts):
        if wider > radius and counts[wider] > current:
            return WiderRadius(wider, counts[wider])
    return None
