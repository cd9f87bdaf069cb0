"""Reading what a visitor typed: place names and their region or country, postcodes, coordinates; and how
a place is labelled and queried again."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from .regions import (
    ABBREVIATED_REGIONS,
    COUNTRY_ALIASES,
    COUNTRY_NAMES,
    REGION_ALIASES,
    REGION_NAMES,
    UNLABELLED_REGIONS,
)

_COORDINATES = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")
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


def parse_qualifier(tokens: Sequence[str]) -> Filter | None:
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


def name_candidates(key: str) -> list[tuple[str, Filter | None]]:
    """Ways to read a query: the whole as a name, then 'name + region/country' with longer suffixes first."""
    tokens = key.split()
    candidates: list[tuple[str, Filter | None]] = [(key, None)]
    for start in range(1, len(tokens)):
        allowed = parse_qualifier(tokens[start:])
        if allowed:
            candidates.append((" ".join(tokens[:start]), allowed))
    return candidates


def spellings(key: str, limit: int = 8) -> list[str]:
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


def in_area(place: Any, allowed: Filter | None) -> bool:
    """Whether a place (or a row with its country and region) is in one of the allowed areas."""
    if allowed is None:
        return True
    return any(place.country == country and (region is None or place.region == region)
               for country, region in allowed)


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
