"""A place as a search holds it (`Location`), and what `locate()` made of a text (`LocateResult`), made
from the gazetteer's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row

from .models import Place
from .names import place_label, place_query
from .regions import COUNTRY_NAMES


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

    @property
    def spoken(self) -> str:
        """How a sentence names it: the visitor's own position is "you (New York, NY)", not a label that
        reads "near Near New York"; any other place is its label."""
        if self.kind != "point":
            return self.label
        if not self.country:
            return "you"
        return f"you ({place_label(self.name, self.country, self.region)})"


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


def location_named(place: Place | Row[*tuple[Any, ...]], latitude: float, longitude: float, *, kind: str,
                   label: str | None = None, query: str | None = None,
                   postal_code: str | None = None) -> Location:
    """A Location named after a gazetteer row (its town's label and query unless told otherwise)."""
    return Location(
        name=place.name,
        label=label or place_label(place.name, place.country, place.region),
        latitude=latitude,
        longitude=longitude,
        time_zone=place.time_zone,
        country=place.country,
        region=place.region,
        postal_code=postal_code,
        kind=kind,
        query=query or place_query(place.name, place.country, place.region),
    )


def to_location(place: Place | Row[*tuple[Any, ...]]) -> Location:
    """A gazetteer row as a Location."""
    if place.kind == "postal" and place.postal_code:
        if place.country == "US":
            label = f"{place_label(place.name, place.country, place.region)} {place.postal_code}"
        else:
            label = f"{place.name} {place.postal_code}, {COUNTRY_NAMES.get(place.country, place.country)}"
        return location_named(place, place.latitude, place.longitude, kind=place.kind, label=label,
                              query=place.postal_code, postal_code=place.postal_code)
    return location_named(place, place.latitude, place.longitude, kind=place.kind,
                          postal_code=place.postal_code if place.kind == "postal" else None)


def town_from_postal(rows: Sequence[Place]) -> Location:
    """A town known only by its ZIP codes (small US places): the mean of its ZIP centroids."""
    return location_named(rows[0], round(sum(row.latitude for row in rows) / len(rows), 5),
                          round(sum(row.longitude for row in rows) / len(rows), 5), kind="city")
