"""The one search: where, how far, which filters, which words → nearest published listings first.

Pipeline: locate the place → a box around it, read from the covering search index by latitude band
and longitude → in SQL, the filters (topics from the index's topic bits), the full-text match through
the database's own index and each candidate's great-circle distance → sort (relevance within
distance bands, scored in Python for the page) → paginate → load the page's listings with their
topics and meetings in a fixed number of queries.

Online listings are not bound to an area, so they form their own list beside the local one.
Hybrid listings count as both in person and online. The HTML page, the JSON API and the exports
all call `search()`; `SearchParams` is how each of them turns query arguments into a search.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

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
    any_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..geo import services as geo
from ..timeutil import utcnow
from ..validators import CONTROL_CHARACTERS
from . import search_indexes, topic_bits
from .cards import ListingCard, load_cards
from .fulltext import (
    FTS_COLUMNS,
    MAX_QUERY_CHARS,
    Relevance,
    facet_values,
    keyword_clause,
    keyword_value,
    prepare_keyword_search,
)
from .models import (
    COSTS,
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    FORMATS,
    KIND_GROUP,
    KIND_MENTOR,
    KINDS,
    WEEKDAYS,
    Audience,
    Listing,
    ListingLanguage,
    Meeting,
    Topic,
    latitude_band,
    listing_audiences,
    listing_topics,
)
from .privacy import public_coordinates, public_point_sql
from .schedule import Occurrence, next_meetings
from .visibility import public_clause

logger = logging.getLogger(__name__)

RADII = (1, 5, 10, 25, 50, 100)  # miles
DEFAULT_RADIUS = 10
UNITS = ("mi", "km")
KM_PER_MILE = 1.609344
# Below this many local results the page offers a wider radius.
FEW_RESULTS = 5
# Online listings shown beside local results; the rest are one link away (format=online).
ONLINE_PREVIEW = 5
MAX_PAGE = 500
# The online list is counted exactly up to this many; past it the page says "more than".
ONLINE_COUNT_LIMIT = 100
# When the online list is the one paginated, it is counted at least this many pages past the current one.
PAGES_AHEAD = 5
# How far rounding can move a point, at most: the bounding box grows by this so no listing is missed.
ROUNDING_MARGIN_MILES = 0.5
MAX_NEAR_CHARS = 100
MAX_REPEATED = 20  # values of one repeatable parameter
# Longest number read from a parameter: int() refuses more than 4,300 digits, and none is needed.
MAX_DIGITS = 6
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE = re.compile(r"^[a-z]{2}$")

LABELS = {
    "near": "Place",
    "radius": "Distance",
    "units": "Units",
    "kind": "Type",
    "topic": "Topic",
    "audience": "Who it's for",
    "format": "Format",
    "day": "Day",
    "cost": "Cost",
    "language": "Language",
    "q": "Keywords",
    "page": "Page",
    "per_page": "Results per page",
}


class InvalidSearch(ValueError):
    """One or more search parameters were not acceptable; `errors` maps parameter → message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass(frozen=True)
