"""Public pages for listings: search, a listing, its calendar feed, and browsing by area."""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..geo.regions import COUNTRY_NAMES, REGION_NAMES
from ..geo.services import place_label
from .forms import SearchForm, language_name
from .freshness import freshness
from .models import FORMAT_HYBRID, FORMAT_IN_PERSON, KIND_GROUP, Listing
from .schedule import (
    describe_meeting,
    for_display,
    format_occurrence,
    listing_zone,
    next_meetings,
    to_ical,
    zone_or_none,
)
from .search import (
    RADII,
    SearchParams,
    format_distance,
    is_public,
    public_listing_clause,
    public_point,
    radius_label,
)
from .search import search as run_search

logger = logging.getLogger(__name__)

blueprint = Blueprint("listings", __name__)

AREA_PAGE_SIZE = 50
FORMAT_NAMES = {"in_person": "In person", "online": "Online", "hybrid": "In person and online"}
COST_NAMES = {"free": "Free", "donation": "By donation", "paid": "Paid"}


@blueprint.context_processor
def listing_helpers():
    return {"public_point": public_point, "format_occurrence": format_occurrence}


@blueprint.get("/search")
def search():
    params = SearchParams.from_args(request.args)
    if not params.errors and any(not value.strip() for _, value in request.args.items(multi=True)):
        # A submitted form sends every field, empty ones too: show the short URL people can share.
        canonical = params.to_args()
        if request.args.get("tz"):
            canonical["tz"] = request.args["tz"]
        return redirect(url_for("listings.search", **canonical))
    results = run_search(params)
    viewer_zone = zone_or_none(request.args.get("tz"))
    form = SearchForm(request.args, errors=params.errors, units=params.units)
    page = render_template(
        "listings/search.html",
        form=form,
        params=params,
        results=results,
        viewer_zone=viewer_zone,
        radii=RADII,
        radius_label=radius_label,
        format_names=FORMAT_NAMES,
        cost_names=COST_NAMES,
    )
    # Bad values were left out of the search and explained on the page; the status says so too.
    return page, 400 if params.errors else 200


def load_visible(slug: str) -> tuple[Listing, bool]:
    """The listing and whether this is a preview; 404 unless public, or the owner's or an admin's."""
    listing = db.session.scalar(select(Listing).where(Listing.slug == slug))
    if listing is None:
        abort(404)
    if is_public(listing):
        return listing, False
    if current_user.is_authenticated and (current_user.is_admin or current_user.id == listing.owner_id):
        return listing, True
    abort(404)


@blueprint.get("/listings/<slug>")
def detail(slug: str):
    listing, preview = load_visible(slug)
    viewer_zone = zone_or_none(request.args.get("tz"))
    zone = listing_zone(listing)
    upcoming = for_display(next_meetings(listing, count=3), viewer_zone)
    rules = [describe_meeting(meeting, zone) for meeting in listing.meetings]
    where = where_text(listing)
    latitude, longitude = public_point(listing.latitude, listing.longitude, listing.location_precision)
    fresh = freshness(listing)  # the same judgement as the API's and the admin pages'
    response = make_response(render_template(
        "listings/detail.html",
        listing=listing,
        preview=preview,
        upcoming=upcoming,
        rules=list(zip(listing.meetings, rules, strict=True)),
        zone_name=str(zone),
        viewer_zone=viewer_zone,
        where=where,
        nearby_query=nearby_query(listing),
        map_point=(latitude, longitude) if latitude is not None and listing.format != "online" else None,
        website=safe_url(listing.website),
        online_url=None if listing.online_url_private else safe_url(listing.online_url),
        stale=fresh["stale"],
        confirmed_at=fresh["confirmed_at"],
        title=page_title(listing, where),
        description=meta_description(listing, where),
        structured_data=structured_data(listing, where, upcoming),
        languages=[language_name(code) for code in listing.languages],
        format_names=FORMAT_NAMES,
        cost_names=COST_NAMES,
    ))
    if preview:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@blueprint.get("/listings/<slug>.ics")
