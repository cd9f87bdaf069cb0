"""What a search returns, and `search()`, which runs the pipeline to build it."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from babel.numbers import format_decimal

from ...extensions import db
from ...geo import services as geo
from ...geo.distance import KM_PER_MILE
from ...i18n import current_locale, gettext, languages, ngettext
from ...timeutil import utcnow
from ..cards import ListingCard, load_cards
from ..models import KIND_GROUP
from ..privacy import public_coordinates
from ..schedule import Occurrence, next_of_each, soonest
from . import cache, indexes, vocabulary
from .fulltext import keyword_value, prepare_keyword_search
from .local import (
    FEW_RESULTS,
    LOCAL_COUNT_LIMIT,
    LocalList,
    WiderRadius,
    local_candidates,
    wider_counts,
)
from .online import ONLINE_PREVIEW, PAGES_AHEAD, OnlineRow, online_candidates
from .params import RADII, SearchParams
from .statements import Section

logger = logging.getLogger(__name__)

# "Found nothing near": no matching in-person listing within this many miles, whatever radius was asked.
# One of the radii on offer (RADII), so the counts for a wider radius hold it.
NEAR_MILES = 25


@dataclass
class Hit:
    """One listing in the results, with how far it is (None for online listings without a place)."""

    listing: ListingCard  # read-only, with a Listing's attributes (see `cards`)
    distance_miles: float | None = None
    units: str = "mi"
    rank: float | None = None
    upcoming: list[Occurrence] = field(default_factory=list)
    # A group's rules' next occurrences, in the listing's order (see schedule.next_of_each); empty when not
    # worked out (a result kept from before this field existed reads the class's empty default).
    firsts: tuple[Occurrence | None, ...] = ()

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
    # False when the local count stopped at its limit: there are more than `local_total`.
    local_total_exact: bool = True
    online: list[Hit] = field(default_factory=list)
    online_total: int = 0
    # False when the online count stopped at its limit: there are more than `online_total`.
    online_total_exact: bool = True
    # Hybrid listings of the local list, left out of the online list beside it (so never shown twice)
    # but counted in `online_all`, the number of the page that lists every online option.
    online_also_local: int = 0
    # Which list the page numbers apply to: "local" (a place was found) or "online" (otherwise).
    paginated: str = "online"
    page: int = 1
    per_page: int = 20
    wider: WiderRadius | None = None
    # Keywords were typed but held nothing searchable (only stop words or punctuation).
    keywords_ignored: bool = False
    # Matching in-person listings within NEAR_MILES of the place, whatever the radius; exact up to
    # FEW_RESULTS (beyond, at least that many). None without a place or a local list.
    near_total: int | None = None

    @property
    def errors(self) -> Mapping[str, str]:
        return self.params.errors

    @property
    def total(self) -> int:
        """Results in the paginated list."""
        return self.local_total if self.paginated == "local" else self.online_total

    @property
    def total_exact(self) -> bool:
        """Whether `total` is the whole count, not a lower bound."""
        return self.local_total_exact if self.paginated == "local" else self.online_total_exact

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
                   right_edge: int = 2) -> Iterator[int | None]:
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
        return (self.origin is not None and self.params.wants_local() and self.local_total < FEW_RESULTS
                and self.local_total_exact)

    @property
    def online_all(self) -> int:
        """Every online option, those shown nearby too: what the page of online options counts."""
        return self.online_total + self.online_also_local

    @property
    def is_empty(self) -> bool:
        return self.local_total == 0 and self.online_total == 0

    @property
    def hits(self) -> list[Hit]:
        """The paginated list's page."""
        return self.local if self.paginated == "local" else self.online


def search(params: SearchParams, *, now: datetime | None = None, online_preview: int = ONLINE_PREVIEW,
           language: str | None = None) -> SearchResults:
    """Run a search. Never raises for anything a visitor can type; bad values are already left out.

    `language` is the language the results are read in (by default the one the request is served in):
    when it is not the site's default, the local list puts the listings offered in it first within each
    distance band (see local.local_candidates).

    When the local list is the one paginated, the online list beside it holds its first
    `online_preview` entries (`online_total` counts them, exactly up to ONLINE_COUNT_LIMIT).
    The listings come as cards (see `cards`), with their topics, meetings, audiences and languages.
    A search of the present moment may come from the cache (see `cache`); one at a given `now` never does.
    """
    if now is not None:
        return _search(params, now, online_preview, language)
    results = cache.remembered(params, (online_preview, language),
                               lambda: _search(params, utcnow(), online_preview, language))
    if results.params is not params:
        results = replace(results, params=params)  # as this visitor typed it
    return results


