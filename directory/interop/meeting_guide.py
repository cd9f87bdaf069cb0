"""The Meeting Guide JSON feed (code4recovery spec): one entry per weekly meeting of a published group.

Recovery apps, the 12 Step Meeting List plugin and TSML UI read this format. It only knows weekly
meetings, and its readers decide "in person / online / hybrid / inactive" from the fields alone, so a
meeting is left out when the format cannot say it truthfully:
  - every-other-week and monthly meetings (the spec: weekly meetings only);
  - mentors (they are not meetings);
  - a meeting with neither an address the organiser chose to publish nor a public join link on a
    conference service those readers accept: they would show it "inactive".
No e-mail address is ever written (no `feedback_emails`, `entity_email` or `contact_*_email`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, or_, select

from ..geo.regions import COUNTRY_NAMES, REGION_NAMES
from ..listings.models import (
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    KIND_GROUP,
    RECURRENCE_WEEKLY,
    Listing,
    Meeting,
)
from ..listings.privacy import EXACT, shows_exact_address
from ..urls import safe_url
from . import records
from .links import ListingLinks
from .records import ListingRecord, MeetingRecord

# The 21 conference domains TSML UI and the TSML plugin accept for conference_url (tsml-ui
# src/hooks/settings.tsx): a link on any other host is dropped on import, leaving the meeting inactive.
CONFERENCE_PROVIDERS: dict[str, str] = {
    "bluejeans.com": "Bluejeans", "discord.gg": "Discord", "freeconference.com": "Free Conference",
    "freeconferencecall.com": "FreeConferenceCall", "goto.com": "GoTo", "gotomeet.me": "GoTo",
    "gotomeeting.com": "GoTo", "horizon.meta.com": "Virtual Reality",
    "maps.secondlife.com": "Virtual Reality", "meet.google.com": "Google Meet", "meet.jit.si": "Jitsi",
    "meetings.dialpad.com": "Dialpad", "signal.group": "Signal", "skype.com": "Skype",
    "slurl.com": "Virtual Reality", "teams.live.com": "Teams", "teams.microsoft.com": "Teams",
    "vrchat.com": "Virtual Reality", "webex.com": "WebEx", "zoho.com": "Zoho", "zoom.us": "Zoom",
}

MEN = "M"
# Audiences the spec has a type for (only codes from its list; the rest go into `notes`).
AUDIENCE_TYPES: dict[str, tuple[str, ...]] = {
    "young-men": ("Y",),
    "men-over-50": ("SEN",),
    "gay-and-bi-men": ("G", "BI"),
    "secular": ("A",),
    "first-timers": ("BE",),
}
# ISO 639-1 language codes -> the spec's language types.
LANGUAGE_TYPES: dict[str, str] = {
    "af": "AF", "am": "AM", "ar": "AR", "bg": "BG", "da": "DA", "de": "DE", "el": "EL", "en": "EN",
    "es": "S", "fa": "FA", "fi": "FI", "fr": "FR", "he": "HE", "hi": "HI", "hr": "HR", "hu": "HU",
    "is": "IS", "it": "ITA", "ja": "JA", "ka": "KA", "ko": "KOR", "lt": "LT", "ml": "ML", "mt": "MT",
    "ne": "NE", "nl": "NL", "no": "NO", "nb": "NO", "pa": "PUN", "pl": "POL", "pt": "POR", "ru": "RUS",
    "sk": "SK", "sl": "SL", "sv": "SV", "th": "TH", "tl": "TL", "tr": "TUR", "uk": "UK",
}
# How the feed names a country in `formatted_address` (what geocoders and the spec's examples use).
COUNTRY_LABELS = {"US": "USA", "GB": "UK"}
COST_NOTES = {"free": "Free.", "donation": "Donations welcome, never required.", "paid": "There is a fee."}

IN_PERSON, ONLINE, HYBRID = "in_person", "online", "hybrid"
EPOCH = datetime(2001, 1, 1)


def conference_url(listing: ListingRecord) -> str | None:
    """The join link, when the public may see it and the readers accept its host; else None."""
    if listing.format == FORMAT_IN_PERSON or listing.online_url_private:
        return None
    url = safe_url(listing.online_url)
    if url is None:
        return None
    host = (urlsplit(url).hostname or "").lower()
    known = any(host == domain or host.endswith("." + domain) for domain in CONFERENCE_PROVIDERS)
    return url if known else None


def attendance_option(exact: bool, link: str | None) -> str | None:
    """What TSML UI will make of an entry: None when it would be 'inactive' (then it is left out)."""
    if link:
        return HYBRID if exact else ONLINE
    return IN_PERSON if exact else None


def types_for(listing: ListingRecord) -> list[str]:
    codes = [MEN]
    for slug, _ in listing.audiences:
        codes.extend(AUDIENCE_TYPES.get(slug, ()))
    codes.extend(LANGUAGE_TYPES[code] for code in listing.languages if code in LANGUAGE_TYPES)
    return list(dict.fromkeys(codes))


def country_label(code: str) -> str:
    return COUNTRY_LABELS.get(code, COUNTRY_NAMES.get(code, code))


def region_name(listing: ListingRecord) -> str:
    return REGION_NAMES.get(listing.country, {}).get(listing.region, listing.region or "")


def place_fields(listing: ListingRecord, exact: bool) -> dict[str, Any]:
    """The street address and point when the organiser published them; else the town only."""
    if exact:
        fields: dict[str, Any] = {
            "address": listing.address_line, "city": listing.city, "state": listing.region,
            "postal_code": listing.postal_code, "country": listing.country, "approximate": "no",
        }
        if listing.latitude is not None and listing.longitude is not None:
            fields["latitude"] = round(listing.latitude, 5)
            fields["longitude"] = round(listing.longitude, 5)
        return {key: value for key, value in fields.items() if value not in ("", None)}
    town = [part for part in (listing.city, listing.region) if part]
    if not town:
        return {}  # no town at all: a place spanning time zones would mislead (the spec says so)
    return {"formatted_address": ", ".join([*town, country_label(listing.country)]), "approximate": "yes"}


def notes_for(listing: ListingRecord, meeting: MeetingRecord, exact: bool, link: str | None) -> str:
    """Everything the fields cannot carry, as plain text."""
    parts = [listing.summary.strip()] if listing.summary.strip() else []
    if listing.topics:
        parts.append("Topics: " + ", ".join(name for _, name in listing.topics).lower() + ".")
    uncoded = [name for slug, name in listing.audiences if slug not in AUDIENCE_TYPES]
    if uncoded:
        parts.append("For: " + ", ".join(uncoded).lower() + ".")
    parts.append(listing.cost_details.strip() or COST_NOTES.get(listing.cost, ""))
    if listing.format == "hybrid" and not exact:
        near = f" near {listing.city}" if listing.city else ""
        parts.append(f"Also meets in person{near}; the address is sent on request through the listing page.")
    elif listing.format != FORMAT_IN_PERSON and not link:
        parts.append("Also online: the link is sent on request through the listing page.")
    if meeting.notes.strip():
        parts.append(meeting.notes.strip())
    return " ".join(part for part in parts if part)


def hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def entry(listing: ListingRecord, meeting: MeetingRecord, links: ListingLinks, entity: dict[str, str],
          ) -> dict[str, Any] | None:
    """One meeting as a feed entry, or None when the format cannot express it (see the module doc)."""
    if meeting.recurrence != RECURRENCE_WEEKLY or not 0 <= meeting.weekday <= 6 or meeting.start_time is None:
        return None
    exact = shows_exact_address(listing)
    link = conference_url(listing)
    attendance = attendance_option(exact, link)
    if attendance is None:
        return None
    start = datetime.combine(EPOCH.date(), meeting.start_time)
    end = start + timedelta(minutes=meeting.duration_minutes or 0)
    item: dict[str, Any] = {
        "name": listing.name,
        "slug": f"{listing.slug}-{meeting.id}",
        "day": (meeting.weekday + 1) % 7,  # stored 0 = Monday; the spec's 0 is Sunday
        "time": hhmm(start),
        "end_time": hhmm(end),
        "timezone": listing.time_zone,
        "types": types_for(listing),
        "group": listing.name,
        "notes": notes_for(listing, meeting, exact, link),
        **place_fields(listing, exact),
        "regions": list(dict.fromkeys(part for part in (region_name(listing), listing.city) if part)),
        "url": links.page(listing.slug),
        "updated": (listing.updated_at or listing.created_at or EPOCH).strftime("%Y-%m-%d %H:%M:%S"),
        "attendance_option": attendance,
        **entity,
    }
    feedback = links.report(listing.slug)
    if feedback:
        item["feedback_url"] = feedback
    if link:
        item["conference_url"] = link
    if not item["regions"]:
        del item["regions"]
    return item


def feed_ids() -> records.IdSelect:
    """Visible groups with a weekly meeting and a published address or a public join link: the only
    listings that can have an entry (`entry` still decides, the host of the link included)."""
    weekly = (select(Meeting.id)
              .where(Meeting.listing_id == Listing.id, Meeting.recurrence == RECURRENCE_WEEKLY).exists())
    exact = and_(Listing.format != FORMAT_ONLINE, Listing.location_precision == EXACT,
                 Listing.address_line != "")
    joinable = and_(Listing.format != FORMAT_IN_PERSON, Listing.online_url_private.is_(False),
                    Listing.online_url != "")
    return records.visible_ids(Listing.kind == KIND_GROUP, weekly, or_(exact, joinable))


def feed() -> list[dict[str, Any]]:
    """The whole feed, in listing order."""
    links = ListingLinks()
    entity = {"entity": current_app.config["SITE_NAME"], "entity_url": links.home}
    entries = []
    for listing in records.load(feed_ids()):
        for meeting in listing.meetings:
            item = entry(listing, meeting, links, entity)
            if item is not None:
                entries.append(item)
    return entries
