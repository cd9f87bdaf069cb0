"""Distances between points on the Earth: in Python, in SQL for the search, and the box around a circle."""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, Float, bindparam, func

EARTH_RADIUS_MILES = 3958.7613
KM_PER_MILE = 1.609344
MILES_PER_KM = 1 / KM_PER_MILE


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

