"""HSDS 3.0 (Open Referral): the directory as services, organizations, locations and schedules.

Mapping (see the README's table): a listing is one service provided by one organization of its own
(organisers are people, not agencies, and the site publishes nothing about them); its meetings are
schedules; its place and its join link are locations; kind, format, topics and audiences are four
taxonomies whose terms are attached as attributes. Privacy as on the listing page: no e-mail address
(no `email`, `assurer_email` or contacts), approximate places without an address and with rounded
coordinates, the contact relay's URL in `application_process`.

HSDS 3.0's schedule has only a fixed UTC offset (`timezone`), wrong for half the year where clocks
change; schedules carry the IANA zone in the extension property `tzid` instead (see PROFILE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ..listings.forms import language_name
from ..listings.freshness import confirmed_at, freshness
from ..listings.models import (
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    KIND_MENTOR,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
)
from ..listings.privacy import public_coordinates, shows_exact_address
from ..listings.schedule import BIWEEKLY_EPOCH, ICAL_DAYS, describe_rule, format_clock
from ..urls import external_url, safe_url
from . import records
from .ids import public_id
from .links import ListingLinks
from .meeting_guide import CONFERENCE_PROVIDERS
from .records import ListingRecord, MeetingRecord

HSDS_VERSION = "3.0"
ATTRIBUTION = ("Human Services Data Specification: an Open Referral resource (https://openreferral.org/), "
               "licensed under CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/).")

# taxonomy key -> (name, description); the key is also each attribute's `link_type`.
TAXONOMIES: dict[str, tuple[str, str]] = {
    "kind": ("Listing kind", "Whether the listing is a support group or an individual mentor."),
    "format": ("Format", "How people attend: in person, online or hybrid."),
    "topics": ("Topics", "What a group or mentor helps with (site vocabulary)."),
    "audiences": ("Audiences", "Who a listing is meant for (site vocabulary)."),
}
FIXED_TERMS: dict[str, list[tuple[str, str]]] = {
    "kind": [("group", "Support group"), ("mentor", "Mentor")],
    "format": [(FORMAT_IN_PERSON, "In person"), (FORMAT_ONLINE, "Online"), (FORMAT_HYBRID, "Hybrid")],
}
ATTENDING = {FORMAT_IN_PERSON: "In person", FORMAT_ONLINE: "Online", FORMAT_HYBRID: "In person or online"}
COST_OPTIONS = {"free": "Free", "donation": "Donation", "paid": "Paid"}
COST_DESCRIPTIONS = {"free": "Free", "donation": "Donations welcome, never required", "paid": "Paid"}


# Taxonomies and terms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    taxonomy: str
    code: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return public_id("taxonomy_term", self.taxonomy, self.code)


def taxonomy_object(key: str) -> dict[str, Any]:
    name, description = TAXONOMIES[key]
    identifier = public_id("taxonomy", key)
    return {"id": identifier, "name": name, "description": description,
            "uri": external_url("interop.hsds_taxonomy", taxonomy_id=identifier)}


def all_terms() -> list[Term]:
    """Every term of the four taxonomies, kind and format first."""
    terms = [Term(key, code, name, name) for key, pairs in FIXED_TERMS.items() for code, name in pairs]
    for key, rows in records.vocabulary().items():
        terms.extend(Term(key, slug, name, description or name) for slug, name, description in rows)
    return terms


def term_object(term: Term, taxonomies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    detail = taxonomies[term.taxonomy]
    return {"id": term.id, "code": term.code, "name": term.name, "description": term.description,
            "taxonomy": detail["name"], "taxonomy_id": detail["id"], "taxonomy_detail": detail}


# One service ----------------------------------------------------------------------------------------


class Builder:
    """Builds HSDS objects for listings; holds what every object of one answer shares."""

    def __init__(self) -> None:
        self.links = ListingLinks()
        self.taxonomies = {key: taxonomy_object(key) for key in TAXONOMIES}
        self.terms: dict[tuple[str, str], dict[str, Any]] = {}

    def term(self, taxonomy: str, code: str, name: str) -> dict[str, Any]:
        key = (taxonomy, code)
        if key not in self.terms:
            self.terms[key] = term_object(Term(taxonomy, code, name, name), self.taxonomies)
        return self.terms[key]

    def organization(self, listing: ListingRecord) -> dict[str, Any]:
        """Each listing is its own organization: the group, or the mentor as he names himself."""
        item: dict[str, Any] = {
            "id": public_id("organization", listing.id),
            "name": listing.name,
            "description": listing.summary or listing.name,
        }
        website = safe_url(listing.website)
        if website:
            item["website"] = website
        return item

    def service_summary(self, listing: ListingRecord) -> dict[str, Any]:
        """The one-to-one fields (what /services lists) and the organization."""
        service_id = public_id("service", listing.id)
        organization = self.organization(listing)
        item: dict[str, Any] = {
            "id": service_id,
            "organization_id": organization["id"],
            "name": listing.name,
            "description": description(listing),
            "url": self.links.page(listing.slug),
            "status": "active",
            "fees_description": listing.cost_details or COST_DESCRIPTIONS.get(listing.cost, ""),
            "last_modified": iso_utc(listing.updated_at or listing.created_at),
            "organization": organization,
        }
        process = self.application_process(listing)
        if process:
            item["application_process"] = process
        assured = confirmed_at(listing)
        if assured is not None:
            item["assured_date"] = assured.date().isoformat()
        fresh = freshness(listing)
        if fresh["stale"]:
            item["alert"] = (f"{fresh['label']}: this listing may be out of date. "
                             "Check with the organiser before you go.")
        return item

    def application_process(self, listing: ListingRecord) -> str | None:
        contact = self.links.contact(listing.slug) if listing.contact_enabled else None
        if listing.kind == KIND_MENTOR:
            if not contact:
                return None
            accepting = ("currently accepting mentees" if listing.accepting_mentees
                         else "not taking new mentees now")
            return f"Send a message through {contact} ({accepting})."
        hidden = []
        if listing.format != FORMAT_ONLINE and not shows_exact_address(listing):
            hidden.append("in-person address")
        if listing.format != FORMAT_IN_PERSON and virtual_url(listing) is None:
            hidden.append("join link")
        if hidden and contact:
            return f"The {' and the '.join(hidden)} are sent on request: {contact}".replace(
                "address are", "address is").replace("link are", "link is")
        if contact:
            return f"Just turn up, or get in touch first: {contact}"
        return None

    def service(self, listing: ListingRecord) -> dict[str, Any]:
        """The fully nested service: what /services/{id} answers."""
        item = self.service_summary(listing)
        service_id = item["id"]
        if listing.phone_public and listing.phone:
            item["phones"] = [{"id": public_id("phone", listing.id), "service_id": service_id,
                               "number": listing.phone, "type": "voice"}]
        item["schedules"] = schedules(listing, service_id)
        item["service_at_locations"] = self.service_at_locations(listing, service_id, item["organization_id"])
        item["languages"] = [
            {"id": public_id("language", listing.id, code), "service_id": service_id,
             "name": language_name(code), "code": code} for code in listing.languages]
        item["cost_options"] = [cost_option(listing, service_id)]
        item["attributes"] = self.attributes(listing, service_id)
        return {key: value for key, value in item.items() if value != []}

    def service_at_locations(self, listing: ListingRecord, service_id: str, organization_id: str,
                             ) -> list[dict[str, Any]]:
        found = []
        for location in locations(listing, organization_id):
            key = location["location_type"]
            found.append({"id": public_id("service_at_location", listing.id, key), "service_id": service_id,
                          "location_id": location["id"], "location": location})
        return found

    def attributes(self, listing: ListingRecord, service_id: str) -> list[dict[str, Any]]:
        chosen = [("kind", listing.kind, dict(FIXED_TERMS["kind"]).get(listing.kind, listing.kind)),
                  ("format", listing.format, dict(FIXED_TERMS["format"]).get(listing.format, listing.format))]
        chosen += [("topics", slug, name) for slug, name in listing.topics]
        chosen += [("audiences", slug, name) for slug, name in listing.audiences]
        found = []
        for taxonomy, code, name in chosen:
            term = self.term(taxonomy, code, name)
            found.append({"id": public_id("attribute", listing.id, taxonomy, code), "link_id": service_id,
                          "link_type": taxonomy, "link_entity": "service", "taxonomy_term_id": term["id"],
                          "taxonomy_term": term})
        return found


def description(listing: ListingRecord) -> str:
    parts = [listing.summary, listing.description]
    if listing.kind == KIND_MENTOR:
        parts.append(listing.experience)
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cost_option(listing: ListingRecord, service_id: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": public_id("cost_option", listing.id), "service_id": service_id,
                            "option": COST_OPTIONS.get(listing.cost, listing.cost)}
    if listing.cost == "free":
        item["amount"] = 0
    if listing.cost_details or listing.cost != "free":
        item["amount_description"] = listing.cost_details or COST_DESCRIPTIONS.get(listing.cost, "")
    return item


def virtual_url(listing: ListingRecord) -> str | None:
    """The join link when the public may see it (any http(s) host: HSDS names no providers)."""
    if listing.format == FORMAT_IN_PERSON or listing.online_url_private:
        return None
    return safe_url(listing.online_url)


def provider_name(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    for domain, name in CONFERENCE_PROVIDERS.items():
        if host == domain or host.endswith("." + domain):
            return name
    return "Online"


def town(listing: ListingRecord) -> str:
    return ", ".join(part for part in (listing.city, listing.region) if part)


def locations(listing: ListingRecord, organization_id: str) -> list[dict[str, Any]]:
    """Where the service happens: a physical place (exact, or the town with a rounded point) and its
    public join link as a virtual location."""
    found: list[dict[str, Any]] = []
    if listing.format != FORMAT_ONLINE and (listing.city or listing.latitude is not None):
        location_id = public_id("location", listing.id, "physical")
        exact = shows_exact_address(listing)
        place: dict[str, Any] = {"id": location_id, "location_type": "physical",
                                 "name": listing.address_line if exact else
                                 f"{town(listing) or 'Town'} (exact place on request)",
                                 "organization_id": organization_id}
        point = public_coordinates(listing.latitude, listing.longitude,
                                   "exact" if exact else "approximate")
        if point is not None:
            place["latitude"], place["longitude"] = point
        if exact:
            place["addresses"] = [{
                "id": public_id("address", listing.id), "location_id": location_id,
                "address_1": listing.address_line, "city": listing.city, "state_province": listing.region,
                "postal_code": listing.postal_code, "country": listing.country, "address_type": "physical",
            }]
        found.append(place)
    url = virtual_url(listing)
    if url:
        found.append({"id": public_id("location", listing.id, "virtual"), "location_type": "virtual",
                      "name": provider_name(url), "url": url, "organization_id": organization_id})
    return found


def schedules(listing: ListingRecord, service_id: str) -> list[dict[str, Any]]:
    """Meetings as RRULE-style schedules in local time; a mentor's availability as a description."""
    if listing.kind == KIND_MENTOR:
        ways = [name for name, flag in (("in person", listing.meets_in_person),
                                        ("by phone", listing.meets_phone),
                                        ("by video call", listing.meets_video)) if flag]
        if not listing.availability and not ways:
            return []
        item: dict[str, Any] = {"id": public_id("schedule", "listing", listing.id), "service_id": service_id,
                                "description": listing.availability or "Arranged with each person"}
        if ways:
            attending = ", ".join(ways[:-1]) + (" or " if len(ways) > 1 else "") + ways[-1]
            item["attending_type"] = attending[0].upper() + attending[1:]
        return [item]
    return [schedule(meeting, listing, service_id) for meeting in listing.meetings
            if 0 <= meeting.weekday <= 6 and meeting.start_time is not None]