class SearchParams:
    """A validated search. Build one with `from_args` (collects errors) or `parse` (raises)."""

    near: str = ""
    radius: int = DEFAULT_RADIUS
    units: str = "mi"
    kind: str | None = None
    topics: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    format: str | None = None
    days: tuple[str, ...] = ()
    cost: str | None = None
    language: str | None = None
    q: str = ""
    page: int = 1
    per_page: int = 20
    # Parameter → friendly message for every value that was refused (and left out of the search).
    errors: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The ids of the topics and audiences, read with the slugs (see _read_vocabulary); None: not read.
    vocabulary: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_args(cls, args: Mapping[str, Any] | MultiDict, *, per_page: int | None = None,
                  allow_per_page: bool = False) -> SearchParams:
        """Read query arguments. A bad value is left out and explained in `errors`; nothing raises.

        `per_page` defaults to SEARCH_PER_PAGE; with `allow_per_page` the arguments may set it (1..100).
        """
        args = args if isinstance(args, MultiDict) else MultiDict(args)
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}

        near = _one(args, "near")
        if len(near) > MAX_NEAR_CHARS:
            errors["near"] = f"Please enter a shorter place name (at most {MAX_NEAR_CHARS} characters)."
        else:
            values["near"] = near

        radius = _one(args, "radius")
        if radius:
            if radius.isdecimal() and len(radius) <= MAX_DIGITS and int(radius) in RADII:
                values["radius"] = int(radius)
            else:
                errors["radius"] = f"Choose a distance of {_choices_text([str(r) for r in RADII])} miles."

        for name, choices, message in (
            ("units", UNITS, "Choose miles (mi) or kilometres (km)."),
            ("kind", KINDS, "Choose mentor or group."),
            ("format", FORMATS, "Choose in person, online or hybrid."),
            ("cost", COSTS, "Choose free, donation or paid."),
        ):
            value = _one(args, name).lower()
            if value:
                if value in choices:
                    values[name] = value
                else:
                    errors[name] = message

        for name, key, pattern in (("topic", "topics", SLUG), ("audience", "audiences", SLUG)):
            slugs = _many(args, name)
            if len(slugs) > MAX_REPEATED or any(not pattern.match(slug) for slug in slugs):
                errors[name] = f"That {LABELS[name].lower()} is not one we know."
            else:
                values[key] = tuple(slugs)

        days = [day.lower()[:3] for day in _many(args, "day")]
        if any(day not in WEEKDAYS for day in days):
            errors["day"] = "Choose days as mon, tue, wed, thu, fri, sat or sun."
        else:
            values["days"] = tuple(sorted(set(days), key=WEEKDAYS.index))

        language = _one(args, "language").lower()
        if language:
            if LANGUAGE.match(language):
                values["language"] = language
            else:
                errors["language"] = "Choose a language by its two-letter code, such as en or es."

        q = _one(args, "q")
        if len(q) > MAX_QUERY_CHARS:
            errors["q"] = f"Please use fewer keywords (at most {MAX_QUERY_CHARS} characters)."
        else:
            values["q"] = q

        page = _one(args, "page")
        if page:
            if page.isdecimal() and len(page) <= MAX_DIGITS and 1 <= int(page) <= MAX_PAGE:
                values["page"] = int(page)
            else:
                errors["page"] = f"Pages are numbered from 1 to {MAX_PAGE}."

        values["per_page"] = per_page or _config_per_page()
        requested = _one(args, "per_page")
        if allow_per_page and requested:
            if requested.isdecimal() and len(requested) <= MAX_DIGITS and 1 <= int(requested) <= 100:
                values["per_page"] = int(requested)
            else:
                errors["per_page"] = "Ask for between 1 and 100 results per page."

        params = cls(**values)
        vocabulary, unknown = _read_vocabulary(params.topics, params.audiences)
        errors.update(unknown)
        if errors:
            params = replace(
                params,
                topics=() if "topic" in errors else params.topics,
                audiences=() if "audience" in errors else params.audiences,
                errors=errors,
            )
            for name, key in (("topic", "topics"), ("audience", "audiences")):
                if name in errors:
                    vocabulary[key] = []
        return replace(params, vocabulary=vocabulary)

    @classmethod
    def parse(cls, args: Mapping[str, Any] | MultiDict, **options: Any) -> SearchParams:
        """Like `from_args`, but any bad value raises InvalidSearch (what an API wants)."""
        params = cls.from_args(args, **options)
        if params.errors:
            raise InvalidSearch(params.errors)
        return params

    def with_changes(self, **changes: Any) -> SearchParams:
        """A copy with some values changed (page back to 1 unless given), errors dropped."""
        changes.setdefault("page", 1)
        if "topics" in changes or "audiences" in changes:
            changes["vocabulary"] = None  # read again for the new slugs
        return replace(self, errors={}, **changes)

    def to_args(self, **overrides: Any) -> dict[str, str | list[str]]:
        """Query arguments that reproduce this search, defaults left out: for bookmarkable URLs.

        Pass them to url_for (lists become repeated parameters). `overrides` change values first,
        e.g. `params.to_args(page=3)` or `params.to_args(radius=25, page=1)`.
        """
        params = replace(self, **overrides) if overrides else self
        pairs: dict[str, str | list[str]] = {}
        if params.near:
            pairs["near"] = params.near
        if params.radius != DEFAULT_RADIUS:
            pairs["radius"] = str(params.radius)
        if params.units != "mi":
            pairs["units"] = params.units
        for name in ("kind", "format", "cost", "language"):
            value = getattr(params, name)
            if value:
                pairs[name] = value
        if params.topics:
            pairs["topic"] = list(params.topics)
        if params.audiences:
            pairs["audience"] = list(params.audiences)
        if params.days:
            pairs["day"] = list(params.days)
        if params.q:
            pairs["q"] = params.q
        if params.page != 1:
            pairs["page"] = str(params.page)
        return pairs

    @property
    def weekday_numbers(self) -> tuple[int, ...]:
        return tuple(WEEKDAYS.index(day) for day in self.days)

    @property
    def has_filters(self) -> bool:
        """Whether anything narrows the search besides the place and distance."""
        return bool(self.kind or self.topics or self.audiences or self.format or self.days or self.cost
                    or self.language or self.q)

    def wants_local(self) -> bool:
        return self.format != FORMAT_ONLINE

    def wants_online(self) -> bool:
        return self.format != FORMAT_IN_PERSON


@dataclass
class Hit:
    """One listing in the results, with how far it is (None for online listings without a place)."""

    listing: ListingCard  # read-only, with a Listing's attributes (see `cards`)
    distance_miles: float | None = None
    units: str = "mi"
    rank: float | None = None
    upcoming: list[Occurrence] = field(default_factory=list)

    @property
    def distance(self) -> float | None:
        """The distance in the units the visitor asked for."""
        if self.distance_miles is None:
            return None
        return self.distance_miles * KM_PER_MILE if self.units == "km" else self.distance_miles

    @property
    def distance_label(self) -> str:
        """'2.4 mi', '3.9 km', 'under 0.1 mi'; empty without a distance."""
        return format_distance(self.distance_miles, self.units)

    @property
    def next_meeting(self) -> Occurrence | None:
        return self.upcoming[0] if self.upcoming else None


