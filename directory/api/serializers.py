"""Listings as the public JSON shape: only what the listing page shows, never a private field.

Every output is built field by field from an allow-list (no `to_dict()` of a model), so a column
added later stays private until someone decides to publish it here and in the OpenAPI document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..demand.services import Area
from ..geo.distance import KM_PER_MILE
from ..geo.services import Location
from ..listings.cards import ListingCard
from ..listings.forms import language_name
from ..listings.freshness import is_stale
from ..listings.models import (
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    KIND_MENTOR,
    WEEKDAYS,
    Audience,
    Listing,
    Meeting,
    Topic,
)
from ..listings.privacy import public_point, shows_exact_address
from ..listings.schedule import Occurrence, describe_meeting, describe_occurrence, listing_zone, next_meetings
from ..listings.search import Hit, SearchParams, SearchResults
from ..urls import external_url, safe_url, slug_url

# How many upcoming meetings a listing's own document lists.
UPCOMING = 3
SECTION_LOCAL = "local"
SECTION_ONLINE = "online"


def iso_utc(moment: datetime | None) -> str | None:
    """A stored (naive UTC) moment as RFC 3339 with a Z, to the second."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_local(moment: datetime) -> str:
    """An occurrence in the group's own zone, with its UTC offset (2025-03-04T19:00:00-05:00)."""
    return moment.replace(microsecond=0).isoformat()


def term(item: Topic | Audience) -> dict[str, str]:
    return {"slug": item.slug, "name": item.name}


def vocabulary_entry(item: Topic | Audience) -> dict[str, str]:
    return {"slug": item.slug, "name": item.name, "description": item.description or ""}


def place(location: Location) -> dict[str, Any]:
    """A gazetteer place: the search origin, or a place the visitor may have meant."""
    return {
        "name": location.name,
        "label": location.label,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "time_zone": location.time_zone,
        "country": location.country,
        "region": location.region,
        "postal_code": location.postal_code,
        "kind": location.kind,
        "query": location.query,
    }


def meeting(item: Meeting, listing: Listing | ListingCard, description: str | None = None) -> dict[str, Any]:
    """A meeting rule; `description`: its words when already worked out (see listing_summary)."""
    return {
        "weekday": WEEKDAYS[item.weekday] if 0 <= item.weekday <= 6 else None,
        "start_time": item.start_time.strftime("%H:%M") if item.start_time else None,
        "duration_minutes": item.duration_minutes,
        "recurrence": item.recurrence,
        "week_of_month": item.week_of_month,
        "anchor_date": item.anchor_date.isoformat() if item.anchor_date else None,
        "time_zone": listing.time_zone,
        "notes": item.notes or "",
        "description": description or describe_meeting(item, listing_zone(listing)),
    }


def occurrence(found: Occurrence) -> dict[str, str]:
    return {"start": iso_local(found.start), "end": iso_local(found.end)}


def listing_summary(listing: Listing | ListingCard, next_meeting: Occurrence | None,
                    firsts: tuple[Occurrence | None, ...] = ()) -> dict[str, Any]:
    """The fields every listing has in every response: search results and the listing's own document.
    `firsts`: each meeting rule's next occurrence, when a search found them (see schedule.next_of_each)."""
    point = public_point(listing)
    online_only = listing.format == FORMAT_ONLINE
    mentor = listing.kind == KIND_MENTOR
    return {
        "slug": listing.slug,
        "name": listing.name,
        "kind": listing.kind,
        "format": listing.format,
        "summary": listing.summary or "",
        "topics": [term(topic) for topic in listing.topics],
        "audiences": [term(audience) for audience in listing.audiences],
        "languages": [{"code": code, "name": language_name(code)} for code in listing.languages],
        "cost": listing.cost,
        "cost_details": listing.cost_details or "",
        # An online-only listing is not anywhere a visitor can go; the page does not name its town either.
        "city": None if online_only or not listing.city else listing.city,
        "region": None if online_only or not listing.region else listing.region,
        "country": listing.country or None,
        "latitude": point[0] if point else None,
        "longitude": point[1] if point else None,
        "location_precision": None if point is None else listing.location_precision,
        "time_zone": listing.time_zone,
        "next_meeting": iso_local(next_meeting.start) if next_meeting else None,
        "meetings": [meeting(item, listing, described) for item, described in zip(
            listing.meetings, _described(listing, firsts), strict=True)],
        "accepting_mentees": listing.accepting_mentees if mentor else None,
        "availability": (listing.availability or "") if mentor else None,
        "last_confirmed_at": iso_utc(listing.last_confirmed_at),
        "stale": is_stale(listing),
        "is_demo": bool(listing.is_demo),
        "url": slug_url("listings.detail", listing.slug, external=True),
        "ics_url": slug_url("listings.ics", listing.slug, external=True) if listing.meetings else None,
    }