def ics(slug: str):
    listing, preview = load_visible(slug)
    if not listing.meetings:
        abort(404)
    url = url_for("listings.detail", slug=listing.slug, _external=True)
    body = to_ical(
        listing,
        url=url,
        host=urlsplit(url).hostname or "localhost",
        location=calendar_location(listing),
        site_name=current_app.config["SITE_NAME"],
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{listing.slug}.ics"'
    if preview:
        response.headers["Cache-Control"] = "no-store"
    return response


# Browse by area ------------------------------------------------------------------------------------


def _area_base():
    """Public listings that someone can go to (in person or hybrid) and that name their town."""
    return (
        public_listing_clause(),
        Listing.format.in_((FORMAT_IN_PERSON, FORMAT_HYBRID)),
        Listing.region != "",
    )


@blueprint.get("/areas/")
def areas():
    rows = db.session.execute(
        select(Listing.country, Listing.region, func.count(Listing.id))
        .where(*_area_base())
        .group_by(Listing.country, Listing.region)
    ).all()
    countries: dict[str, list[dict]] = {}
    for country, region, count in rows:
        countries.setdefault(country.upper(), []).append(
            {"code": region, "name": region_name(country, region), "count": count}
        )
    ordered = [
        {"code": code, "name": COUNTRY_NAMES.get(code, code),
         "regions": sorted(regions, key=lambda r: r["name"])}
        for code, regions in sorted(countries.items(), key=lambda item: (item[0] != "US", item[0]))
    ]
    return render_template("listings/areas.html", countries=ordered)


@blueprint.get("/areas/<country>/<region>/")
def area_region(country: str, region: str):
    country_code, region_code = country.upper(), region.upper()
    if country != country.lower() or region != region.lower():
        return _redirect_lower("listings.area_region", country=country.lower(), region=region.lower())
    rows = db.session.execute(
        select(Listing.city, func.count(Listing.id))
        .where(*_area_base(), Listing.country == country_code, func.upper(Listing.region) == region_code)
        .group_by(Listing.city)
    ).all()
    if not rows:
        abort(404)
    cities = sorted(
        ({"name": city, "slug": slugify(city), "count": count}
         for city, count in rows if city and slugify(city)),
        key=lambda item: str(item["name"]).lower(),
    )
    pagination = db.paginate(
        select(Listing)
        .where(*_area_base(), Listing.country == country_code, func.upper(Listing.region) == region_code)
        .order_by(Listing.city, Listing.name, Listing.id),
        per_page=AREA_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "listings/area.html",
        country=country_code,
        region=region_code,
        region_name=region_name(country_code, region_code),
        country_name=COUNTRY_NAMES.get(country_code, country_code),
        city=None,
        cities=cities,
        pagination=pagination,
        format_names=FORMAT_NAMES,
    )


@blueprint.get("/areas/<country>/<region>/<city>/")
def area_city(country: str, region: str, city: str):
    if country != country.lower() or region != region.lower() or city != city.lower():
        return _redirect_lower("listings.area_city", country=country.lower(), region=region.lower(),
                               city=city.lower())
    country_code, region_code = country.upper(), region.upper()
    base = (*_area_base(), Listing.country == country_code, func.upper(Listing.region) == region_code)
    names = db.session.scalars(select(Listing.city).where(*base).distinct()).all()
    matching = sorted({name for name in names if name and slugify(name) == city})
    if not matching:
        abort(404)
    pagination = db.paginate(
        select(Listing).where(*base, Listing.city.in_(matching)).order_by(Listing.name, Listing.id),
        per_page=AREA_PAGE_SIZE,
        error_out=False,
    )
    city_name = matching[0]
    return render_template(
        "listings/area.html",
        country=country_code,
        region=region_code,
        region_name=region_name(country_code, region_code),
        country_name=COUNTRY_NAMES.get(country_code, country_code),
        city=city_name,
        city_label=place_label(city_name, country_code, region_code),
        cities=[],
        pagination=pagination,
        format_names=FORMAT_NAMES,
    )


def _redirect_lower(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=301)


# Presentation helpers (no HTTP in them; the API can use them too) ---------------------------------


def slugify(text: str) -> str:
    """'Dayton' → 'dayton', 'St. Louis' → 'st-louis', 'Coeur d'Alene' → 'coeur-dalene'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = ascii_text.replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def region_name(country: str, region: str) -> str:
    return REGION_NAMES.get(country.upper(), {}).get(region.upper(), region)


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) with a host, else None: a listing's links must never run script."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def town_text(listing: Listing) -> str:
    """'Dayton, OH' (or the country's own style), or '' when the listing names no town."""
    if not listing.city:
        return ""
    country = (listing.country or "US").upper()
    return place_label(listing.city, country, (listing.region or "").upper() or None)


def where_text(listing: Listing) -> str:
    """Where it happens, as much as the organiser chose to publish."""
    town = town_text(listing)
    if listing.format == "online":
        return "Online"
    if listing.location_precision == "exact" and listing.address_line:
        parts = [listing.address_line, town]
        if listing.postal_code:
            parts[-1] = f"{town} {listing.postal_code}".strip()
        return ", ".join(part for part in parts if part)
    return town


def nearby_query(listing: Listing) -> str:
    """What to search for to find more near this listing (no more precise than the listing shows)."""
    if listing.format == "online":
        return ""
    if listing.location_precision == "exact" and listing.postal_code:
        return listing.postal_code
    return town_text(listing)


def calendar_location(listing: Listing) -> str:
    where = where_text(listing)
    if listing.format == "online":
        return "Online"
    if listing.location_precision != "exact":
        where = f"{where} (the exact place is shared when you get in touch)" if where else "Shared on request"
    if listing.format == "hybrid":
        where = f"{where}, or online"
    return where


def kind_phrase(listing: Listing) -> str:
    if listing.kind == KIND_GROUP:
        return "online men's support group" if listing.format == "online" else "men's support group"
    return "online mentor" if listing.format == "online" else "mentor"


def title_phrase(listing: Listing) -> str:
    """"men's support group in Dayton, OH", "online mentor"."""
    town = town_text(listing)
    phrase = kind_phrase(listing)
    return f"{phrase} in {town}" if town and listing.format != "online" else phrase


def page_title(listing: Listing, where: str) -> str:
    """"Demo: Fathers' circle — men's support group in Dayton, OH"."""
    prefix = "Demo: " if listing.is_demo and not listing.name.lower().startswith("demo") else ""
    return f"{prefix}{listing.name} — {title_phrase(listing)}"


def meta_description(listing: Listing, where: str) -> str:
    summary = (listing.summary or listing.description or "").strip()
    topics = ", ".join(topic.name for topic in listing.topics[:4])
    phrase = title_phrase(listing)
    parts = [phrase[:1].upper() + phrase[1:] + "."]
    if topics:
        parts.append(f"Topics: {topics}.")
    if summary:
        parts.append(summary)
    text = " ".join(parts)
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"


def structured_data(listing: Listing, where: str, upcoming) -> dict:
    """schema.org JSON-LD: what search engines show. No e-mail, no exact point unless published."""
    url = url_for("listings.detail", slug=listing.slug, _external=True)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Organization" if listing.kind == KIND_GROUP else "Service",
        "name": listing.name,
        "description": listing.summary or listing.description[:300],
        "url": url,
    }
    if listing.kind != KIND_GROUP:
        data["serviceType"] = "Mentoring"
    address = {"@type": "PostalAddress", "addressCountry": listing.country}
    if listing.city:
        address["addressLocality"] = listing.city
    if listing.region:
        address["addressRegion"] = listing.region
    if listing.location_precision == "exact" and listing.format != "online":
        if listing.address_line:
            address["streetAddress"] = listing.address_line
        if listing.postal_code:
            address["postalCode"] = listing.postal_code
    if listing.format != "online" and listing.city:
        data["address" if listing.kind == KIND_GROUP else "areaServed"] = address
    if listing.topics:
        data["keywords"] = ", ".join(topic.name for topic in listing.topics)
    if upcoming:
        mode = {
            "online": "https://schema.org/OnlineEventAttendanceMode",
            "hybrid": "https://schema.org/MixedEventAttendanceMode",
        }.get(listing.format, "https://schema.org/OfflineEventAttendanceMode")
        place = {"@type": "Place", "name": where or listing.name, "address": address}
        if listing.format == "online":
            place = {"@type": "VirtualLocation", "url": url}
        data["event"] = [
            {
                "@type": "Event",
                "name": listing.name,
                "startDate": shown.occurrence.start.isoformat(),
                "endDate": shown.occurrence.end.isoformat(),
                "eventAttendanceMode": mode,
                "eventStatus": "https://schema.org/EventScheduled",
                "location": place,
                "isAccessibleForFree": listing.cost != "paid",
                "url": url,
            }
            for shown in upcoming
        ]
    return data


@blueprint.app_template_filter("distance")
def distance_filter(miles: float | None, units: str = "mi") -> str:
    return format_distance(miles, units)
