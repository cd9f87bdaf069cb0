"""How a listing reads to the public: its place in words, page title, description, calendar location and
schema.org data. No HTTP here; the pages and the API both use it."""

from __future__ import annotations

import re
import unicodedata

from ..geo.names import place_label
from ..geo.regions import REGION_NAMES
from ..i18n import N_, gettext
from ..urls import external_url
from .models import KIND_GROUP, Listing
from .terms import term_name, translated_table

# Marked here, said in the page's language where they are shown (`format_names()`, `cost_names()`).
FORMAT_NAMES = {"in_person": N_("In person"), "online": N_("Online"), "hybrid": N_("In person and online")}
COST_NAMES = {"free": N_("Free"), "donation": N_("By donation"), "paid": N_("Paid")}
format_names = translated_table(FORMAT_NAMES)
cost_names = translated_table(COST_NAMES)



def city_slug(text: str) -> str:
    """A town as an area URL says it: 'Dayton' → 'dayton', 'St. Louis' → 'st-louis', 'Coeur d'Alene' →
    'coeur-dalene'."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = ascii_text.replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def region_name(country: str, region: str) -> str:
    return REGION_NAMES.get(country.upper(), {}).get(region.upper(), region)


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
        return gettext("Online")
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
        return gettext("Online")
    if listing.location_precision != "exact":
        where = (gettext("%(place)s (the exact place is shared when you get in touch)", place=where) if where
                 else gettext("Shared on request"))
    if listing.format == "hybrid":
        where = gettext("%(place)s, or online", place=where)
    return where


def kind_phrase(listing: Listing) -> str:
    if listing.kind == KIND_GROUP:
        if listing.format == "online":
            return gettext("online men's support group")
        return gettext("men's support group")
    return gettext("online mentor") if listing.format == "online" else gettext("mentor")


def title_phrase(listing: Listing) -> str:
    """"men's support group in Dayton, OH", "online mentor"."""
    town = town_text(listing)
    if not town or listing.format == "online":
        return kind_phrase(listing)
    if listing.kind == KIND_GROUP:
        return gettext("men's support group in %(place)s", place=town)
    return gettext("mentor in %(place)s", place=town)


def page_title(listing: Listing, where: str) -> str:
    """"Demo: Fathers' circle — men's support group in Dayton, OH"."""
    title = gettext("%(name)s — %(what)s", name=listing.name, what=title_phrase(listing))
    if listing.is_demo and not listing.name.lower().startswith("demo"):
        return gettext("Demo: %(title)s", title=title)
    return title


def meta_description(listing: Listing, where: str) -> str:
    summary = (listing.summary or listing.description or "").strip()
    topics = ", ".join(term_name(topic) for topic in listing.topics[:4])
    phrase = title_phrase(listing)
    parts = [phrase[:1].upper() + phrase[1:] + "."]
    if topics:
        parts.append(gettext("Topics: %(topics)s.", topics=topics))
    if summary:
        parts.append(summary)
    text = " ".join(parts)
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"


def structured_data(listing: Listing, where: str, upcoming) -> dict:
    """schema.org JSON-LD: what search engines show. No e-mail, no exact point unless published."""
    url = external_url("listings.detail", slug=listing.slug)
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
        data["keywords"] = ", ".join(term_name(topic) for topic in listing.topics)
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