@dataclass(frozen=True)
class WiderRadius:
    """The next distance that finds more: what the page offers when few listings are near."""

    radius: int
    count: int


@dataclass
class SearchResults:
    params: SearchParams
    origin: geo.Location | None = None
    alternatives: list[geo.Location] = field(default_factory=list)
    suggestions: list[geo.Location] = field(default_factory=list)
    # A place was typed and nothing in the gazetteer matched it.
    place_not_found: bool = False
    local: list[Hit] = field(default_factory=list)
    local_total: int = 0
    online: list[Hit] = field(default_factory=list)
    online_total: int = 0
    # False when the online count stopped at its limit: there are more than `online_total`.
    online_total_exact: bool = True
    # Which list the page numbers apply to: "local" (a place was found) or "online" (otherwise).
    paginated: str = "online"
    page: int = 1
    per_page: int = 20
    wider: WiderRadius | None = None
    # Keywords were typed but held nothing searchable (only stop words or punctuation).
    keywords_ignored: bool = False

    @property
    def errors(self) -> Mapping[str, str]:
        return self.params.errors

    @property
    def total(self) -> int:
        """Results in the paginated list."""
        return self.local_total if self.paginated == "local" else self.online_total

    @property
    def total_exact(self) -> bool:
        """Whether `total` is the whole count, not a lower bound (local counts always are)."""
        return self.paginated == "local" or self.online_total_exact

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        """Page numbers with None for gaps: the interface the pagination macro expects."""
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current - 1 < number < self.page + right_current
                    or number > self.pages - right_edge):
                if last + 1 != number:
                    yield None
                yield number
                last = number

    @property
    def few_local(self) -> bool:
        """A place was found but fewer than FEW_RESULTS listings are within reach."""
        return self.origin is not None and self.params.wants_local() and self.local_total < FEW_RESULTS

    @property
    def is_empty(self) -> bool:
        return self.local_total == 0 and self.online_total == 0

    @property
    def hits(self) -> list[Hit]:
        """The paginated list's page."""
        return self.local if self.paginated == "local" else self.online


def search(params: SearchParams, *, now: datetime | None = None, online_preview: int = ONLINE_PREVIEW,
           complete: bool = False) -> SearchResults:
    """Run a search. Never raises for anything a visitor can type; bad values are already left out.

    When the local list is the one paginated, the online list beside it holds its first
    `online_preview` entries (`online_total` counts them, exactly up to ONLINE_COUNT_LIMIT).
    The listings come with their topics and meetings; `complete` adds audiences and languages.
    """
    now = now or utcnow()
    results = SearchResults(params=params, page=params.page, per_page=params.per_page)
    if params.near:
        found = geo.locate(params.near)
        results.origin = found.location
        results.alternatives = list(found.alternatives or [])
        results.suggestions = list(found.suggestions or [])
        results.place_not_found = found.location is None

    keywords = keyword_value(params.q, db.engine.dialect.name) if params.q else None
    results.keywords_ignored = bool(params.q) and keywords is None
    # How the statements match the words (see fulltext.keyword_clause); None without keywords.
    keyword_kind = prepare_keyword_search(db.session, keywords) if keywords is not None else None
    vocabulary = _vocabulary_ids(params)

    local: list[tuple[int, float, float | None, bool]] = []  # (listing id, miles, rank, is hybrid)
    origin = results.origin
    shown = _page_slice(params)
    if origin is not None and params.wants_local():
        in_person = _Section.of(params, search_indexes.IN_PERSON_FORMATS, keywords, keyword_kind, vocabulary,
                                now)
        local = _local_candidates(in_person, origin, params.radius, shown=shown)
        results.paginated = "local"
    results.local_total = len(local)

    online: list[tuple[int, float | None, float | None]] = []
    if params.wants_online():
        # Hybrid listings already in the local list are not offered again online.
        in_local = frozenset(row[0] for row in local if row[3])
        if results.paginated == "local":
            needed, count_limit = online_preview, max(ONLINE_COUNT_LIMIT, online_preview)
        else:
            needed = shown.stop
            count_limit = max(ONLINE_COUNT_LIMIT, needed + params.per_page * PAGES_AHEAD)
        joinable = _Section.of(params, search_indexes.ONLINE_FORMATS, keywords, keyword_kind, vocabulary,
                               now)
        online, results.online_total, results.online_total_exact = _online_candidates(
            joinable, origin, needed=needed, count_limit=count_limit, exclude=in_local)

    if results.few_local and params.radius < RADII[-1]:
        results.wider = _wider_radius(in_person, origin, params.radius, len(local))

    if results.paginated == "local":
        local_page, online_page = local[shown], online[:online_preview]
    else:
        local_page, online_page = [], online[shown]
    loaded = _load((row[0] for row in [*local_page, *online_page]), complete=complete)
    results.local = [_hit(loaded, row, params.units, now) for row in local_page if row[0] in loaded]
    results.online = [_hit(loaded, row, params.units, now) for row in online_page if row[0] in loaded]
    logger.debug(
        "search near=%r radius=%s local=%s online=%s", params.near, params.radius, results.local_total,
        results.online_total,
    )
    return results


