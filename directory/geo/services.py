"""Turning what a visitor typed into a point and a time zone, by lookups in the gazetteer.

`locate()` accepts a US ZIP (10001, 10001-1234), a UK postcode or outward code (LS1, SW1A 1AA), a
place name with or without a region or country (Austin, TX / Perth, Scotland / dublin) or a pair of
coordinates (40.75,-73.99). It never raises on bad input: it returns a result without a location,
with suggestions when something sensible is close.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from .. import data_version, driver
from ..extensions import db
from .distance import distance_miles

# The place types are a search's vocabulary: callers know them as this module's (`geo.Location`).
from .locations import LocateResult as LocateResult
from .locations import Location as Location
from .locations import location_named, town_from_postal
from .locations import to_location as to_location
from .models import PLACE_KINDS, Place
from .names import (
    Filter,
    in_area,
    name_candidates,
    normalise,
    parse_coordinates,
    parse_qualifier,
    place_label,
    spellings,
    uk_outward_code,
)

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 120
MAX_ALTERNATIVES = 8
MAX_SUGGESTIONS = 8
# Keys per lookup query: well under SQLite's smallest limit on bound parameters (999).
MAX_KEYS_PER_QUERY = 500
# How alike (difflib's ratio) a town's name must be to what was typed to be offered as a spelling.
SPELLING_CUTOFF = 0.75
# Northern Ireland's postcode area: only Belfast's districts have a point (see the gazetteer build).
NORTHERN_IRELAND_AREA = "BT"

# What locate() found for each text, per data version (see locate).
_KEPT = data_version.KeptPerVersion("places", entries=4096)

_ZIP = re.compile(r"^(\d{5})(?:[-\s]?\d{4})?$")
_ZIP_TOKEN = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?![\d-])")


def _ranked(places: Iterable[Place]) -> list[Place]:
    """Most populous first; one row per (country, region, name) so aliases do not repeat a town."""
    ordered = sorted(places, key=lambda p: (-(p.population or 0), p.country, p.region or "", p.name, p.id))
    seen: set[tuple[str, str | None, str]] = set()
    unique = []
    for place in ordered:
        identity = (place.country, place.region, normalise(place.name))
        if identity not in seen:
            seen.add(identity)
            unique.append(place)
    return unique


# --------------------------------------------------------------------------------------------------
# Lookups (each an indexed query on search_key or postal_code)


def _by_keys(keys: Iterable[str]) -> dict[str, list[Place]]:
    """Cities and postal rows under any of the keys, by key: one query for every name a typed place could
    be read as, where one per reading and kind cost each search the ORM's per-query work several times
    over (most readings match nothing)."""
    found: dict[str, list[Place]] = {}
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), MAX_KEYS_PER_QUERY):
        for place in db.session.scalars(
                select(Place).where(Place.search_key.in_(wanted[start:start + MAX_KEYS_PER_QUERY]),
                                    Place.kind.in_(("city", "postal")))):
            found.setdefault(place.search_key, []).append(place)
    return found


# Built once: every search with a ZIP code or postcode asks, and building it cost five times running it.
_POSTAL_ROW = (select(*Place.__table__.c).where(Place.postal_code == bindparam("code"),
                                                Place.country == bindparam("country"), Place.kind == "postal")
               .order_by(Place.id).limit(1))


def _by_postal_code(code: str, country: str) -> Any | None:
    """The gazetteer row of a postal code, or None: a plain row, which the ORM would not track, read
    through the driver (see driver)."""
    rows = driver.rows(db.session.connection(), _POSTAL_ROW, {"code": code, "country": country})
    return rows[0] if rows else None


def _match_name(key: str, allowed: Filter | None,
                known: dict[str, list[Place]]) -> tuple[Location, list[Location]] | None:
    """A place name (maybe limited to some regions) -> the most populous match and the others.
    `known` holds the rows of every spelling of the key (see `_by_keys`)."""
    rows = [place for spelling in dict.fromkeys(spellings(key)) for place in known.get(spelling, [])]
    cities = _ranked(place for place in rows if place.kind == "city" and in_area(place, allowed))
    if cities:
        return to_location(cities[0]), [to_location(p) for p in cities[1 : MAX_ALTERNATIVES + 1]]
    towns: dict[tuple[str, str | None], list[Place]] = {}
    postal = sorted((place for place in rows if place.kind == "postal"),
                    key=lambda p: (p.country, p.region or "", p.postal_code or ""))
    for place in postal:
        if in_area(place, allowed):
            towns.setdefault((place.country, place.region), []).append(place)
    if towns:
        # The town with the most ZIP codes is most likely the one meant.
        groups = sorted(towns.values(), key=lambda rows: (-len(rows), rows[0].country, rows[0].region or ""))
        locations = [town_from_postal(rows) for rows in groups]
        return locations[0], locations[1 : MAX_ALTERNATIVES + 1]
    return None


def _locate_zip(code: str) -> Location | None:
    place = _by_postal_code(code, "US")
    return to_location(place) if place else None


def _zip_suggestions(code: str) -> list[Location]:
    """ZIP codes near a mistyped one: same first three digits, numerically closest first."""
    prefix = code[:3]
    rows = db.session.scalars(
        select(Place).where(
            Place.postal_code >= prefix, Place.postal_code < prefix + "~", Place.kind == "postal",
        ).limit(500)
    ).all()
    # Country is checked here, not in SQL, so the database ranges over the postal-code index.
    codes = {place: place.postal_code for place in rows
             if place.country == "US" and place.postal_code and place.postal_code.isdigit()}
    ranked = sorted(codes, key=lambda place: (abs(int(codes[place]) - int(code)), codes[place]))
    return [to_location(place) for place in ranked[:MAX_SUGGESTIONS]]


def _locate_uk(outward: str) -> Location | None:
    place = _by_postal_code(outward, "GB")
    return to_location(place) if place else None


def nearest_place(latitude: float, longitude: float) -> Place | None:
    """The gazetteer row closest to a point.

    One pass over the table (there is no index on coordinates): the database orders rows by a flat
    approximation of distance, then the closest few are re-ranked by great-circle distance.
    """
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    scale = max(math.cos(math.radians(latitude)), 0.01)
    candidates: list[tuple[float, int]] = []
    # Near the antimeridian, also look at the other side of it.
    centres = [longitude]
    if abs(longitude) > 170:
        centres.append(longitude - 360 if longitude > 0 else longitude + 360)
    for centre in centres:
        d_lat = Place.latitude - latitude
        d_lon = (Place.longitude - centre) * scale
        rows = db.session.execute(
            select(Place.id, Place.latitude, Place.longitude)
            .where(Place.kind.in_(PLACE_KINDS))
            .order_by(d_lat * d_lat + d_lon * d_lon, Place.id)
            .limit(25)
        ).all()
        candidates.extend((distance_miles(latitude, longitude, lat, lon), id_) for id_, lat, lon in rows)
    if not candidates:
        return None
    return db.session.get(Place, min(candidates)[1])


def _locate_point(latitude: float, longitude: float) -> Location:
    near = nearest_place(latitude, longitude)
    query = f"{latitude:.5f},{longitude:.5f}"
    if near is None:
        return Location(name=query, label=query, latitude=latitude, longitude=longitude, time_zone="UTC",
                        country="", region=None, postal_code=None, kind="point", query=query)
    return location_named(near, latitude, longitude, kind="point", query=query,
                          label=f"Near {place_label(near.name, near.country, near.region)}")


def places_in_region(country: str, region: str | None = None, limit: int = 50) -> list[Place]:
    """The largest towns of a country or region, for 'browse by area' pages and suggestions."""
    statement = select(Place).where(Place.country == country, Place.kind == "city")
    if region:
        statement = statement.where(Place.region == region)
    statement = statement.order_by(Place.population.desc(), Place.name, Place.id).limit(limit * 2)
    return _ranked(db.session.scalars(statement))[:limit]


def _name_suggestions(key: str, allowed: Filter | None) -> list[Location]:
    """Names starting with what was typed, else names that look like it (typos)."""
    if not key:
        return []
    prefixed = db.session.scalars(
        select(Place).where(Place.search_key >= key, Place.search_key < key + "~", Place.kind == "city")
        .order_by(Place.population.desc(), Place.id).limit(200)
    ).all()
    found = _ranked(p for p in prefixed if in_area(p, allowed))
    if not found:
        # difflib's ratio is at most 2·shorter/(both lengths), so a name that close is 0.6 to 1/0.6
        # times as long as what was typed: no other name needs reading at all.
        factor = SPELLING_CUTOFF / (2 - SPELLING_CUTOFF)
        towns = (Place.search_key >= key[0], Place.search_key < key[0] + "~", Place.kind == "city",
                 Place.population >= 1000,
                 func.length(Place.search_key).between(math.ceil(len(key) * factor - 1e-9),
                                                       math.floor(len(key) / factor + 1e-9)))
        # Only the keys are compared: thousands of towns share a first letter, and loading each as an
        # object made every misspelt (or hostile) place name cost a tenth of a second.
        keys = {row.search_key for row in db.session.execute(
            select(Place.search_key, Place.country, Place.region).where(*towns)) if in_area(row, allowed)}
        close = difflib.get_close_matches(key, sorted(keys), n=MAX_SUGGESTIONS, cutoff=SPELLING_CUTOFF)
        by_key: dict[str, list[Place]] = {}
        if close:
            for place in db.session.scalars(select(Place).where(*towns, Place.search_key.in_(close))):
                if in_area(place, allowed):
                    by_key.setdefault(place.search_key, []).append(place)
        found = _ranked(place for close_key in close for place in by_key.get(close_key, []))
        # Closest spelling first, then population.
        order = {close_key: rank for rank, close_key in enumerate(close)}
        found.sort(key=lambda p: order[p.search_key])
    return [to_location(p) for p in found[:MAX_SUGGESTIONS]]


def _region_suggestions(allowed: Filter) -> list[Location]:
    places: list[Place] = []
    for country, region in sorted(allowed, key=lambda pair: (pair[0], pair[1] or "")):
        places.extend(places_in_region(country, region, MAX_SUGGESTIONS))
    return [to_location(p) for p in _ranked(places)[:MAX_SUGGESTIONS]]


# --------------------------------------------------------------------------------------------------
# The entry point


def locate(text: str) -> LocateResult:
    """What the visitor typed -> a Location (or alternatives, or suggestions). Never raises on input."""
    raw = text if isinstance(text, str) else ""
    raw = raw.strip()
    if not raw or len(raw) > MAX_QUERY_LENGTH:
        return LocateResult(query=raw[:MAX_QUERY_LENGTH])
    if not current_app.config["KEEP_PLACES"]:
        return _located(raw)[0]
    # The same text finds the same place while the data version holds (a gazetteer load moves it): each
    # search asks, and real traffic asks a few places again and again. A failed lookup is not kept.
    found, _ = _KEPT.get(raw, lambda: _located(raw), keep=lambda answer: answer[1])
    return replace(found, alternatives=list(found.alternatives), suggestions=list(found.suggestions))


def _located(raw: str) -> tuple[LocateResult, bool]:
    """What `raw` finds, and False when the gazetteer could not be read."""
    result = LocateResult(query=raw)
    try:
        _locate_into(raw, result)
    except SQLAlchemyError:
        logger.exception("gazetteer lookup failed for a %d-character query", len(raw))
        db.session.rollback()
        return LocateResult(query=raw), False
    return result, True


def _locate_into(raw: str, result: LocateResult) -> None:
    point = parse_coordinates(raw)
    if point:
        result.location = _locate_point(*point)
        return

    zip_match = _ZIP.match(raw)
    if zip_match:
        result.location = _locate_zip(zip_match.group(1))
        if result.location is None:
            result.suggestions = _zip_suggestions(zip_match.group(1))
        return

    outward = uk_outward_code(raw)
    if outward:
        result.location = _locate_uk(outward)
        if result.location:
            return
        if outward.startswith(NORTHERN_IRELAND_AREA) and outward[2:].isdigit():
            result.suggestions = [to_location(p) for p in places_in_region("GB", "NIR", MAX_SUGGESTIONS)]
            return

    key = normalise(raw)
    if not key:
        return
    candidates = name_candidates(key)
    tokens = key.split()
    prefixes = [" ".join(tokens[:end]) for end in range(min(len(tokens), 6) - 1, 0, -1)]
    known = _by_keys(spelling for name in [*(name for name, _ in candidates), *prefixes]
                     for spelling in spellings(name))
    for name, allowed in candidates:
        match = _match_name(name, allowed, known)
        if match:
            result.location, result.alternatives = match
            return

    # "Austin TX 78701": a ZIP code inside other words.
    token = _ZIP_TOKEN.search(raw)
    if token:
        result.location = _locate_zip(token.group(1))
        if result.location:
            return

    # Nothing matched: a region alone ("Texas") gets its largest towns, anything else similar names.
    whole = parse_qualifier(key.split())
    if whole:
        result.suggestions = _region_suggestions(whole)
        return
    # "Boston, Lincolnshire": a known name followed by words we do not know (a county, a typo).
    for prefix in prefixes:
        match = _match_name(prefix, None, known)
        if match:
            result.suggestions = [match[0], *match[1]][:MAX_SUGGESTIONS]
            return
    for name, allowed in reversed(candidates):
        result.suggestions = _name_suggestions(name, allowed)
        if result.suggestions:
            return
