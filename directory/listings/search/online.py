"""The online list: listings one can join online, wherever they are, nearest first (without a place,
the most recently confirmed first), then by name.

Only what the page needs is read and measured, in the same order as sorting every online listing:
the nearest are found in boxes that grow until they hold enough (SQLite) or read nearest first from
an index (PostgreSQL, see indexes), the freshest by the database's index; ties at the limit
are read in full. The list is counted exactly up to a limit, past which the page says "more than".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter
from typing import Any, NamedTuple

from ...extensions import db
from ...geo import services as geo
from ...geo.distance import distance_miles, distance_parameters
from ..privacy import public_coordinates
from . import cache, indexes
from .online_statements import OnlineQuery, nearest_statement, online_rows_by_id, online_statement
from .statements import Section, Shape, Within, run, within

# Online listings shown beside local results; the rest are one link away (format=online).
ONLINE_PREVIEW = 5
# The online list is counted exactly up to this many; past it the page says "more than".
ONLINE_COUNT_LIMIT = 100
# SQLite, words with many matches: the online list is counted from the matches themselves, reading at
# most this many (some 10 ms at worst) before every match is copied for the usual count instead.
MATCHES_READ_TO_COUNT = 10_000
# When the online list is the one paginated, it is counted at least this many pages past the current one.
PAGES_AHEAD = 5
# How far around a place the online list looks for its nearest before it reads every online listing.
ONLINE_REACH_MILES = (25, 50, 100, 200, 400, 800, 1600)
# Each reach at most this many times the last: a box costs as its area, and an empty one tells little
# about how far the nearest are.
ONLINE_REACH_GROWTH = 4
# PostgreSQL's index orders by a straight line and the page by the haversine formula: the two agree
# but in the last bits of a double, so distances closer than this count as a tie (1.6 millimetres).
SAME_DISTANCE_MILES = 1e-6


class OnlineRow(NamedTuple):
    """A listing of the online list, with what it is sorted by."""

    id: int
    miles: float | None  # None without a place, or for a listing without a point
    name: str  # lower case
    confirmed_at: datetime | None


def online_candidates(section: Section, origin: geo.Location | None, *, needed: int, paginated_by: int | None,
                      beside_miles: float | None = None,
                      beside_ids: frozenset[int] | None = None) -> tuple[list[OnlineRow], int, bool]:
    """The first `needed` listings of the online list; how many it holds; whether exactly.

    Keywords only narrow the list. `beside_miles` is the radius of the local list beside this one
    (None: there is none): the hybrid listings within it are that list's, so they are left out of
    this one and its count (see statements.not_beside). `beside_ids` are those listings when the local
    list knows every one: the count then reads them with the rest and takes them off, which costs less
    than measuring each hybrid listing it reads. The count stops at ONLINE_COUNT_LIMIT, or, when this
    is the list the page numbers apply to (`paginated_by` is the page size), PAGES_AHEAD pages past the
    page. The count reads the ids it counts: when they are no more than its limit, they are the whole
    list, and only their rows are left to read.
    """
    count_limit = max(ONLINE_COUNT_LIMIT, needed + (paginated_by or 0) * PAGES_AHEAD)
    beside = _Beside.of(origin, beside_miles)
    known = beside_ids if beside.measured_in is not None and beside_ids is not None else None
    taken_off = known or frozenset()
    # Listings taken off are among those counted, so the limit makes room for them.
    limit = count_limit + len(taken_off)
    measured_in = beside.measured_in if known is None else None
    counted = _counted_kept(section, {**section.values, **beside.values, "limit": limit + 1}, measured_in)
    exact = len(counted) <= limit
    total = min(len(counted), limit) - len(taken_off)
    if needed <= 0 or total <= 0:
        return [], max(total, 0), exact
    if exact:  # the count read the whole list's ids: only their rows are left to read
        ids = [listing_id for listing_id in counted if listing_id not in taken_off]
        rows = _every_online(section, origin, beside, ids=ids)
    elif origin is not None:
        rows = _nearest_online(section, origin, needed, beside)
    else:
        rows = _first_online(section, needed)
    # Stable sorts, least important key first.
    rows.sort(key=_by_name)
    if origin is not None:
        rows.sort(key=_by_distance)
    else:
        # Without a place, the most recently confirmed first: fresh listings are likelier to answer.
        rows.sort(key=_by_confirmation, reverse=True)
    return rows[:needed], total, exact


def _counted_kept(section: Section, values: dict[str, Any], measured_in: str | None) -> list[int]:
    """The ids `_counted` reads, up to :limit. When they do not depend on the place (nothing is measured:
    the local list beside knows its hybrid listings, or there is none), every search with the same
    filters reads the same ones: they are kept briefly (see cache.kept_briefly), read up to the next
    power of two so that searches whose limits differ by the local list's hybrid listings share them."""
    if measured_in is not None:
        return [row.id for row in _counted(section, values, measured_in)]
    read = 1 << values["limit"].bit_length()
    # The cutoff moves with the clock; the keeping bounds how far behind it the ids may be.
    filters = tuple(sorted((name, tuple(value) if isinstance(value, list) else value)
                           for name, value in section.values.items() if name != "cutoff"))
    ids = cache.kept_briefly(
        ("online count", section.shape, filters, read),
        lambda: tuple(row.id for row in _counted(section, {**values, "limit": read}, None)))
    return list(ids)