def _run(statement, values: Mapping[str, Any] | None = None):
    """Run a Core statement on the session's connection (and in its transaction). The search's
    statements read plain columns, so the ORM's execution layer would add nothing to them but CPU
    time: about a tenth of a millisecond each, and a search runs ten or so."""
    return db.session.connection().execute(statement, values)


def format_distance(miles: float | None, units: str = "mi") -> str:
    """'2.4 mi' / '3.9 km': one decimal under ten, whole numbers above."""
    if miles is None:
        return ""
    value = miles * KM_PER_MILE if units == "km" else miles
    if value < 0.1:
        return f"under 0.1 {units}"
    if value < 10:
        return f"{value:.1f} {units}"
    return f"{round(value):,} {units}"


def radius_label(radius: int, units: str = "mi") -> str:
    """'25 miles' or, for visitors who read kilometres, '25 miles (40 km)'."""
    text = f"{radius} mile{'s' if radius != 1 else ''}"
    return f"{text} ({round(radius * KM_PER_MILE)} km)" if units == "km" else text


# The pipeline -------------------------------------------------------------------------------------
#
# Building a SQLAlchemy statement costs more than the database takes to run it here (a few ms for
# the search's dozens of conditions), so each statement is built once per *shape* (which filters a
# search has) with bound parameters, cached, and every search only binds its values.


@dataclass(frozen=True)
class _Shape:
    """Which conditions a section's SQL holds; the values are bound separately."""

    kind: bool = False
    cost: bool = False
    language: bool = False
    # "bits": the topic filter is answered by listings.topic_bits alone; "checked": listing_topics is
    # asked too, for the listings the bits let through (see topic_bits.unique).
    topics: str | None = None
    audiences: bool = False
    days: bool = False
    expires: bool = False
    keywords: str | None = None  # with keywords, how they are matched (see fulltext.keyword_clause)


@dataclass(frozen=True)
class _Section:
    """One list of the results (met in person, or joinable online): its shape, its values, its words."""

    shape: _Shape
    values: dict[str, Any]
    q: str = ""

    @classmethod
    def of(cls, params: SearchParams, formats: tuple[str, ...], keywords: str | None,
           keyword_kind: str | None, vocabulary: dict[str, Any], now: datetime) -> _Section:
        """`formats` are the formats a section holds; a format filter of 'hybrid' narrows it to hybrid
        only (in person and online need no narrowing: each section is one of those, hybrid included).
        `keyword_kind` says how `keywords` are matched (see fulltext.keyword_clause); `vocabulary`
        holds the ids of the topics and audiences asked for, and whether topic bits are unique (see
        _vocabulary_ids)."""
        formats = (FORMAT_HYBRID,) if params.format == FORMAT_HYBRID else formats
        values: dict[str, Any] = {"formats": list(formats)}
        # A listing nobody has confirmed in a long while leaves the search, even before it is expired.
        expire_days = current_app.config.get("EXPIRE_AFTER_DAYS")
        if expire_days:
            values["cutoff"] = now - timedelta(days=int(expire_days))
        for name, value in (("kind", params.kind), ("cost", params.cost), ("language", params.language),
                            ("topics", vocabulary["topics"]), ("audiences", vocabulary["audiences"]),
                            ("days", list(params.weekday_numbers)), ("keywords", keywords)):
            if value:
                values[name] = value
        topics = None
        if "topics" in values:
            values["topic_mask"] = topic_bits.mask(values["topics"])
            topics = "bits" if vocabulary["topic_bits_unique"] else "checked"
        if keywords:
            values.update(facet_values(keyword_kind, formats, values.get("topics", ())))
        shape = _Shape(kind="kind" in values, cost="cost" in values, language="language" in values,
                       topics=topics, audiences="audiences" in values, days="days" in values,
                       expires="cutoff" in values, keywords=keyword_kind if keywords else None)
        return cls(shape, values, params.q if keywords else "")


def _vocabulary_ids(params: SearchParams) -> Mapping[str, Any]:
    """The ids of the topics and audiences a search asks for (see _read_vocabulary): those read with
    the parameters, or read now for parameters built some other way."""
    if params.vocabulary is not None:
        return params.vocabulary
    return _read_vocabulary(params.topics, params.audiences)[0]


def _read_vocabulary(topics: tuple[str, ...], audiences: tuple[str, ...],
                     ) -> tuple[dict[str, Any], dict[str, str]]:
    """The ids of these topic and audience slugs, and a message for each kind with a slug no row has.

    The listings' link tables hold ids, and matching them directly spares the database a join to the
    vocabulary for every listing it reads. With topics, also whether every topic has a bit of its own
    (see topic_bits.unique). One query a kind answers all of it, as the parameters are read.
    """
    ids: dict[str, Any] = {"topics": [], "audiences": [], "topic_bits_unique": True}
    errors: dict[str, str] = {}
    for name, key, model, slugs in (("topic", "topics", Topic, topics),
                                    ("audience", "audiences", Audience, audiences)):
        if not slugs:
            continue
        wanted = model.slug.in_(slugs)
        if model is Topic:  # the same query tells whether any topic shares a bit
            wanted = or_(wanted, Topic.id >= topic_bits.BITS)
        rows = _run(select(model.id, model.slug).where(wanted)).all()
        known = {row.slug for row in rows}
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            errors[name] = f"We don't know the {LABELS[name].lower()} “{unknown[0]}”."
        # None known means none matches (a search with a refused slug leaves the filter out instead).
        ids[key] = [row.id for row in rows if row.slug in slugs] or [-1]
        if model is Topic:
            ids["topic_bits_unique"] = topic_bits.unique(row.id for row in rows)
    return ids, errors


