"""Turning what a visitor typed into a point and a time zone, and measuring distances between points.

`locate()` accepts a US ZIP (10001, 10001-1234), a UK postcode or outward code (LS1, SW1A 1AA), a
place name with or without a region or country (Austin, TX / Perth, Scotland / dublin) or a pair of
coordinates (40.75,-73.99). It never raises on bad input: it returns a result without a location,
with suggestions when something sensible is close.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import io
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, Float, Row, Table, bindparam, delete, func, insert, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import SQLAlchemyError

from ..database import commit
from ..extensions import db
from .models import Place
from .regions import (
    ABBREVIATED_REGIONS,
    COUNTRY_ALIASES,
    COUNTRY_NAMES,
    REGION_ALIASES,
    REGION_NAMES,
    UNLABELLED_REGIONS,
)

logger = logging.getLogger(__name__)

GEONAMES_ATTRIBUTION = "Contains GeoNames data, CC BY 4.0"
# UK postcode districts come from Ordnance Survey Code-Point Open (Open Government Licence v3.0).
OS_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right; "
    "Contains Royal Mail data © Royal Mail copyright and database right; "
    "Contains National Statistics data © Crown copyright and database right"
)
# Every notice the gazetteer's sources ask for, in the order a footer should show them.
ATTRIBUTIONS: tuple[str, ...] = (GEONAMES_ATTRIBUTION, OS_ATTRIBUTION)

EARTH_RADIUS_MILES = 3958.7613
KM_PER_MILE = 1.609344
MILES_PER_KM = 1 / KM_PER_MILE

MAX_QUERY_LENGTH = 120
MAX_ALTERNATIVES = 8
MAX_SUGGESTIONS = 8
# How alike (difflib's ratio) a town's name must be to what was typed to be offered as a spelling.
SPELLING_CUTOFF = 0.75
PLACE_KINDS = ("city", "postal")
# Northern Ireland's postcode area: only Belfast's districts have a point (see the gazetteer build).
NORTHERN_IRELAND_AREA = "BT"

_COORDINATES = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")
_ZIP = re.compile(r"^(\d{5})(?:[-\s]?\d{4})?$")
_ZIP_TOKEN = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?![\d-])")
_UK_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_UK_INWARD = re.compile(r"^\d[A-Z]{2}$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i", "'": "", "’": "", "‘": "", "ʼ": "", "`": ""}
)

# Words people abbreviate in place names: each query is tried with both spellings.
_WORD_VARIANTS = {
    "saint": ("st",), "st": ("saint",), "sainte": ("ste",), "ste": ("sainte",),
    "mount": ("mt",), "mt": ("mount",), "fort": ("ft",), "ft": ("fort",),
    "port": ("pt",), "pt": ("port",), "north": ("n",), "south": ("s",), "east": ("e",), "west": ("w",),
}
# Nicknames too short or too odd for the gazetteer's names.
_NICKNAMES = {
    "nyc": "new york city", "la": "los angeles", "sf": "san francisco", "philly": "philadelphia",
    "vegas": "las vegas", "dc": "washington d c", "nola": "new orleans", "slc": "salt lake city",
}


@dataclass(frozen=True)
class Location:
    """A point someone searched around, with what to call it and its time zone."""

    name: str
    label: str
    latitude: float
    longitude: float
    time_zone: str
    country: str
    region: str | None
    postal_code: str | None
    kind: str  # 'city' | 'postal' | 'point'
    query: str  # what to put back in the search box to find this place again


@dataclass
class LocateResult:
    """What `locate()` made of a query: the place, other places it could mean, or ideas when none."""

    query: str
    location: Location | None = None
    alternatives: list[Location] = field(default_factory=list)
    suggestions: list[Location] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.location is not None


# --------------------------------------------------------------------------------------------------
# Text


def normalise(text: str) -> str:
    """Lower-case ASCII without diacritics, punctuation folded to single spaces: how keys compare."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text[:1000].translate(_SPECIAL_LETTERS))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_ALNUM.sub(" ", text).strip()


