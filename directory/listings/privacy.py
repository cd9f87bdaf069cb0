"""What of a listing's location the public may see: the exact point only when the organiser chose it.

Some groups do not want their door on the internet, so "approximate" is the default precision: every
public output (page, map, JSON, exports, distances) rounds the point to 2 decimal places, a cell of
about 1.1 km north-south (less east-west away from the equator). Use these helpers for any of them.
"""

from __future__ import annotations

import math
from typing import Protocol

from sqlalchemy import ColumnElement, case, func
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.util import AliasedClass

from .cards import ListingCard
from .models import FORMAT_ONLINE, Listing

PUBLIC_DECIMALS = 2
SCALE = 10.0 ** PUBLIC_DECIMALS
EXACT = "exact"


# Added before truncating, so the value is positive and truncating rounds half up (see round_public).
OFFSET = 180 * SCALE + 0.5


def round_public(value: float) -> float:
    """A coordinate rounded to PUBLIC_DECIMALS, half up: the same arithmetic as `public_point_sql`.

    Both sides compute (trunc(x * 100 + 18000.5) - 18000) / 100 in IEEE doubles, so the point the
    page shows and the point the database measures distances to are the very same numbers.
    """
    # `+ 0.0` turns a rounded -0.0 into 0.0, so output never shows a meaningless sign.
    return (math.trunc(value * SCALE + OFFSET) - 180 * SCALE) / SCALE + 0.0


def public_point_sql(listing: type[Listing] | AliasedClass[Listing] = Listing,
                     ) -> tuple[ColumnElement[float], ColumnElement[float]]:
    """(latitude, longitude) SQL expressions of the point the public sees, for measuring in the database
    (of `listing`: the table, or an alias of it)."""
    def rounded(column: InstrumentedAttribute[float | None]) -> ColumnElement[float]:
        rounded_value = (func.trunc(column * SCALE + OFFSET) - 180 * SCALE) / SCALE
        return case((listing.location_precision == EXACT, column), else_=rounded_value)

    return rounded(listing.latitude), rounded(listing.longitude)


def public_coordinates(
    latitude: float | None, longitude: float | None, precision: str | None = "approximate"
) -> tuple[float, float] | None:
    """A point as the public may see it, or None when there is no point; anything but 'exact' is rounded."""
    if latitude is None or longitude is None:
        return None
    if precision == EXACT:
        return float(latitude), float(longitude)
    return round_public(latitude), round_public(longitude)


def public_point(listing: Listing | ListingCard) -> tuple[float, float] | None:
    """Where a listing may be shown on a map: None for online-only listings and listings without a point."""
    if listing.format == FORMAT_ONLINE:
        return None
    return public_coordinates(listing.latitude, listing.longitude, listing.location_precision)


class Placed(Protocol):
    """What the address rule reads: a Listing, or an export's plain record of one."""

    format: str
    location_precision: str
    address_line: str


def shows_exact_address(listing: Placed) -> bool:
    """The street address is public only when the organiser chose to publish the exact place."""
    chosen = listing.location_precision == EXACT
    return listing.format != FORMAT_ONLINE and chosen and bool(listing.address_line)