def _float(name: str):
    return bindparam(name, type_=Float)


class _UnindexedOnSQLite(ColumnElement):
    """A column that SQLite may not use to pick an index (its documented way: a unary + on the term);
    other databases read it as is. See _where for when a search needs it."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column = column
        self.type = column.type


@compiles(_UnindexedOnSQLite)
def _render_unindexed(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    return "+" + column if compiler.dialect.name == "sqlite" else column


@lru_cache(maxsize=256)
def _where(shape: _Shape, unindexed_format: bool = False, facets: bool = False) -> tuple:
    """Every condition a public listing in a section must meet, except where it is.

    `unindexed_format`: SQLite must not pick an index by the format term. A box
    is best read from the box's index, but SQLite without statistics (a database nobody has
    analysed) may pick the status/format index instead and read every online listing in the
    country. `facets`: with keywords and topics, PostgreSQL asks its full-text index for the topics'
    facets too (see fulltext.keyword_clause). Only statements that read that index want them: in a
    statement read from another index they would only make the full-text one look cheaper to the
    planner than it is.
    """
    listing_format = _UnindexedOnSQLite(Listing.format) if unindexed_format else Listing.format
    conditions = [public_clause(), listing_format.in_(bindparam("formats", expanding=True))]
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
    if shape.topics:
        conditions.append(Listing.topic_bits.op("&")(bindparam("topic_mask", type_=BigInteger)) != 0)
    # A topic (past the bits) or audience filter: any of the ids bound under the parameter's name.
    for wanted, name, links, linked in ((shape.topics == "checked", "topics", listing_topics,
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
        conditions.append(keyword_clause(shape.keywords, facets=facets and bool(shape.topics)))
    return tuple(conditions)


def _box(origin: geo.Location, miles: float, dialect: str) -> tuple[bool, dict[str, Any]]:
    """Whether the box around `miles` of the origin crosses the antimeridian, and its bound values.

    The box names its latitude bands too, so the index reads one short run of longitude per band.
    """
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(origin.latitude, origin.longitude, miles)
    bands = list(range(latitude_band(min_lat), latitude_band(max_lat) + 1))
    values = {"bands": bands if dialect == "postgresql" else json.dumps(bands),
              "min_lat": min_lat, "max_lat": max_lat, "min_lon": min_lon, "max_lon": max_lon,
              **geo.distance_parameters(origin.latitude, origin.longitude)}
    return min_lon > max_lon, values


# What each kind of "within reach" query returns besides the id and the distance.
WITHIN_COLUMNS = {
    "local": lambda: ((Listing.format == FORMAT_HYBRID).label("hybrid"),),
    "online": lambda: (Listing.name, Listing.last_confirmed_at),
    "nearest": lambda: (Listing.name, Listing.last_confirmed_at),
    "distance": lambda: (),
}


def _latitude_bands(dialect: str):
    """'The listing's band is one of :bands', as SQL whose text is the same for any number of bands:
    SQLAlchemy need not rewrite it for each search, and the database driver parses it once. The
    value bound is a list (PostgreSQL's array) or its JSON text (SQLite's json_each), see _box."""
    if dialect == "postgresql":
        return Listing.latitude_band == any_(bindparam("bands", type_=ARRAY(Integer)))
    bands = func.json_each(bindparam("bands", type_=String)).table_valued("value")
    return Listing.latitude_band.in_(select(bands.c.value))


@lru_cache(maxsize=256)
def _within_statement(shape: _Shape, antimeridian: bool, variant: str, dialect: str) -> Select:
    """(id, miles, ...) of a section's listings within :reach miles of the origin ("nearest": the
    first :limit of them by distance).

    The box on the indexed point picks the candidates; the database measures each to the point the
    public sees (rounded for approximate listings, so the distance shown never narrows down a door
    the organiser chose not to publish) and keeps those within reach. With keywords, PostgreSQL
    reads a cube around the origin from the list's index over points and words instead (see
    search_indexes), so only listings with the words are read from the table.
    """
    if dialect == "postgresql" and shape.keywords:
        box = (search_indexes.within_reach(),)
    else:
        if antimeridian:
            longitude = or_(Listing.longitude >= _float("min_lon"), Listing.longitude <= _float("max_lon"))
        else:
            longitude = Listing.longitude.between(_float("min_lon"), _float("max_lon"))
        box = (_latitude_bands(dialect), Listing.latitude.between(_float("min_lat"), _float("max_lat")),
               longitude)
    # Capped on PostgreSQL: a wide box may hold the far side of the earth, where rounding could carry
    # the sine term past 1 (SQLite lacks `least`, and its boxes never grow as wide).
    distance = geo.distance_miles_sql(*public_point_sql(), capped=dialect == "postgresql")
    inner = (
        select(Listing.id.label("id"), distance.label("miles"), *WITHIN_COLUMNS[variant]())
        .where(*_where(shape, unindexed_format=True), *box)
        # OFFSET 0 keeps the subquery whole, so each row's distance is computed once, not again for
        # the outer WHERE (both databases merge a plain subquery into its parent).
        .offset(0)
        .subquery("near")
    )
    statement = select(inner).where(inner.c.miles <= _float("reach"))
    if variant == "nearest":
        return statement.order_by(inner.c.miles).limit(bindparam("limit", type_=Integer))
    return statement


def _within(section: _Section, origin: geo.Location, miles: float, variant: str, **extra: Any):
    dialect = db.engine.dialect.name
    if dialect == "postgresql" and section.shape.keywords:  # the public point itself is indexed: no margin
        antimeridian = False
        values = {**search_indexes.origin_values(origin.latitude, origin.longitude, miles),
                  **geo.distance_parameters(origin.latitude, origin.longitude)}
    else:
        antimeridian, values = _box(origin, miles + ROUNDING_MARGIN_MILES, dialect)
    statement = _within_statement(section.shape, antimeridian, variant, dialect)
    # Rows are fetched at once: iterating a result fetches them one by one, which costs more here.
    return _run(statement, {**section.values, **values, "reach": miles, **extra}).all()


def _page_slice(params: SearchParams) -> slice:
    start = (params.page - 1) * params.per_page
    return slice(start, start + params.per_page)


def _local_candidates(section: _Section, origin: geo.Location, radius: float, shown: slice | None = None,
                      ) -> list[tuple[int, float, float | None, bool]]:
    """Listings met in person within `radius` miles, sorted: nearest first (by relevance within bands).

    Rows are (id, miles, rank, whether it is hybrid). Relevance orders listings only within a
    distance band, so it is scored only for the bands the `shown` rows fall in; elsewhere (and
    without keywords) rank is None and the order within a band is by distance.
    """
    rows = [(listing_id, miles, None, bool(hybrid))
            for listing_id, miles, hybrid in _within(section, origin, radius, "local")]
    rows.sort(key=_local_sort_key)
    if not section.q or not rows:
        return rows
    bands = [distance_band(row[1]) for row in rows]
    wanted = set(bands[shown] if shown is not None else bands)
    scores = _relevance(section.q, [row[0] for row, band in zip(rows, bands, strict=True) if band in wanted])
    rows = [(listing_id, miles, scores.get(listing_id), hybrid) for listing_id, miles, _, hybrid in rows]
    rows.sort(key=_banded_sort_key)
    return rows


@lru_cache(maxsize=1)
def _texts_statement() -> Select:
    columns = [getattr(Listing, name) for name in FTS_COLUMNS]
    return select(Listing.id, *columns).where(Listing.id.in_(bindparam("ids", expanding=True)))


def _relevance(user_text: str, ids: list[int]) -> dict[int, float]:
    """How well each of these (matching) listings fits the words: read and scored only for them."""
    relevance = Relevance(user_text)
    scores: dict[int, float] = {}
    for first in range(0, len(ids), 500):
        for listing_id, *text in _run(_texts_statement(), {"ids": ids[first:first + 500]}).all():
            scores[listing_id] = relevance.score(text)
    return scores


def _local_sort_key(row) -> tuple:
    return (row[1], row[0])


def _banded_sort_key(row) -> tuple:
    """With keywords: the nearest distance band first, the best match first within it."""
    return (distance_band(row[1]), -(row[2] or 0.0), row[1], row[0])


def distance_band(miles: float) -> int:
    """Index of the smallest radius choice that contains a distance (used to rank keyword results)."""
    return next((index for index, edge in enumerate(RADII) if miles <= edge), len(RADII))


@lru_cache(maxsize=256)
def _online_statement(shape: _Shape, variant: str) -> Select:
    """The online list's other queries: the ids that count it (up to :limit), its freshest, and all of it."""
    confirmed = Listing.last_confirmed_at
    where = _where(shape, facets=True)
    if variant == "counted":
        return select(Listing.id).where(*where).limit(bindparam("limit", type_=Integer))
    if variant == "everything":
        # The ids first, from the index the count reads; then only those rows from the table. Asked in
        # one go, SQLite weighed reading most of the directory's rows (by the confirmation dates, 150 ms
        # at 100,000 listings; or the whole table, 45 ms) for a list known to be short.
        return _online_rows().where(Listing.id.in_(select(Listing.id).where(*where)))
    base = select(Listing.id, Listing.name, confirmed).where(*where)
    if variant == "newest":
        newest = base.where(confirmed.is_not(None)).order_by(confirmed.desc())
        return newest.limit(bindparam("limit", type_=Integer))
    if variant == "since":
        return base.where(confirmed >= bindparam("since", type_=DateTime))
    return base.where(confirmed.is_(None))  # "unconfirmed"


