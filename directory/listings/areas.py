"""Browsing by area: the countries, regions and towns with listings one can go to, and their listings."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, func, select

from ..extensions import db
from ..geo.regions import COUNTRY_NAMES
from .models import FORMAT_HYBRID, FORMAT_IN_PERSON, Listing
from .presentation import city_slug, region_name
from .visibility import public_clause


def _in_area(country: str | None = None, region: str | None = None) -> tuple[ColumnElement[bool], ...]:
    """Public listings someone can go to (in person or hybrid) that name their region; in one, if given."""
    clauses = (public_clause(), Listing.format.in_((FORMAT_IN_PERSON, FORMAT_HYBRID)),
               Listing.region != "")
    if country is None or region is None:
        return clauses
    return (*clauses, Listing.country == country, func.upper(Listing.region) == region)


def area_countries() -> list[dict[str, Any]]:
    """Each country with listings (the US first), its regions by name, and how many listings each has."""
    rows = db.session.execute(
        select(Listing.country, Listing.region, func.count(Listing.id))
        .where(*_in_area())
        .group_by(Listing.country, Listing.region)
    ).all()
    countries: dict[str, list[dict[str, Any]]] = {}
    for country, region, count in rows:
        countries.setdefault(country.upper(), []).append(
            {"code": region, "name": region_name(country, region), "count": count}
        )
    return [
        {"code": code, "name": COUNTRY_NAMES.get(code, code),
         "regions": sorted(regions, key=lambda item: item["name"])}
        for code, regions in sorted(countries.items(), key=lambda item: (item[0] != "US", item[0]))
    ]


def region_cities(country: str, region: str) -> tuple[list[dict[str, Any]], int]:
    """The towns of a region with listings, by name, with their URL slugs and counts ([] for none); and
    how many listings the region has, those in no town with a page of its own included: its page's
    pagination takes that total rather than count the region again (0.18 s for New York in a
    directory of a million listings on PostgreSQL)."""
    rows = db.session.execute(
        select(Listing.city, func.count(Listing.id)).where(*_in_area(country, region)).group_by(Listing.city)
    ).all()
    towns: list[dict[str, Any]] = sorted(
        ({"name": city, "slug": city_slug(city), "count": count}
         for city, count in rows if city and city_slug(city)),
        key=lambda item: item["name"].lower(),
    )
    return towns, sum(count for _, count in rows)


def city_names(country: str, region: str, slug: str) -> list[str]:
    """The spellings of a region's towns that the area URL `slug` stands for, sorted; [] for none."""
    names = db.session.scalars(select(Listing.city).where(*_in_area(country, region)).distinct())
    return sorted({name for name in names if name and city_slug(name) == slug})


def area_listings(country: str, region: str, cities: list[str] | None = None, *, per_page: int,
                  total: int | None = None) -> Pagination:
    """A page of a region's listings (by town, then name), or of the named towns' (by name). `total`:
    how many there are, when the caller knows (see region_cities); otherwise they are counted."""
    statement = select(Listing).where(*_in_area(country, region))
    if cities is None:
        statement = statement.order_by(Listing.city, Listing.name, Listing.id)
    else:
        statement = statement.where(Listing.city.in_(cities)).order_by(Listing.name, Listing.id)
    pagination = db.paginate(statement, per_page=per_page, error_out=False, count=total is None)
    if total is not None:
        pagination.total = total
    return pagination