def schedule(meeting: MeetingRecord, listing: ListingRecord, service_id: str) -> dict[str, Any]:
    start = datetime.combine(date(2001, 1, 1), meeting.start_time)
    end = start + timedelta(minutes=meeting.duration_minutes or 0)
    day = ICAL_DAYS[meeting.weekday]
    item: dict[str, Any] = {"id": public_id("schedule", meeting.id), "service_id": service_id,
                            "freq": "WEEKLY", "wkst": "MO", "byday": day}
    if meeting.recurrence == RECURRENCE_BIWEEKLY:
        item["interval"] = 2
        item["dtstart"] = biweekly_start(meeting).isoformat()
    elif meeting.recurrence == RECURRENCE_MONTHLY:
        item["freq"] = "MONTHLY"
        item["byday"] = f"{meeting.week_of_month or 1}{day}"
    item.update({
        "opens_at": start.strftime("%H:%M"),
        "closes_at": end.strftime("%H:%M"),
        "tzid": listing.time_zone,
        "description": (f"{describe_rule(meeting)}, {format_clock(start)} – {format_clock(end)} "
                        f"({listing.time_zone} time)"),
        "attending_type": ATTENDING.get(listing.format, listing.format),
    })
    if meeting.notes:
        item["notes"] = meeting.notes
    return item


def biweekly_start(meeting: MeetingRecord) -> date:
    """A date the meeting falls on: its weekday in the anchor's week (schedule.occurs_on's rule)."""
    anchor = meeting.anchor_date or BIWEEKLY_EPOCH
    return anchor - timedelta(days=anchor.weekday()) + timedelta(days=meeting.weekday)