def _online_candidates(section: _Section, origin: geo.Location | None, *, needed: int, count_limit: int,
                       exclude: frozenset[int] = frozenset(),
                       ) -> tuple[list[tuple[int, float | None, None]], int, bool]:
    """The first `needed` listings one can join online, wherever they are; how many; whether exactly.

    Order: nearest (without a place: most recently confirmed), then name; keywords only narrow the
    list. `exclude` holds hybrid listings the local list already shows; they are left out of the
    list and the count. The count stops at `count_limit`: past it the page says "more than".
    Only what the page needs is read and measured, in the same order as sorting every online
    listing: the nearest are found in boxes that grow until they hold enough, the freshest by the
    database's index (ties at the limit read in full). The count reads the ids it counts: when they
    are no more than its limit, they are the whole list, and only their rows are left to read.
    """
    # Excluded listings are among those counted, so the limit makes room for them.
    limit = count_limit + len(exclude)
    counted = _run(_online_statement(section.shape, "counted"), {**section.values, "limit": limit + 1}).all()
    exact = len(counted) <= limit
    total = min(len(counted), limit) - len(exclude)
    if needed <= 0 or total <= 0:
        return [], max(total, 0), exact
    if exact:  # the count read the whole list's ids: only their rows are left to read
        rows = _every_online(section, origin, exclude, ids=[row[0] for row in counted])
    elif origin is not None:
        rows = _nearest_online(section, origin, needed, exclude)
    else:
        rows = [row for row in _first_online(section, needed + len(exclude)) if row[0] not in exclude]
    # Stable sorts, least important key first.
    rows.sort(key=lambda row: (row[3], row[0]))
    if origin is not None:
        rows.sort(key=lambda row: (row[1] is None, row[1] or 0.0))
    else:
        # Without a place, the most recently confirmed first: fresh listings are likelier to answer.
        rows.sort(key=lambda row: row[4] or datetime.min, reverse=True)
    return [(row[0], row[1], None) for row in rows[:needed]], total, exact


