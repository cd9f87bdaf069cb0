"""The online list's own SQL, besides its reads within reach of a place (see statements.within): its count,
its freshest, all of it, and on PostgreSQL its nearest read from an index. Built once per shape, cached."""

from __future__ import annotations

import itertools
from dataclasses import replace
from enum import Enum
from functools import lru_cache
from typing import Any, assert_never

from sqlalchemy import DateTime, Integer, Select, bindparam, literal_column, not_, or_, select, table, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from ...geo.distance import distance_miles_sql
from ..models import FORMAT_HYBRID, Listing
from ..privacy import public_point_sql
from . import indexes
from .fulltext import FTS_TABLE, ID_MASK
from .statements import Shape, bound_float, bound_limit, not_beside, where


class OnlineQuery(Enum):
    """The online list's statements besides those within reach of a place."""

    COUNTED = "counted"  # the ids that count it, up to :limit
    # The same, read from the words' matches in the full-text table's order, at most :scan of them (SQLite).
    COUNTED_FROM_MATCHES = "counted from matches"
    EVERYTHING = "everything"  # every listing of it, as `online_rows` reads them
    NEWEST = "newest"  # (id, name, confirmed at) of the :limit most recently confirmed
    SINCE = "since"  # the same, of every listing confirmed :since or later
    UNCONFIRMED = "unconfirmed"  # the same, of every listing never confirmed


def online_rows() -> Select[*tuple[Any, ...]]:
    """What the online list reads of a listing to measure it in Python."""
    return select(Listing.id, Listing.latitude, Listing.longitude, Listing.location_precision, Listing.name,
                  Listing.last_confirmed_at)


@lru_cache(maxsize=256)
def online_statement(shape: Shape, query: OnlineQuery,
                     beside_in: str | None = None) -> Select[*tuple[Any, ...]]:
    """`beside_in`: a local list is beside the online list, and the hybrid listings it shows are left
    out (see not_beside: the origin and :beside are bound), measured in this dialect's SQL."""
    confirmed = Listing.last_confirmed_at
    from_matches = query is OnlineQuery.COUNTED_FROM_MATCHES
    conditions = where(replace(shape, keywords=None) if from_matches else shape, facets=True)
    if beside_in is not None:
        # Measured through a second reading of the row, which only hybrid listings need: this way the
        # statement's own columns stay those of the index that covers the online list's count.
        again = aliased(Listing, name="measured")
        distance = distance_miles_sql(*public_point_sql(again), capped=beside_in == "postgresql")
        beside = select(again.id).where(again.id == Listing.id, distance <= bound_float("beside")).exists()
        conditions = (*conditions, or_(Listing.format != FORMAT_HYBRID, not_(beside)))
    base = select(Listing.id, Listing.name, confirmed).where(*conditions)
    match query:
        case OnlineQuery.COUNTED:
            return select(Listing.id).where(*conditions).limit(bound_limit())
        case OnlineQuery.COUNTED_FROM_MATCHES:
            # Each match's listing read by its key, in the order FTS5 gives them, so the statement stops at
            # its limit having read only as many matches as it took.
            key = literal_column("rowid", Integer).op("&", return_type=Integer)(ID_MASK)
            matched = (select(key.label("id")).select_from(table(FTS_TABLE))
                       .where(text(f"{FTS_TABLE} MATCH :keywords"))
                       .limit(bindparam("scan", type_=Integer)).subquery("matched"))
            joined = _InThisOrder(matched, Listing.__table__, Listing.id == matched.c.id)
            return select(Listing.id).select_from(joined).where(*conditions).limit(bound_limit())
        case OnlineQuery.EVERYTHING:
            # The ids first, from the index the count reads; then only those rows from the table.
            # Asked in one go, SQLite may read most of the directory's rows by their confirmation
            # dates, or the whole table, for a list known to be short.
            return online_rows().where(Listing.id.in_(select(Listing.id).where(*conditions)))
        case OnlineQuery.NEWEST:
            return base.where(confirmed.is_not(None)).order_by(confirmed.desc()).limit(bound_limit())
        case OnlineQuery.SINCE:
            return base.where(confirmed >= bindparam("since", type_=DateTime))
        case OnlineQuery.UNCONFIRMED:
            return base.where(confirmed.is_(None))
        case _:
            assert_never(query)


class _InThisOrder(Join):
    """A join SQLite runs in the order written, its left side read first, row by row (SQLite's documented
    CROSS JOIN): otherwise it reads a subquery on the left whole before joining (MATERIALIZE)."""

    inherit_cache = True


@compiles(_InThisOrder, "sqlite")
def _render_in_this_order(join: _InThisOrder, compiler: SQLCompiler, from_linter: Any = None,
                          **kw: Any) -> str:
    kw.pop("asfrom", None)
    assert join.onclause is not None  # noqa: S101  # nosec B101 - built with one above
    if from_linter:  # the two sides are joined: no cartesian product to warn of
        from_linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    return (compiler.process(join.left, asfrom=True, from_linter=from_linter, **kw) + " CROSS JOIN "
            + compiler.process(join.right, asfrom=True, from_linter=from_linter, **kw) + " ON "
            + compiler.process(join.onclause, from_linter=from_linter, **kw))


@lru_cache(maxsize=1)
def online_rows_by_id() -> Select[*tuple[Any, ...]]:
    return online_rows().where(Listing.id.in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=256)
def nearest_statement(shape: Shape) -> Select[*tuple[Any, ...]]:
    """PostgreSQL: (id, miles, name, confirmed at) of the first :limit located listings of the online
    list, nearest first, read in that order from its GiST index (indexes.ONLINE_INDEX), leaving out
    the hybrid listings within :beside miles (see not_beside)."""
    distance = distance_miles_sql(*public_point_sql(), capped=True)  # measured anywhere on earth
    return (
        select(Listing.id, distance.label("miles"), Listing.name, Listing.last_confirmed_at)
        .where(*where(shape), indexes.located(), not_beside(Listing.format == FORMAT_HYBRID, distance))
        .order_by(indexes.distance_order())
        .limit(bound_limit())
    )