def _build_qualifiers() -> dict[str, frozenset[tuple[str, str | None]]]:
    """Every normalised way to name a country or region -> the (country, region) pairs it may mean."""
    table: dict[str, set[tuple[str, str | None]]] = {}
    for alias, country in COUNTRY_ALIASES.items():
        table.setdefault(alias, set()).add((country, None))
    for country, name in COUNTRY_NAMES.items():
        table.setdefault(normalise(name), set()).add((country, None))
    for country, regions in REGION_NAMES.items():
        for code, name in regions.items():
            table.setdefault(normalise(code), set()).add((country, code))
            table.setdefault(normalise(name), set()).add((country, code))
    for country, aliases in REGION_ALIASES.items():
        for alias, code in aliases.items():
            table.setdefault(alias, set()).add((country, code))
    return {key: frozenset(value) for key, value in table.items()}


_QUALIFIERS = _build_qualifiers()
Filter = frozenset[tuple[str, str | None]]


def _parse_qualifier(tokens: Sequence[str]) -> Filter | None:
    """'tx', 'texas', 'on canada', 'scotland uk' -> the (country, region) pairs they allow."""
    whole = " ".join(tokens)
    if whole in _QUALIFIERS:
        return _QUALIFIERS[whole]
    for cut in range(1, len(tokens)):
        region_part, country_part = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        if country_part in COUNTRY_ALIASES and region_part in _QUALIFIERS:
            country = COUNTRY_ALIASES[country_part]
            allowed = frozenset(pair for pair in _QUALIFIERS[region_part] if pair[0] == country)
            if allowed:
                return allowed
    return None


def _name_candidates(key: str) -> list[tuple[str, Filter | None]]:
    """Ways to read a query: the whole as a name, then 'name + region/country' with longer suffixes first."""
    tokens = key.split()
    candidates: list[tuple[str, Filter | None]] = [(key, None)]
    for start in range(1, len(tokens)):
        allowed = _parse_qualifier(tokens[start:])
        if allowed:
            candidates.append((" ".join(tokens[:start]), allowed))
    return candidates


def _variants(key: str, limit: int = 8) -> list[str]:
    """The key and its spellings with saint/st, mount/mt, fort/ft... swapped, the key itself first."""
    keys = [key]
    if key in _NICKNAMES:
        keys.append(_NICKNAMES[key])
    tokens = key.split()
    for index, token in enumerate(tokens):
        for swap in _WORD_VARIANTS.get(token, ()):
            for existing in list(keys):
                parts = existing.split()
                if index < len(parts) and parts[index] == token:
                    parts[index] = swap
                    variant = " ".join(parts)
                    if variant not in keys:
                        keys.append(variant)
    return keys[:limit]


def _allowed(place: Any, allowed: Filter | None) -> bool:
    """Whether a place (or a row with its country and region) is in one of the allowed areas."""
    if allowed is None:
        return True
    return any(place.country == country and (region is None or place.region == region)
               for country, region in allowed)


# --------------------------------------------------------------------------------------------------
# Turning rows into locations


def region_label(country: str, region: str | None) -> str | None:
    """How a region shows in a label: TX, ON, NSW for abbreviating countries, the name elsewhere."""
    if not region or country in UNLABELLED_REGIONS:
        return None
    if country in ABBREVIATED_REGIONS:
        return region
    return REGION_NAMES.get(country, {}).get(region, region)


def place_label(name: str, country: str, region: str | None) -> str:
    """'Austin, TX', 'Toronto, ON, Canada', 'Perth, Scotland', 'Dublin, Ireland'."""
    parts = [name]
    shown = region_label(country, region)
    if shown:
        parts.append(shown)
    if country != "US" and not (country == "GB" and shown):
        parts.append(COUNTRY_NAMES.get(country, country))
    return ", ".join(parts)