# How far around a place the online list looks for its nearest before it reads every online listing.
ONLINE_REACH_MILES = (25, 50, 100, 200, 400, 800, 1600)
# Each reach at most this many times the last: an empty 200-mile box jumped to 1,600 miles (64 times
# the area, 23 ms at 100,000 listings) when 400 held the five nearest.
ONLINE_REACH_GROWTH = 4
# PostgreSQL's index orders by a straight line and the page by the haversine formula: the two agree
# but in the last bits of a double, so distances closer than this count as a tie (1.6 millimetres).
SAME_DISTANCE_MILES = 1e-6


def _nearest_online(section: _Section, origin: geo.Location, needed: int,
                    exclude: frozenset[int]) -> list[tuple]:
    """At least the `needed` nearest online listings (not in `exclude`), with every one tied with the
    last of them, so sorting them by name gives the same page as sorting everything.

    Rows are (id, miles or None, None, lower-case name, confirmed at). PostgreSQL reads them nearest
    first from its index (see `search_indexes`); SQLite from boxes that grow until they hold enough.
    """
    if db.engine.dialect.name == "postgresql":
        return _nearest_online_by_index(section, origin, needed, exclude)
    return _nearest_online_in_boxes(section, origin, needed, exclude)


@lru_cache(maxsize=256)
def _nearest_statement(shape: _Shape) -> Select:
    """PostgreSQL: (id, miles, name, confirmed at) of the first :limit located listings of the online
    list, nearest first, read in that order from its GiST index (search_indexes.ONLINE_INDEX)."""
    distance = geo.distance_miles_sql(*public_point_sql(), capped=True)  # measured anywhere on earth
    return (
        select(Listing.id, distance.label("miles"), Listing.name, Listing.last_confirmed_at)
        .where(*_where(shape), search_indexes.located())
        .order_by(search_indexes.distance_order())
        .limit(bindparam("limit", type_=Integer))
    )


def _nearest_online_by_index(section: _Section, origin: geo.Location, needed: int,
                             exclude: frozenset[int]) -> list[tuple]:
    limit = needed + len(exclude) + 1
    values = {**section.values, **geo.distance_parameters(origin.latitude, origin.longitude),
              **search_indexes.origin_values(origin.latitude, origin.longitude), "limit": limit}
    found = _run(_nearest_statement(section.shape), values).all()
    rows = sorted((row for row in found if row[0] not in exclude), key=lambda row: row.miles)
    if len(found) < limit and len(rows) < needed:
        # Every located listing is here and too few: the rest have no point, and come last.
        return _every_online(section, origin, exclude)
    if len(found) == limit:
        # More lie beyond, none nearer than these (to the last bits): a tie with the last one needed
        # may run past the limit, so then every listing as near is read.
        boundary = rows[needed - 1].miles
        if rows[needed].miles - boundary <= SAME_DISTANCE_MILES:
            reach = boundary + SAME_DISTANCE_MILES
            rows = [row for row in _within(section, origin, reach, "online") if row[0] not in exclude]
    return [(listing_id, miles, None, name.lower(), confirmed) for listing_id, miles, name, confirmed in rows]