def _described(listing: Listing | ListingCard, firsts: tuple[Occurrence | None, ...]) -> list[str | None]:
    """Each meeting rule's words from its next occurrence, when a search found them (else None: `meeting`
    works them out)."""
    if not firsts:
        return [None] * len(listing.meetings)
    return [describe_occurrence(item, first) for item, first in zip(listing.meetings, firsts, strict=True)]


def search_hit(hit: Hit, section: str) -> dict[str, Any]:
    """One search result: the listing, which list it belongs to, and how far it is from the origin."""
    data = listing_summary(hit.listing, hit.next_meeting, hit.firsts)
    miles = hit.distance_miles
    data["section"] = section
    data["distance_miles"] = None if miles is None else round(miles, 2)
    data["distance_km"] = None if miles is None else round(miles * KM_PER_MILE, 2)
    return data


def listing_detail(listing: Listing, now: datetime | None = None) -> dict[str, Any]:
    """A listing's own document: what its page shows, as data."""
    upcoming = next_meetings(listing, count=UPCOMING, after=now)
    data = listing_summary(listing, upcoming[0] if upcoming else None)
    exact = shows_exact_address(listing)
    joinable = listing.format != FORMAT_IN_PERSON
    online_url = None if listing.online_url_private or not joinable else safe_url(listing.online_url)
    mentor = listing.kind == KIND_MENTOR
    ways = [name for name, flag in (("in_person", listing.meets_in_person), ("phone", listing.meets_phone),
                                    ("video", listing.meets_video)) if flag]
    data.update({
        "description": listing.description or "",
        "experience": (listing.experience or "") if mentor else None,
        "meets": ways if mentor else None,
        "address_line": listing.address_line if exact else None,
        "postal_code": (listing.postal_code or None) if exact else None,
        "website": safe_url(listing.website),
        "phone": listing.phone if listing.phone_public and listing.phone else None,
        "online_url": online_url,
        # The join link exists but is sent after a visitor gets in touch.
        "online_url_on_request": joinable and online_url is None,
        "upcoming": [occurrence(found) for found in upcoming],
        "published_at": iso_utc(listing.published_at),
        "contact_url": _contact_url(listing),
        "report_url": external_url("moderation.report_form", slug=listing.slug),
    })
    return data


def search_page(results: SearchResults, links: dict[str, str | None]) -> dict[str, Any]:
    """A page of search results; `results` is the paginated list, `online` the preview beside local ones."""
    section = SECTION_LOCAL if results.paginated == "local" else SECTION_ONLINE
    hits = results.local if section == SECTION_LOCAL else results.online
    online = None
    if section == SECTION_LOCAL and results.params.wants_online():
        online = {
            "total": results.online_total,
            "total_exact": results.online_total_exact,
            "results": [search_hit(hit, SECTION_ONLINE) for hit in results.online],
        }
    return {
        "query": query_echo(results.params),
        "origin": place(results.origin) if results.origin else None,
        "place_not_found": results.place_not_found,
        "alternatives": [place(item) for item in results.alternatives],
        "suggestions": [place(item) for item in results.suggestions],
        "section": section,
        "results": [search_hit(hit, section) for hit in hits],
        "total": results.total,
        "total_exact": results.total_exact,
        "page": results.page,
        "per_page": results.per_page,
        "pages": results.pages,
        "online": online,
        "wider_radius": (
            {"radius": results.wider.radius, "count": results.wider.count} if results.wider else None
        ),
        "keywords_ignored": results.keywords_ignored,
        "links": links,
    }


def query_echo(params: SearchParams) -> dict[str, Any]:
    """The search as it was understood (defaults filled in), so a client can show or repeat it."""
    return {
        "near": params.near or None,
        "radius": params.radius,
        "units": params.units,
        "kind": params.kind,
        "topic": list(params.topics),
        "audience": list(params.audiences),
        "format": params.format,
        "day": list(params.days),
        "cost": params.cost,
        "language": params.language,
        "q": params.q or None,
    }


def error_body(status: int, title: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The error shape every /api/ response uses (directory.errors renders the same one)."""
    error: dict[str, Any] = {"status": status, "title": title, "message": message}
    if fields:
        error["fields"] = dict(fields)
    return {"error": error}


def _contact_url(listing: Listing) -> str | None:
    return external_url("contact.contact_form", slug=listing.slug) if listing.contact_enabled else None


def demand_list(areas: list[Area], *, threshold: int, window_days: int, near_miles: int) -> dict[str, Any]:
    """The areas of "Where groups are needed", as the page lists them."""
    return {
        "threshold": threshold,
        "window_days": window_days,
        "near_miles": near_miles,
        "areas": [{
            "area": {"label": area.label, "place": area.query, "latitude": area.latitude,
                     "longitude": area.longitude},
            "topics": list(area.topics),
            "searches": area.searches,
            "start_group": external_url("owner.create", kind="group", place=area.query,
                                        topic=list(area.topics)),
        } for area in areas],
        "html": external_url("needed.page"),
    }