def _counted(section: Section, values: dict[str, Any], measured_in: str | None) -> list[Any]:
    """The ids that count the online list, up to :limit (see online_statements.OnlineQuery.COUNTED).

    SQLite, with words that match many listings (whose matches are copied by area, see
    fulltext.KeywordMatches): read from the matches first, which finds the limit's worth after a few
    hundred for a common word, or reads every match of words that have fewer than it may read. Only
    a list that falls short of the limit after reading that many has every match copied and is
    counted the usual way. PostgreSQL, with common words and no other filter: read in the order of an
    index, see `_common_words_alone`.
    """
    counted = online_statement(section.shape, OnlineQuery.COUNTED, measured_in)
    if _common_words_alone(section):
        with indexes.in_index_order():
            return run(counted, values)
    matches = section.matches
    if matches is not None and not matches.complete:
        found = run(online_statement(section.shape, OnlineQuery.COUNTED_FROM_MATCHES, measured_in),
                    {**values, "scan": MATCHES_READ_TO_COUNT})
        if len(found) >= values["limit"]:
            return found
        if matches.count_up_to(MATCHES_READ_TO_COUNT) < MATCHES_READ_TO_COUNT:  # it read every match
            return found
    _every_match(section)
    return run(counted, values)


def _common_words_alone(section: Section) -> bool:
    """PostgreSQL, filtered by nothing but common words: the count reads the online list's GiST index in its
    order and stops at its limit (see indexes). Any other filter is checked on the table's rows, for
    which the bitmaps of the full-text index (the words and the topics' facets) or of another filter's
    index are what keep the rows read few."""
    shape = section.shape
    return (shape.keywords == "postgresql" and replace(shape, keywords=None, expires=False) == Shape()
            and indexes.words_are_common(section.values["keywords"]))


def _every_match(section: Section) -> None:
    """Before a statement bound to no area: every match of the words copied (see fulltext.KeywordMatches)."""
    if section.matches is not None:
        section.matches.cover_all()


@dataclass(frozen=True)
class _Beside:
    """The local list beside the online list, as the statements that leave out its hybrid listings see
    it: the database they measure in (None: no local list) and what they bind, the origin and
    :beside, its radius (negative when there is none)."""

    dialect: str
    measured_in: str | None
    values: dict[str, float]

    @classmethod
    def of(cls, origin: geo.Location | None, miles: float | None) -> _Beside:
        dialect = db.engine.dialect.name
        if origin is None or miles is None:
            return cls(dialect, None, {"beside": -1.0})
        values = distance_parameters(origin.latitude, origin.longitude)
        return cls(dialect, dialect, {**values, "beside": miles})


_by_name = attrgetter("name", "id")


def _by_distance(row: OnlineRow) -> tuple[bool, float]:
    return (row.miles is None, row.miles or 0.0)


def _by_confirmation(row: OnlineRow) -> datetime:
    return row.confirmed_at or datetime.min


def _nearest_online(section: Section, origin: geo.Location, needed: int, beside: _Beside) -> list[OnlineRow]:
    """At least the `needed` nearest online listings, with every one tied with the last of them, so
    sorting them by name gives the same page as sorting everything."""
    if beside.dialect == "postgresql":
        return _nearest_online_by_index(section, origin, needed, beside)
    return _nearest_online_in_boxes(section, origin, needed, beside)


def _nearest_online_by_index(section: Section, origin: geo.Location, needed: int,
                             beside: _Beside) -> list[OnlineRow]:
    """PostgreSQL: read nearest first from the online list's index (see indexes)."""
    limit = needed + 1
    values = {**section.values, **distance_parameters(origin.latitude, origin.longitude),
              **indexes.origin_values(origin.latitude, origin.longitude), **beside.values, "limit": limit}
    found = run(nearest_statement(section.shape), values)
    rows = sorted(found, key=attrgetter("miles"))
    if len(rows) < needed:
        # Every located listing is here and too few: the rest have no point, and come last.
        return _every_online(section, origin, beside)
    if len(found) == limit:
        # More lie beyond, none nearer than these (to the last bits): a tie with the last one needed
        # may run past the limit, so then every listing as near is read.
        boundary = rows[needed - 1].miles
        if rows[needed].miles - boundary <= SAME_DISTANCE_MILES:
            rows = within(section, origin, boundary + SAME_DISTANCE_MILES, Within.ONLINE, more=beside.values)
    return _named(rows)


