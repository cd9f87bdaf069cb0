"""The search's SQL: each statement built once per shape of search, cached, and run with bound values.

Building a SQLAlchemy statement costs more than the database takes to run it here (a few ms for the
search's dozens of conditions), so each statement is built once per *shape* (which filters a search
has) and every search only binds its values. A `Section` is one list of the results (met in person,
or joinable online): its shape and its values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Any, assert_never

from flask import current_app
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Select,
    String,
    TextClause,
    any_,
    bindparam,
    case,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import InternalTraversal

from ... import driver
from ...extensions import db
from ...geo import services as geo
from ...geo.distance import bounding_box, distance_miles_sql, distance_parameters
from ..models import (
    FORMAT_HYBRID,
    KIND_MENTOR,
    Listing,
    ListingLanguage,
    Meeting,
    latitude_band,
    listing_audiences,
    listing_topics,
)
from ..privacy import public_point_sql
from ..visibility import public_clause
from . import indexes, topic_bits
from .fulltext import KeywordMatches, facet_values, keyword_clause
from .params import RADII, SearchParams, Vocabulary

# How far rounding can move a point, at most: the bounding box grows by this so no listing is missed.
ROUNDING_MARGIN_MILES = 0.5


def run(statement: Select[Any], values: Mapping[str, Any] | None = None) -> list[Any]:
    """A Core statement's rows, run on the session's connection (and in its transaction), read as Rows are.
    The search's statements read plain columns: SQLAlchemy's execution layer would add nothing to them
    but time, so they go through the driver (see driver)."""
    return driver.rows(db.session.connection(), statement, values or {})


class TopicMatch(Enum):
    """How a section's statements answer a topic filter."""

    BITS = "bits"  # listings.topic_bits alone: every topic has a bit of its own (see topic_bits.unique)
    CHECKED = "checked"  # the bits, then listing_topics for the listings they let through


@dataclass(frozen=True)
class Shape:
    """Which conditions a section's SQL holds; the values are bound separately."""

    kind: bool = False
    cost: bool = False
    language: bool = False
    topics: TopicMatch | None = None
    audiences: bool = False
    days: bool = False
    expires: bool = False
    keywords: str | None = None  # with keywords, how they are matched (see fulltext.keyword_clause)


@dataclass(frozen=True)
class Section:
    """One list of the results (met in person, or joinable online): its shape, its values, its words
    (as typed, and as the statements match them)."""

    shape: Shape
    values: dict[str, Any]
    q: str = ""
    matches: KeywordMatches | None = field(default=None, compare=False)

    @classmethod
    def of(cls, params: SearchParams, formats: tuple[str, ...], keywords: str | None,
           matches: KeywordMatches | None, vocabulary: Vocabulary, now: datetime) -> Section:
        """`formats` are the formats a section holds; a format filter of 'hybrid' narrows it to hybrid
        only (in person and online need no narrowing: each section is one of those, hybrid included).
        `matches` says how `keywords` are matched (see fulltext.prepare_keyword_search)."""
        formats = (FORMAT_HYBRID,) if params.format == FORMAT_HYBRID else formats
        values: dict[str, Any] = {"formats": list(formats)}
        # A listing nobody has confirmed in a long while leaves the search, even before it is expired.
        expire_days = current_app.config.get("EXPIRE_AFTER_DAYS")
        if expire_days:
            values["cutoff"] = now - timedelta(days=int(expire_days))
        for name, value in (("kind", params.kind), ("cost", params.cost), ("language", params.language),
                            ("topics", list(vocabulary.topics)), ("audiences", list(vocabulary.audiences)),
                            ("days", list(params.weekday_numbers)), ("keywords", keywords)):
            if value:
                values[name] = value
        topics = None
        if "topics" in values:
            values["topic_mask"] = topic_bits.mask(values["topics"])
            topics = TopicMatch.BITS if vocabulary.topic_bits_unique else TopicMatch.CHECKED
        keyword_kind = matches.kind if keywords and matches is not None else None
        if keyword_kind is not None:
            values.update(facet_values(keyword_kind, formats, values.get("topics", ())))
        shape = Shape(kind="kind" in values, cost="cost" in values, language="language" in values,
                      topics=topics, audiences="audiences" in values, days="days" in values,
                      expires="cutoff" in values, keywords=keyword_kind)
        return cls(shape, values, params.q if keywords else "", matches if keyword_kind else None)


def bound_float(name: str) -> BindParameter[float]:
    """A float value the statement binds under `name`."""
    return bindparam(name, type_=Float)


def bound_limit() -> BindParameter[int]:
    """The statement's LIMIT, bound as :limit."""
    return bindparam("limit", type_=Integer)