def _nearest_online_in_boxes(section: _Section, origin: geo.Location, needed: int,
                             exclude: frozenset[int]) -> list[tuple]:
    """SQLite: every online listing within a reach that grows until it holds at least `needed`.

    The database returns the nearest few within a reach by distance; rows tied in distance with the
    last one needed are all read.
    """
    limit = needed + len(exclude) + 1
    reach = ONLINE_REACH_MILES[0]
    while reach is not None:
        found = _within(section, origin, reach, "nearest", limit=limit)
        rows = [row for row in found if row[0] not in exclude]
        if len(found) == limit:
            # More lie within reach, all farther than these; `rows` holds at least needed + 1.
            boundary = rows[needed - 1].miles
            if rows[needed].miles == boundary:
                # A tie runs past the limit: read every listing as near as the last one needed.
                rows = [row for row in _within(section, origin, boundary, "online") if row[0] not in exclude]
        if len(rows) >= needed:
            return [(listing_id, miles, None, name.lower(), confirmed)
                    for listing_id, miles, name, confirmed in rows]
        reach = _next_reach(reach, len(rows), needed)
    # Too few anywhere near: measure every one (those without a point come last).
    return _every_online(section, origin, exclude)


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


def _first_online(section: _Section, count: int) -> list[tuple]:
    """At least the `count` most recently confirmed online listings, with every one tied with the last.

    Never-confirmed listings come last. They are asked for separately, so both databases read the
    (status, last_confirmed_at) index backwards instead of sorting every online listing.
    """
    shape, values = section.shape, section.values
    found = _run(_online_statement(shape, "newest"), {**values, "limit": count + 1}).all()
    if len(found) > count:
        last = found[count - 1].last_confirmed_at
        if found[count].last_confirmed_at == last:
            # The tie runs past the limit: read every listing confirmed no earlier than the last one shown.
            found = _run(_online_statement(shape, "since"), {**values, "since": last}).all()
    else:
        found += _run(_online_statement(shape, "unconfirmed"), values).all()
    return [(listing_id, None, None, name.lower(), confirmed_at) for listing_id, name, confirmed_at in found]


def _online_rows() -> Select:
    """What `_measured` reads of an online listing."""
    return select(Listing.id, Listing.latitude, Listing.longitude, Listing.location_precision, Listing.name,
                  Listing.last_confirmed_at)


@lru_cache(maxsize=1)
def _online_rows_by_id() -> Select:
    return _online_rows().where(Listing.id.in_(bindparam("ids", expanding=True)))


def _every_online(section: _Section, origin: geo.Location | None, exclude: frozenset[int],
                  ids: list[int] | None = None) -> list[tuple]:
    """Every online listing (not in `exclude`), measured in Python: for lists known to be short.
    `ids`: the whole list's, when a count has read them already."""
    if ids is not None:
        everything = _run(_online_rows_by_id(), {"ids": ids}).all()
    else:
        everything = _run(_online_statement(section.shape, "everything"), section.values).all()
    return [_measured(row, origin) for row in everything if row[0] not in exclude]


def _measured(row, origin: geo.Location | None) -> tuple:
    """(id, miles or None, None, lower-case name, confirmed at) of an online row measured in Python
    (no miles without an origin)."""
    listing_id, latitude, longitude, precision, name, confirmed = row
    miles = None
    point = public_coordinates(latitude, longitude, precision) if origin is not None else None
    if point is not None:
        miles = geo.distance_miles(origin.latitude, origin.longitude, *point)
    return (listing_id, miles, None, name.lower(), confirmed)


def _wider_radius(section: _Section, origin: geo.Location, radius: int, current: int) -> WiderRadius | None:
    """The smallest larger radius that finds more than `current` listings, with its count."""
    distances = [row.miles for row in _within(section, origin, RADII[-1], "distance")]
    for wider in RADII:
        if wider <= radius:
            continue
        count = sum(1 for miles in distances if miles <= wider)
        if count > current:
            return WiderRadius(wider, count)
    return None


def _load(ids, *, complete: bool = False) -> dict[int, ListingCard]:
    """The page's listings as read-only cards (see `cards`), topics and meetings included."""
    return load_cards(list(dict.fromkeys(ids)), complete=complete)


def _hit(loaded: dict[int, ListingCard], row, units: str, now: datetime) -> Hit:
    listing = loaded[row[0]]
    upcoming = next_meetings(listing, count=1, after=now) if listing.kind == KIND_GROUP else []
    return Hit(listing=listing, distance_miles=row[1], units=units, rank=row[2], upcoming=upcoming)


def _one(args: MultiDict, name: str) -> str:
    """The first non-empty value of a parameter, trimmed, control characters made spaces; '' when absent."""
    for value in args.getlist(name):
        value = CONTROL_CHARACTERS.sub(" ", str(value)).strip()
        if value:
            return value
    return ""


def _many(args: MultiDict, name: str) -> list[str]:
    """Every non-empty value of a repeatable parameter (comma-separated values are split too)."""
    found: list[str] = []
    for value in args.getlist(name):
        value = CONTROL_CHARACTERS.sub(" ", str(value))
        found.extend(part.strip().lower() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(found))


def _choices_text(choices: list[str]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def _config_per_page() -> int:
    try:
        return int(current_app.config.get("SEARCH_PER_PAGE", 20))
    except RuntimeError:  # outside an app context
        return 20


def public_point(latitude: float | None, longitude: float | None,
                 precision: str = "approximate") -> tuple[float | None, float | None]:
    """The point a visitor may see (see `privacy`), or (None, None); what templates and tests call."""
    return public_coordinates(latitude, longitude, precision) or (None, None)