def _nearest_online_in_boxes(section: Section, origin: geo.Location, needed: int,
                             beside: _Beside) -> list[OnlineRow]:
    """SQLite: every online listing within a reach that grows until it holds at least `needed`.

    The database returns the nearest few within a reach by distance; rows tied in distance with the
    last one needed are all read.
    """
    limit = needed + 1
    reach: float | None = ONLINE_REACH_MILES[0]
    while reach is not None:
        rows = found = within(section, origin, reach, Within.NEAREST, limit=limit, more=beside.values)
        if len(found) == limit:
            # More lie within reach, all farther than these; `rows` holds at least needed + 1.
            boundary = rows[needed - 1].miles
            if rows[needed].miles == boundary:
                # A tie runs past the limit: read every listing as near as the last one needed.
                rows = within(section, origin, boundary, Within.ONLINE, more=beside.values)
        if len(rows) >= needed:
            return _named(rows)
        reach = _next_reach(reach, len(rows), needed)
    # Too few anywhere near: measure every one (those without a point come last).
    return _every_online(section, origin, beside)


def _next_reach(reach: float, found: int, needed: int) -> float | None:
    """The next reach to try: far enough, at the density just seen, to hold what is needed (and a
    quarter more), so sparse places skip the steps that would come up short; but at most
    ONLINE_REACH_GROWTH times as far, since a box costs as its area and an empty one tells little
    about density. None past the last."""
    farther = [step for step in ONLINE_REACH_MILES if step > reach]
    if not farther:
        return None
    steps = [step for step in farther if step <= reach * ONLINE_REACH_GROWTH] or farther[:1]
    # Listings in a box grow with its area, so with the square of the reach.
    hoped = reach * math.sqrt(needed / max(found, 0.25)) * 1.25
    return next((step for step in steps if step >= hoped), steps[-1])


def _first_online(section: Section, count: int) -> list[OnlineRow]:
    """At least the `count` most recently confirmed online listings, with every one tied with the last.

    Never-confirmed listings come last. They are asked for separately, so both databases read the
    (status, last_confirmed_at) index backwards instead of sorting every online listing.
    """
    shape, values = section.shape, section.values
    _every_match(section)
    found = run(online_statement(shape, OnlineQuery.NEWEST), {**values, "limit": count + 1})
    if len(found) > count:
        last = found[count - 1].last_confirmed_at
        if found[count].last_confirmed_at == last:
            # The tie runs past the limit: read every listing confirmed no earlier than the last one shown.
            found = run(online_statement(shape, OnlineQuery.SINCE), {**values, "since": last})
    else:
        found = [*found, *run(online_statement(shape, OnlineQuery.UNCONFIRMED), values)]
    return [OnlineRow(listing_id, None, name.lower(), confirmed) for listing_id, name, confirmed in found]


def _every_online(section: Section, origin: geo.Location | None, beside: _Beside,
                  ids: list[int] | None = None) -> list[OnlineRow]:
    """Every online listing, measured in Python: for lists known to be short. `ids`: the whole list's,
    when a count has read them already."""
    if ids is not None:
        everything = run(online_rows_by_id(), {"ids": ids})
    else:
        _every_match(section)
        statement = online_statement(section.shape, OnlineQuery.EVERYTHING, beside.measured_in)
        everything = run(statement, {**section.values, **beside.values})
    return [_measured(row, origin) for row in everything]


def _measured(row: tuple[Any, ...], origin: geo.Location | None) -> OnlineRow:
    """A row of `online_statements.online_rows` measured in Python (no miles without an origin)."""
    listing_id, latitude, longitude, precision, name, confirmed = row
    miles = None
    point = public_coordinates(latitude, longitude, precision) if origin is not None else None
    if origin is not None and point is not None:
        miles = distance_miles(origin.latitude, origin.longitude, *point)
    return OnlineRow(listing_id, miles, name.lower(), confirmed)


def _named(rows: Iterable[tuple[Any, ...]]) -> list[OnlineRow]:
    """OnlineRows of (id, miles, name, confirmed at) rows read within reach of a place."""
    return [OnlineRow(listing_id, miles, name.lower(), confirmed)
            for listing_id, miles, name, confirmed in rows]
