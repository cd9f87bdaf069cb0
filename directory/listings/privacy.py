"""What of a listing's location the public may see: the exact point only when the organiser chose it.

Some groups do not want their door on the internet, so "approximate" is the default precision: every
public output (page, map, JSON, exports, distances) rounds the point to 2 decimal places, a cell of
about 1.1 km north-south (less east-west away from the equator). Use these helpers for any of them.
"""

from __future__ import annotations

from .models import FORMAT_ONLINE, Listing

PUBLIC_DECIMALS = 2
EXACT = "exact"


def public_coordinates(
    latitude: float | None, longitude: float | None, precision: str | None = "approximate"
) -> tuple[float, float] | None:
    """A point as the public may see it, or None when there is no point; anything but 'exact' is rounded."""
    if latitude is None or longitude is None:
        return None
    if precision == EXACT:
        return float(latitude), float(longitude)
    # `+ 0.0` turns a rounded -0.0 into 0.0, so output never shows a meaningless sign.
    return round(latitude, PUBLIC_DECIMALS) + 0.0, round(longitude, PUBLIC_DECIMALS) + 0.0


def public_point(listing: Listing) -> tuple[float, float] | None:
    """Where a listing may be shown on a map: None for online-only listings and listings without a point."""
    if listing.format == FORMAT_ONLINE:
        return None
    return public_coordinates(listing.latitude, listing.longitude, listing.location_precision)


def shows_exact_address(listing: Listing) -> bool:
    """The street address is public only when the organiser chose to publish the exact place."""
    chosen = listing.location_precision == EXACT
    return listing.format != FORMAT_ONLINE and chosen and bool(listing.address_line)