def place_query(name: str, country: str, region: str | None) -> str:
    """What to type to find a town again: its label, with the region spelled out where the
    abbreviation could mean another country ('London, CA' would find London, Ontario)."""
    label = place_label(name, country, region)
    shown = region_label(country, region)
    if country == "US" and shown:
        countries = {pair[0] for pair in _QUALIFIERS.get(normalise(shown), ())}
        if countries != {"US"}:
            return f"{name}, {REGION_NAMES['US'].get(shown, shown)}"
    return label


def to_location(place: Place | Row[*tuple[Any, ...]]) -> Location:
    """A gazetteer row as a Location."""
    if place.kind == "postal" and place.postal_code:
        if place.country == "US":
            label = f"{place_label(place.name, place.country, place.region)} {place.postal_code}"
        else:
            label = f"{place.name} {place.postal_code}, {COUNTRY_NAMES.get(place.country, place.country)}"
        query = place.postal_code
    else:
        label = place_label(place.name, place.country, place.region)
        query = place_query(place.name, place.country, place.region)
    return Location(
        name=place.name,
        label=label,
        latitude=place.latitude,
        longitude=place.longitude,
        time_zone=place.time_zone,
        country=place.country,
        region=place.region,
        postal_code=place.postal_code if place.kind == "postal" else None,
        kind=place.kind,
        query=query,
    )


def _town_from_postal(rows: Sequence[Place]) -> Location:
    """A town known only by its ZIP codes (small US places): the mean of its ZIP centroids."""
    first = rows[0]
    label = place_label(first.name, first.country, first.region)
    query = place_query(first.name, first.country, first.region)
    return Location(
        name=first.name,
        label=label,
        latitude=round(sum(row.latitude for row in rows) / len(rows), 5),
        longitude=round(sum(row.longitude for row in rows) / len(rows), 5),
        time_zone=first.time_zone,
        country=first.country,
        region=first.region,
        postal_code=None,
        kind="city",
        query=query,
    )


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


def _by_keys(keys: Sequence[str], kind: str) -> list[Place]:
    if not keys:
        return []
    return list(db.session.scalars(select(Place).where(Place.search_key.in_(keys), Place.kind == kind)))


def _by_postal_code(code: str, country: str) -> Row[*tuple[Any, ...]] | None:
    """The gazetteer row of a postal code, or None. A plain row with a Place's attributes, not a Place:
    every search with a ZIP code asks this, and the ORM would track an object nobody changes."""
    return db.session.connection().execute(
        select(*Place.__table__.c)
        .where(Place.postal_code == code, Place.country == country, Place.kind == "postal")
        .order_by(Place.id).limit(1)
    ).first()


def _match_name(key: str, allowed: Filter | None) -> tuple[Location, list[Location]] | None:
    """A place name (maybe limited to some regions) -> the most populous match and the others."""
    keys = _variants(key)
    cities = _ranked(place for place in _by_keys(keys, "city") if _allowed(place, allowed))
    if cities:
        return to_location(cities[0]), [to_location(p) for p in cities[1 : MAX_ALTERNATIVES + 1]]
    towns: dict[tuple[str, str | None], list[Place]] = {}
    postal = sorted(_by_keys(keys, "postal"), key=lambda p: (p.country, p.region or "", p.postal_code or ""))
    for place in postal:
        if _allowed(place, allowed):
            towns.setdefault((place.country, place.region), []).append(place)
    if towns:
        # The town with the most ZIP codes is most likely the one meant.
        groups = sorted(towns.values(), key=lambda rows: (-len(rows), rows[0].country, rows[0].region or ""))
        locations = [_town_from_postal(rows) for rows in groups]
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


def uk_outward_code(text: str) -> str | None:
    """'SW1A 1AA', 'sw1a1aa', 'LS1' -> 'SW1A', 'LS1'; anything else -> None."""
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    if len(compact) > 7:
        return None
    if len(compact) >= 5 and _UK_INWARD.match(compact[-3:]) and _UK_OUTWARD.match(compact[:-3]):
        return compact[:-3]
    if _UK_OUTWARD.match(compact):
        return compact
    return None


