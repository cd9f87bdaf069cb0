"""PostgreSQL's indexes for each list of a search: by distance and words together.

Two questions cost the most in a search on PostgreSQL, and B-tree boxes answer both badly:
- The online list is not bound to an area, yet it is shown nearest first: the nearest may be two
  miles away or two thousand. Boxes that grow until they hold enough (what SQLite does, see
  online) take two or three statements for a sparse filter or a remote place, each
  reading every listing in a wider box. A GiST index returns rows in order of distance and stops when
  the statement has its LIMIT (a nearest-neighbour scan): one short statement, however far.
- With keywords, every listing in a box had its words checked in the table (or the planner decoded
  a common word's whole list of matches from the full-text index). A GiST index over the point *and*
  the words keeps a signature of each listing's words beside its point, so a box is read with the
  words checked on the index entries, and only near-certain matches are read from the table.

The indexes order and bound by straight lines, so each listing's public point (see privacy: rounded
unless the organiser chose the exact place) is stored as a unit vector, a point of the `cube` type
from the extension of that name that ships with PostgreSQL (trusted since PostgreSQL 13, so a
database owner may install it). The straight-line distance between two points on a sphere grows with
the great-circle distance, so the nearest by one are the nearest by the other, and a cube around the
origin holds every point within a great-circle distance. The search still measures each row by the
haversine formula, as everywhere else.

Each list has its own partial indexes (published listings met in person, and those joinable
online), so neither reads the other's entries. The online list's count asks for words among online
listings only, so it has a full-text index of its own too (migration 0007). SQLite has none of this:
it keeps the boxes, and reads a search's keyword matches once (fulltext.prepare_keyword_search).

A full-text index answers a common word's search whole before the statement's LIMIT counts a row:
PostgreSQL's GIN index collects every match of the word into a bitmap (55,000 online listings at a
million: 11 to 28 ms for the online list's count), where the GiST index, read in its own order, stops
once the count has its limit (under a millisecond to a few). The planner prefers the bitmap even then:
it costs each row read from the table in index order as a random read, and a phrase's matches far too
low. So the count decides from the planner's estimate of the words' matches (see `words_are_common`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Float, bindparam, func, literal_column, text
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType

from ...extensions import db
from ...geo.distance import EARTH_RADIUS_MILES
from ..models import FORMAT_HYBRID, FORMAT_IN_PERSON, FORMAT_ONLINE
from .fulltext import PG_COLUMN, PG_WORDS

EXTENSION = "cube"
COLUMN = "search_point"
# The formats of each list a search shows, and its index over (point, words). Each index is partial, on
# published listings of its list's formats: the search binds the same values (see statements.Section),
# or the planner would not use it.
IN_PERSON_FORMATS = (FORMAT_IN_PERSON, FORMAT_HYBRID)
ONLINE_FORMATS = (FORMAT_ONLINE, FORMAT_HYBRID)
IN_PERSON_INDEX = "ix_listings_in_person_point_words"
ONLINE_INDEX = "ix_listings_online_point_words"
# The online list's words and topic facets (see fulltext), for its count.
ONLINE_WORDS_INDEX = "ix_listings_online_words"
# Words the planner expects more listings than this to match are common: a statement stopping at a LIMIT
# reads them from an index in its order, not through a bitmap of every match (see `in_index_order`).
COMMON_WORDS_LISTINGS = 10_000
# A cube around the origin a hair wider than the reach: points on its edge are measured, not lost.
EDGE_MILES = 0.01


class Cube(UserDefinedType[Any]):
    """The extension's type, named so that reading the schema back (migrations' comparisons) knows it."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return EXTENSION


ischema_names.setdefault(EXTENSION, Cube)


def _point() -> ColumnElement[Any]:
    return literal_column(f"listings.{COLUMN}")


def _origin() -> ColumnElement[Any]:
    return func.cube(array([bindparam(name, type_=Float) for name in ("origin_x", "origin_y", "origin_z")]))


def located() -> ColumnElement[bool]:
    """SQL condition 'this listing has a point' (the others come after every located one)."""
    return _point().is_not(None)


def distance_order() -> ColumnElement[float]:
    """SQL to ORDER BY for nearest first, from the origin `origin_values` binds: what the index reads."""
    return _point().op("<->", return_type=Float)(_origin())


def within_reach() -> ColumnElement[bool]:
    """SQL condition 'the point lies in the cube around the origin that holds every point within
    the reach `origin_values` binds': what the index bounds a search by."""
    cube = func.cube_enlarge(_origin(), bindparam("chord", type_=Float), 3)
    return _point().op("<@", is_comparison=True)(cube)


def origin_values(latitude: float, longitude: float, reach_miles: float = 0.0) -> dict[str, float]:
    """The origin as the unit vector `distance_order` and `within_reach` bind, and the reach as the
    straight-line distance (chord) between two points that far apart."""
    phi, lam = math.radians(latitude), math.radians(longitude)
    angle = min((reach_miles + EDGE_MILES) / EARTH_RADIUS_MILES, math.pi)
    return {"origin_x": math.cos(phi) * math.cos(lam), "origin_y": math.cos(phi) * math.sin(lam),
            "origin_z": math.sin(phi), "chord": 2 * math.sin(angle / 2)}


def words_are_common(keywords: str) -> bool:
    """Whether the planner expects more than COMMON_WORDS_LISTINGS listings to match the words (as
    fulltext.PG_WORDS reads them, bound as :keywords). Its estimate comes from the statistics ANALYZE
    keeps of the documents' most common words: it costs a plan (half a millisecond), no read."""
    sql = f"EXPLAIN (FORMAT JSON) SELECT 1 FROM listings WHERE {PG_COLUMN} @@ {PG_WORDS}"  # noqa: S608  # nosec B608
    statement = text(sql)  # the module's constants only; the words are bound
    plan = db.session.connection().execute(statement, {"keywords": keywords}).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"]) > COMMON_WORDS_LISTINGS


@contextmanager
def in_index_order() -> Iterator[None]:
    """Statements run inside are planned without bitmap scans, so an index is read in its own order and
    the statement stops at its LIMIT. For as long as the block runs, in this transaction only: should a
    statement fail, the transaction is rolled back, and the setting with it."""
    connection = db.session.connection()
    connection.execute(text("SET LOCAL enable_bitmapscan = off"))
    yield
    connection.execute(text("SET LOCAL enable_bitmapscan TO DEFAULT"))