def _search(params: SearchParams, now: datetime, online_preview: int, language: str | None) -> SearchResults:
    results = SearchResults(params=params, page=params.page, per_page=params.per_page)
    if params.near:
        found = geo.locate(params.near)
        results.origin = found.location
        results.alternatives = list(found.alternatives or [])
        results.suggestions = list(found.suggestions or [])
        results.place_not_found = found.location is None

    keywords = keyword_value(params.q, db.engine.dialect.name) if params.q else None
    results.keywords_ignored = bool(params.q) and keywords is None
    # How the statements match the words (see fulltext.prepare_keyword_search); None without keywords.
    matches = prepare_keyword_search(db.session, keywords, by_area=True) if keywords is not None else None
    # Parameters built some other way than through vocabulary.resolve have their ids read now: a slug
    # no row has (such as a topic deleted since) then matches nothing.
    ids = params.vocabulary
    if ids is None:
        ids = vocabulary.read(params.topics, params.audiences)[0]

    def section(formats: tuple[str, ...]) -> Section:
        return Section.of(params, formats, keywords, matches, ids, now)

    local = LocalList([], 0, True, frozenset())
    origin = results.origin
    shown = params.shown
    if origin is not None and params.wants_local():
        in_person = section(indexes.IN_PERSON_FORMATS)
        # Counted at least PAGES_AHEAD pages past the page, as the online list is.
        count_limit = max(LOCAL_COUNT_LIMIT, shown.stop + params.per_page * PAGES_AHEAD)
        local = local_candidates(in_person, origin, params.radius, shown=shown,
                                 language=_language_first(language), count_limit=count_limit)
        results.paginated = "local"
    results.local_total, results.local_total_exact = local.total, local.exact

    online: list[OnlineRow] = []
    if params.wants_online():
        beside_local = results.paginated == "local"
        # Hybrid listings in the local list are not offered again online.
        online, results.online_total, results.online_total_exact = online_candidates(
            section(indexes.ONLINE_FORMATS), origin,
            needed=online_preview if beside_local else shown.stop,
            paginated_by=None if beside_local else params.per_page,
            beside_miles=params.radius if beside_local else None,
            beside_ids=local.hybrid_ids if local.exact else None,
        )
        results.online_also_local = len(local.hybrid_ids)
        # Past its count's limit the local list knows only some of its hybrid listings.
        results.online_total_exact = results.online_total_exact and local.exact

    if origin is not None and params.wants_local():
        if results.few_local and params.radius < RADII[-1]:
            results.wider, counts = wider_counts(in_person, origin, params.radius, local.total,
                                                 at_least=NEAR_MILES)
            results.near_total = counts[NEAR_MILES]
        else:
            # The rows read hold every one within NEAR_MILES, or past the count's limit at least
            # FEW_RESULTS of them (a radius under NEAR_MILES holds no others).
            results.near_total = sum(1 for row in local.rows if row.miles <= NEAR_MILES)

    if results.paginated == "local":
        local_page, online_page = local.rows[shown], online[:online_preview]
    else:
        local_page, online_page = [], online[shown]
    loaded = _load([row.id for row in local_page] + [row.id for row in online_page])
    # A listing gone since its list was read is left out.
    results.local = [_hit(loaded[row.id], row.miles, params.units, now, row.rank)
                     for row in local_page if row.id in loaded]
    online_hits = [_hit(loaded[row.id], row.miles, params.units, now)
                   for row in online_page if row.id in loaded]
    # A mentor taking nobody new is no first suggestion: on each page those who are come first (a stable
    # sort, so the order is otherwise the list's own).
    online_hits.sort(key=lambda hit: not hit.listing.open_to_new_people)
    results.online = online_hits
    logger.debug(
        "search near=%r radius=%s local=%s online=%s", params.near, params.radius, results.local_total,
        results.online_total,
    )
    return results


def _language_first(language: str | None) -> str | None:
    """The language whose listings come first in each band: none when results are read in the default
    language (most listings are held in it; ordering by it would only cost time)."""
    language = language or current_locale()
    return None if language == languages()[0] else language


def _load(ids: list[int]) -> dict[int, ListingCard]:
    """The page's listings as read-only cards (see `cards`)."""
    return load_cards(list(dict.fromkeys(ids)))


def _hit(listing: ListingCard, miles: float | None, units: str, now: datetime,
         rank: float | None = None) -> Hit:
    if listing.kind != KIND_GROUP:
        return Hit(listing=listing, distance_miles=miles, units=units, rank=rank)
    firsts = next_of_each(listing, after=now)
    return Hit(listing=listing, distance_miles=miles, units=units, rank=rank, upcoming=soonest(firsts),
               firsts=firsts)


def format_distance(miles: float | None, units: str = "mi") -> str:
    """'2.4 mi' / '3.9 km' ('2,4 mi' in Spanish): one decimal under ten, whole numbers above."""
    if miles is None:
        return ""
    value = miles * KM_PER_MILE if units == "km" else miles
    locale = current_locale()
    if value < 0.1:
        least = _decimal(0.1, "0.0", locale)
        return str(gettext("under %(distance)s", distance=f"{least} {units}"))
    if value < 10:
        return f"{_decimal(round(value, 1), '0.0', locale)} {units}"
    return f"{_decimal(round(value), '#,##0', locale)} {units}"


@lru_cache(maxsize=4096)
def _decimal(value: float, pattern: str, locale: str) -> str:
    """Babel's number for a rounded distance: a page shows dozens, out of a few hundred there are."""
    return format_decimal(value, pattern, locale=locale)


def radius_label(radius: int, units: str = "mi") -> str:
    """'25 miles' or, for visitors who read kilometres, '25 miles (40 km)' ('25 millas (40 km)')."""
    text = str(ngettext("%(num)s mile", "%(num)s miles", radius))
    if units != "km":
        return text
    return str(gettext("%(miles)s (%(km)s km)", miles=text, km=round(radius * KM_PER_MILE)))


def radius_short(radius: int, units: str = "mi") -> str:
    """'25 mi' or '40 km': the distance in the folded search form's one line."""
    return f"{round(radius * KM_PER_MILE)} km" if units == "km" else f"{radius} mi"


def public_point(latitude: float | None, longitude: float | None,
                 precision: str = "approximate") -> tuple[float | None, float | None]:
    """The point a visitor may see (see `privacy`), or (None, None); what templates and tests call."""
    return public_coordinates(latitude, longitude, precision) or (None, None)