def _locate_uk(outward: str) -> Location | None:
    place = _by_postal_code(outward, "GB")
    return to_location(place) if place else None


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """'40.75,-73.99' -> (40.75, -73.99) when both are in range."""
    match = _COORDINATES.match(text)
    if not match:
        return None
    latitude, longitude = float(match.group(1)), float(match.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if "." not in text and "," not in text:
        return None  # two bare integers separated by a space are more likely something else
    return latitude, longitude


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
    return Location(
        name=near.name,
        label=f"Near {place_label(near.name, near.country, near.region)}",
        latitude=latitude,
        longitude=longitude,
        time_zone=near.time_zone,
        country=near.country,
        region=near.region,
        postal_code=None,
        kind="point",
        query=query,
    )


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
    found = _ranked(p for p in prefixed if _allowed(p, allowed))
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
            select(Place.search_key, Place.country, Place.region).where(*towns)) if _allowed(row, allowed)}
        close = difflib.get_close_matches(key, sorted(keys), n=MAX_SUGGESTIONS, cutoff=SPELLING_CUTOFF)
        by_key: dict[str, list[Place]] = {}
        if close:
            for place in db.session.scalars(select(Place).where(*towns, Place.search_key.in_(close))):
                if _allowed(place, allowed):
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
    result = LocateResult(query=raw[:MAX_QUERY_LENGTH])
    if not raw or len(raw) > MAX_QUERY_LENGTH:
        return result
    try:
        _locate_into(raw, result)
    except SQLAlchemyError:
        logger.exception("gazetteer lookup failed for a %d-character query", len(raw))
        db.session.rollback()
        result.location, result.alternatives, result.suggestions = None, [], []
    return result


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
    candidates = _name_candidates(key)
    for name, allowed in candidates:
        match = _match_name(name, allowed)
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
    whole = _parse_qualifier(key.split())
    if whole:
        result.suggestions = _region_suggestions(whole)
        return
    # "Boston, Lincolnshire": a known name followed by words we do not know (a county, a typo).
    tokens = key.split()
    for end in range(min(len(tokens), 6) - 1, 0, -1):
        match = _match_name(" ".join(tokens[:end]), None)
        if match:
            result.suggestions = [match[0], *match[1]][:MAX_SUGGESTIONS]
            return
    for name, allowed in reversed(candidates):
        result.suggestions = _name_suggestions(name, allowed)
        if result.suggestions:
            return


# --------------------------------------------------------------------------------------------------
# Distances


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula, in statute miles."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def distance_miles_sql(other_latitude: ColumnElement[float], other_longitude: ColumnElement[float], *,
                       capped: bool = False) -> ColumnElement[float]:
    """`distance_miles` from an origin to SQL expressions, computed by the database.

    The origin comes as bound parameters (see `distance_parameters`), so one statement serves every
    place. Needs sin, cos, asin, sqrt and power: PostgreSQL has them, and SQLite too (built in, or
    supplied in Python when a connection opens, see `database.py`). For points within a bounding box
    well short of a hemisphere, the sine term cannot round past 1; for points anywhere, `capped`
    caps it as above (with `least`, which SQLite lacks: PostgreSQL only).
    """
    to_radians = math.pi / 180
    half_dphi = (other_latitude - bindparam("origin_latitude", type_=Float)) * (to_radians / 2)
    half_dlambda = (other_longitude - bindparam("origin_longitude", type_=Float)) * (to_radians / 2)
    a = (func.power(func.sin(half_dphi), 2)
         + bindparam("origin_cos_latitude", type_=Float) * func.cos(other_latitude * to_radians)
         * func.power(func.sin(half_dlambda), 2))
    root = func.least(func.sqrt(a), 1.0) if capped else func.sqrt(a)
    return 2 * EARTH_RADIUS_MILES * func.asin(root)


def distance_parameters(latitude: float, longitude: float) -> dict[str, float]:
    """The values `distance_miles_sql` binds for an origin."""
    return {"origin_latitude": latitude, "origin_longitude": longitude,
            "origin_cos_latitude": math.cos(math.radians(latitude))}