class _UnindexedOnSQLite(ColumnElement[Any]):
    """A column that SQLite may not use to pick an index (its documented way: a unary + on the term);
    other databases read it as is. See `where` for when a search needs it."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_UnindexedOnSQLite)
def _render_unindexed(element: _UnindexedOnSQLite, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return "+" + column if compiler.dialect.name == "sqlite" else column


@lru_cache(maxsize=256)
def where(shape: Shape, unindexed_format: bool = False, facets: bool = False) -> tuple[Any, ...]:
    """Every condition a public listing in a section must meet, except where it is.

    `unindexed_format`: SQLite must not pick an index by the format term. A box
    is best read from the box's index, but SQLite without statistics (a database nobody has
    analysed) may pick the status/format index instead and read every online listing in the
    country. `facets`: with keywords and topics, PostgreSQL asks its full-text index for the topics'
    facets too (see fulltext.keyword_clause). Only statements that read that index want them: in a
    statement read from another index they would only make the full-text one look cheaper to the
    planner than it is.
    """
    listing_format = _UnindexedOnSQLite(Listing.format.expression) if unindexed_format else Listing.format
    conditions: list[ColumnElement[bool] | TextClause] = [
        public_clause(), listing_format.in_(bindparam("formats", expanding=True))]
    if shape.expires:
        conditions.append(or_(Listing.last_confirmed_at.is_(None),
                              Listing.last_confirmed_at >= bindparam("cutoff", type_=DateTime)))
    if shape.kind:
        conditions.append(Listing.kind == bindparam("kind", type_=String))
    if shape.cost:
        conditions.append(Listing.cost == bindparam("cost", type_=String))
    # Correlated EXISTS, not `id IN (...)`: SQLite would otherwise read every listing with a topic
    # through its primary key instead of the bounding box's index, and PostgreSQL plans both alike.
    if shape.language:
        conditions.append(
            select(ListingLanguage.listing_id)
            .where(ListingLanguage.listing_id == Listing.id,
                   ListingLanguage.code == bindparam("language", type_=String))
            .exists()
        )
    if shape.topics is not None:
        conditions.append(Listing.topic_bits.op("&")(bindparam("topic_mask", type_=BigInteger)) != 0)
    # A topic (past the bits) or audience filter: any of the ids bound under the parameter's name.
    for wanted, name, links, linked in ((shape.topics is TopicMatch.CHECKED, "topics", listing_topics,
                                         listing_topics.c.topic_id),
                                        (shape.audiences, "audiences", listing_audiences,
                                         listing_audiences.c.audience_id)):
        if wanted:
            conditions.append(
                select(links.c.listing_id)
                .where(links.c.listing_id == Listing.id, linked.in_(bindparam(name, expanding=True)))
                .exists()
            )
    if shape.days:
        # Mentors arrange times with each person, so a day filter narrows groups only.
        conditions.append(
            or_(
                Listing.kind == KIND_MENTOR,
                select(Meeting.id)
                .where(Meeting.listing_id == Listing.id,
                       Meeting.weekday.in_(bindparam("days", expanding=True)))
                .exists(),
            )
        )
    if shape.keywords:
        topics = shape.topics is not None
        conditions.append(keyword_clause(shape.keywords, facets=facets and topics, topics=topics))
    return tuple(conditions)


# Within reach of a place ------------------------------------------------------------------------------


class Within(Enum):
    """What a 'within reach' statement returns of each listing besides its id and distance (miles)."""

    LOCAL = "local"  # whether it is hybrid: the local list (up to :limit, when a limit is given)
    # Its name and confirmation date: every online listing within reach but those the local list beside
    # shows (see not_beside).
    ONLINE = "online"
    NEAREST = "nearest"  # the same, for only the first :limit by distance
    # Not the rows but one: how many are within each radius on offer (RADII) up to reach, for a wider radius.
    COUNTS = "counts"

    def columns(self) -> tuple[Any, ...]:
        match self:
            case Within.LOCAL | Within.ONLINE | Within.NEAREST:
                hybrid = (Listing.format == FORMAT_HYBRID).label("hybrid")
                named = () if self is Within.LOCAL else (Listing.name, Listing.last_confirmed_at)
                return (*named, hybrid)
            case Within.COUNTS:
                return ()
            case _:
                assert_never(self)


def not_beside(hybrid: ColumnElement[bool], miles: ColumnElement[float]) -> ColumnElement[bool]:
    """'Not a hybrid listing within :beside miles' of a located listing: one the local list beside the
    online list does not show already (the local list holds every hybrid listing within its radius; with
    no local list, :beside is negative). Left out in SQL, so a nearest-first read stops at its LIMIT:
    near a city the local list may show thousands, all nearer than the rest."""
    return or_(not_(hybrid), miles > bound_float("beside"))


def _box(origin: geo.Location, miles: float, dialect: str) -> tuple[bool, dict[str, Any]]:
    """Whether the box around `miles` of the origin crosses the antimeridian, and its bound values.

    The box names its latitude bands too, so the index reads one short run of longitude per band.
    """
    min_lat, max_lat, min_lon, max_lon = bounding_box(origin.latitude, origin.longitude, miles)
    bands = list(range(latitude_band(min_lat), latitude_band(max_lat) + 1))
    values = {"bands": bands if dialect == "postgresql" else json.dumps(bands),
              "min_lat": min_lat, "max_lat": max_lat, "min_lon": min_lon, "max_lon": max_lon,
              **distance_parameters(origin.latitude, origin.longitude)}
    return min_lon > max_lon, values


def _latitude_bands(dialect: str) -> ColumnElement[bool]:
    """'The listing's band is one of :bands', as SQL whose text is the same for any number of bands:
    SQLAlchemy need not rewrite it for each search, and the database driver parses it once. The
    value bound is a list (PostgreSQL's array) or its JSON text (SQLite's json_each), see _box."""
    if dialect == "postgresql":
        return Listing.latitude_band == any_(bindparam("bands", type_=ARRAY(Integer)))
    bands = func.json_each(bindparam("bands", type_=String)).table_valued("value")
    return Listing.latitude_band.in_(select(bands.c.value))


@lru_cache(maxsize=256)
def _within_statement(shape: Shape, antimeridian: bool, variant: Within, dialect: str,
                      limited: bool = False) -> Select[*tuple[Any, ...]]:
    """(id, miles, ...) of a section's listings within :reach miles of the origin (NEAREST: the
    first :limit of them by distance; `limited`: any :limit of them).

    The box on the indexed point picks the candidates; the database measures each to the point the
    public sees (rounded for approximate listings, so the distance shown never narrows down a door
    the organiser chose not to publish) and keeps those within reach. With keywords, PostgreSQL
    reads a cube around the origin from the list's index over points and words instead (see
    indexes), so only listings with the words are read from the table.
    """
    if dialect == "postgresql" and shape.keywords:
        box: tuple[ColumnElement[bool], ...] = (indexes.within_reach(),)
    else:
        west, east = bound_float("min_lon"), bound_float("max_lon")
        longitude = (or_(Listing.longitude >= west, Listing.longitude <= east) if antimeridian
                     else Listing.longitude.between(west, east))
        latitude = Listing.latitude.between(bound_float("min_lat"), bound_float("max_lat"))
        box = (_latitude_bands(dialect), latitude, longitude)
    # Capped on PostgreSQL: a wide box may hold the far side of the earth, where rounding could carry
    # the sine term past 1 (SQLite lacks `least`, and its boxes never grow as wide).
    distance = distance_miles_sql(*public_point_sql(), capped=dialect == "postgresql")
    inner = (
        select(Listing.id.label("id"), distance.label("miles"), *variant.columns())
        .where(*where(shape, unindexed_format=True), *box)
        # OFFSET 0 keeps the subquery whole, so each row's distance is computed once, not again for
        # the outer WHERE (both databases merge a plain subquery into its parent).
        .offset(0)
        .subquery("near")
    )
    within_reach = inner.c.miles <= bound_float("reach")
    if variant is Within.LOCAL:
        statement = select(inner).where(within_reach)
        return statement.limit(bound_limit()) if limited else statement
    if variant is Within.COUNTS:
        # Counted in the database: in a sparse place the page asks this, and the rows within the widest
        # radius could be hundreds to read for a handful of numbers.
        counts = (func.count(case((inner.c.miles <= radius, 1))) for radius in RADII)
        return select(*counts).where(within_reach)
    statement = (select(*(column for column in inner.c if column.name != "hybrid"))
                 .where(within_reach, not_beside(inner.c.hybrid, inner.c.miles)))
    return statement.order_by(inner.c.miles).limit(bound_limit()) if variant is Within.NEAREST else statement


def within(section: Section, origin: geo.Location, miles: float, variant: Within, *, limit: int | None = None,
           more: Mapping[str, Any] | None = None) -> list[Any]:
    """The rows of a section's listings within `miles` of the origin (see _within_statement); `more`:
    more values to bind (:beside)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql" and section.shape.keywords:  # the public point itself is indexed: no margin
        antimeridian = False
        values = {**indexes.origin_values(origin.latitude, origin.longitude, miles),
                  **distance_parameters(origin.latitude, origin.longitude)}
    else:
        antimeridian, values = _box(origin, miles + ROUNDING_MARGIN_MILES, dialect)
        if section.matches is not None:  # SQLite: the words' matches in the box, before it is read
            section.matches.cover_box(values["min_lat"], values["max_lat"],
                                      values["min_lon"], values["max_lon"])
    limited = limit is not None and variant is not Within.NEAREST
    statement = _within_statement(section.shape, antimeridian, variant, dialect, limited)
    values = {**section.values, **values, "reach": miles, **(more or {})}
    if limit is not None:
        values["limit"] = limit
    # Rows are fetched at once: iterating a result fetches them one by one, which costs more here.
    return run(statement, values)
