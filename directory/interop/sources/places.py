"""A record's place, completed from the gazetteer: the point, the country and the time zone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from ...geo.services import Location, locate, nearest_place, to_location
from ...i18n import gettext


@cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


class Gazetteer:
    """geo.locate with a memory: a feed names the same towns and points again and again."""

    def __init__(self) -> None:
        self.found: dict[str, Location | None] = {}

    def point(self, latitude: float, longitude: float) -> Location | None:
        key = f"{latitude:.2f},{longitude:.2f}"
        if key not in self.found:
            place = nearest_place(latitude, longitude)
            self.found[key] = to_location(place) if place is not None else None
        return self.found[key]

    def text(self, query: str) -> Location | None:
        key = query.strip().lower()
        if not key:
            return None
        if key not in self.found:
            self.found[key] = locate(query).location
        return self.found[key]


@dataclass
class Place:
    """A record's place as far as the record says it, then completed from the gazetteer."""

    address_line: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None
    exact: bool = False
    time_zone: str = ""

    @property
    def named(self) -> bool:
        return bool(self.city or self.postal_code or self.address_line or self.latitude is not None)

    def describe(self) -> str:
        return ", ".join(part for part in (self.address_line, self.city, self.region, self.postal_code,
                                            self.country) if part) or "no place"

    def complete(self, gazetteer: Gazetteer) -> str | None:
        """Fill the point, country and time zone from the gazetteer; a refusal reason if it can't."""
        if self.latitude is not None and self.time_zone and self.country:
            return None  # the record says it all (finding the nearest town reads the whole gazetteer)
        location = None
        if self.latitude is not None and self.longitude is not None:
            location = gazetteer.point(self.latitude, self.longitude)
        if location is None and self.postal_code:
            location = gazetteer.text(" ".join(part for part in (self.postal_code, self.country) if part))
        if location is None and self.city:
            location = gazetteer.text(", ".join(part for part in (self.city, self.region) if part))
        if location is None:
            if self.latitude is None and self.city:
                return str(gettext("unknown place: %(place)s is not in the gazetteer", place=self.describe()))
            if not self.time_zone:
                return str(gettext("no time zone: the record gives none and its place (%(place)s) is unknown",
                               place=self.describe()))
            return None
        if self.latitude is None or self.longitude is None:
            self.latitude, self.longitude = location.latitude, location.longitude
        self.country = self.country or location.country
        self.region = self.region or (location.region or "")
        self.time_zone = self.time_zone or location.time_zone
        return None

    def fields(self) -> dict[str, Any]:
        return {"address_line": self.address_line[:200] if self.exact else "", "city": self.city[:100],
                "region": self.region[:100], "postal_code": self.postal_code[:12],
                "country": (self.country or "US")[:2], "latitude": self.latitude, "longitude": self.longitude,
                "location_precision": "exact" if self.exact and self.address_line else "approximate"}