def bounding_box(latitude: float, longitude: float, miles: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing every point within `miles` of the centre.

    Near a pole, or where the box would cross the antimeridian, longitude opens to the full -180..180:
    a wider box than needed, never a missed point; the exact distance filter does the rest.
    """
    angular = max(miles, 0.0) / EARTH_RADIUS_MILES
    delta_lat = math.degrees(angular)
    min_lat, max_lat = latitude - delta_lat, latitude + delta_lat
    if min_lat <= -90 or max_lat >= 90 or angular >= math.pi / 2:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    ratio = math.sin(angular) / math.cos(math.radians(latitude))
    if ratio >= 1:
        return min_lat, max_lat, -180.0, 180.0
    delta_lon = math.degrees(math.asin(ratio))
    min_lon, max_lon = longitude - delta_lon, longitude + delta_lon
    if min_lon < -180 or max_lon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lon, max_lon


# --------------------------------------------------------------------------------------------------
# Loading the gazetteer

GAZETTEER_FILE = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer.csv.gz"
# One row of kind 'meta' records which file is loaded (its SHA-256 in `name`, its row count in
# `population`), so loading again can tell there is nothing to do. Lookups only read PLACE_KINDS.
VERSION_KIND = "meta"
VERSION_KEY = "~gazetteer-version"
LOAD_BATCH_SIZE = 5000


@dataclass(frozen=True)
class LoadReport:
    """What `load_gazetteer()` did: whether it (re)loaded, how many places are there, which file."""

    loaded: bool
    count: int
    version: str


def loaded_version() -> tuple[str, int] | None:
    """(file checksum, place count) of the gazetteer in the database, or None before the first load."""
    row = db.session.scalars(
        select(Place).where(Place.search_key == VERSION_KEY, Place.kind == VERSION_KIND).limit(1)
    ).first()
    return (row.name, row.population) if row else None


def _read_gazetteer(data: bytes) -> list[dict[str, Any]]:
    text = gzip.decompress(data).decode("utf-8")
    rows = []
    for record in csv.DictReader(io.StringIO(text)):
        rows.append({
            "kind": record["kind"],
            "name": record["name"],
            "search_key": record["search_key"],
            "region": record["region"] or None,
            "region_name": record["region_name"] or None,
            "country": record["country"],
            "postal_code": record["postal_code"] or None,
            "latitude": float(record["latitude"]),
            "longitude": float(record["longitude"]),
            "population": int(record["population"] or 0),
            "time_zone": record["time_zone"],
        })
    return rows


def load_gazetteer(path: Path | str | None = None, force: bool = False) -> LoadReport:
    """Replace the places table with the gazetteer file, in one transaction; a no-op when it is current."""
    data = Path(path or GAZETTEER_FILE).read_bytes()
    version = hashlib.sha256(data).hexdigest()
    current = loaded_version()
    if current and current[0] == version and not force:
        count = db.session.scalar(select(func.count()).select_from(Place).where(Place.kind.in_(PLACE_KINDS)))
        if count == current[1]:
            return LoadReport(loaded=False, count=count, version=version)
    rows = _read_gazetteer(data)
    table = cast(Table, Place.__table__)  # a model's FromClause, which is its Table
    try:
        db.session.execute(delete(table))
        for start in range(0, len(rows), LOAD_BATCH_SIZE):
            db.session.execute(insert(table), rows[start : start + LOAD_BATCH_SIZE])
        db.session.execute(insert(table), [{
            "kind": VERSION_KIND, "name": version, "search_key": VERSION_KEY, "region": None,
            "region_name": None, "country": "", "postal_code": None, "latitude": 0.0, "longitude": 0.0,
            "population": len(rows), "time_zone": "",
        }])
        commit()
    except Exception:
        db.session.rollback()
        raise
    # Fresh statistics, so the planner picks the search_key and postal_code indexes straight away.
    db.session.execute(sql_text("ANALYZE places"))
    commit()
    logger.info("gazetteer loaded: %d places from version %s", len(rows), version[:12])
    return LoadReport(loaded=True, count=len(rows), version=version)
