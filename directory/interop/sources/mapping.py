"""From upstream rows to listing snapshots (the shape listings.services.snapshot() writes), or refusals.

Meeting Guide: meetings of one group (by `group_id`, else `group`, else name and place) become one
group listing with a meeting each. HSDS: each service becomes a listing. The vocabularies are the
export's own maps read backwards (meeting_guide.AUDIENCE_TYPES / LANGUAGE_TYPES, hsds.FIXED_TERMS,
COST_OPTIONS and the taxonomies' term codes), so what this directory writes it reads back.
A record is refused, with the reason, when a listing made from it would be wrong: no name, a day or
time that is not one, a time zone that neither the record nor its place gives, a place the gazetteer
does not know, coordinates off the globe.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from ...geo.regions import COUNTRY_NAMES
from ...geo.services import Location, locate, nearest_place, to_location
from ...listings.models import (
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    KIND_GROUP,
    KIND_MENTOR,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
    RECURRENCE_WEEKLY,
)
from ...listings.schedule import ICAL_DAYS
from ...urls import safe_url
from .. import hsds, meeting_guide

# Bump when the mapping changes: every record then counts as changed once and is mapped afresh.
MAPPING_VERSION = "1"
MEN = meeting_guide.MEN
# The export's maps, backwards.
TYPE_AUDIENCES = {code: slug for slug, codes in meeting_guide.AUDIENCE_TYPES.items() for code in codes}
TYPE_LANGUAGES = {code: language for language, code in meeting_guide.LANGUAGE_TYPES.items()
                  if language != "nb"}
# Every Meeting Guide feed lists twelve-step recovery meetings.
MEETING_GUIDE_TOPICS = ("addiction-recovery",)
COSTS = {name.lower(): code for code, name in hsds.COST_OPTIONS.items()}
COST_TEXTS = {text.lower() for text in hsds.COST_DESCRIPTIONS.values()} | {"free"}
FORMAT_NAMES = {code: code for code, _ in hsds.FIXED_TERMS["format"]} | {
    name.lower(): code for code, name in hsds.FIXED_TERMS["format"]}
KIND_NAMES = {code: code for code, _ in hsds.FIXED_TERMS["kind"]} | {
    name.lower(): code for code, name in hsds.FIXED_TERMS["kind"]}
COUNTRY_WORDS = {"usa": "US", "us": "US", "united states": "US", "uk": "GB", "united kingdom": "GB"} | {
    name.lower(): code for code, name in COUNTRY_NAMES.items()}
APPROXIMATE_SUFFIX = " (exact place on request)"
DEFAULT_DURATION = 60  # minutes, TSML's default when a meeting has no end time
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?$")
STATE_ZIP = re.compile(r"^([A-Za-z][A-Za-z .]*?)\s+(\d{5}(?:-\d{4})?)$")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass
class Refusal:
    label: str
    reason: str


@dataclass
class Group:
    """Upstream rows that make one listing, before mapping: enough to tell whether anything changed."""

    key: str
    label: str
    rows: list[dict[str, Any]]
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            text = json.dumps([MAPPING_VERSION, self.rows], sort_keys=True, ensure_ascii=False, default=str)
            self.digest = hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Mapped:
    key: str
    label: str
    upstream_ids: list[str]
    data: dict[str, Any]  # kind + a listing snapshot
    emails: list[str] = field(default_factory=list)
    digest: str = ""  # the group's (set by the sync)


@dataclass
class Parsed:
    groups: list[Group] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    skipped: int = 0  # rows the type filter left out


# Places and time zones ----------------------------------------------------------------------------


@cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


class Gazetteer:
    """geo.locate with a memory: a feed names the same towns and points again and again."""

    def __init__(self) -> None:
        self.found: dict[str, Location | None] = {}

    def point(self, latitude: float, longitude: float) -> Location | None:
        key = f"{latitude:.2f},{longitude:.2f}"
        if key not in self.found:
            place = nearest_place(latitude, longitude)
            self.found[key] = to_location(place) if place is not None else None
        return self.found[key]

    def text(self, query: str) -> Location | None:
        key = query.strip().lower()
        if not key:
            return None
        if key not in self.found:
            self.found[key] = locate(query).location
        return self.found[key]


def _text(value: Any, limit: int | None = None) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    text = " ".join(str(value).split()) if limit else str(value).strip()
    return text[:limit] if limit else text


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _coordinates(row: dict[str, Any]) -> tuple[float, float] | None | bool:
    """(lat, lon); None when absent; False when present but not a point on the globe."""
    latitude, longitude = row.get("latitude"), row.get("longitude")
    if latitude in (None, "") and longitude in (None, ""):
        return None
    try:
        point = float(str(latitude)), float(str(longitude))
    except ValueError:
        return False
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180) or point == (0.0, 0.0):
        return False
    return point


def _country(text: str) -> str:
    word = text.strip().lower()
    if len(word) == 2 and word.isalpha():
        return word.upper()
    return COUNTRY_WORDS.get(word, "")


def _emails(*values: Any) -> list[str]:
    found: list[str] = []
    for value in values:
        items = value if isinstance(value, list) else re.split(r"[,;\s]+", str(value or ""))
        for item in items:
            address = str(item).strip().lower()
            if EMAIL.match(address) and len(address) <= 254 and address not in found:
                found.append(address)
    return found


@dataclass
class Place:
    """A record's place as far as the record says it, then completed from the gazetteer."""

    address_line: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None
    exact: bool = False
    time_zone: str = ""

    @property
    def named(self) -> bool:
        return bool(self.city or self.postal_code or self.address_line or self.latitude is not None)

    def describe(self) -> str:
        return ", ".join(part for part in (self.address_line, self.city, self.region, self.postal_code,
                                            self.country) if part) or "no place"

    def complete(self, gazetteer: Gazetteer) -> str | None:
        """Fill the point, country and time zone from the gazetteer; a refusal reason if it can't."""
        if self.latitude is not None and self.time_zone and self.country:
            return None  # the record says it all (finding the nearest town reads the whole gazetteer)
        location = None
        if self.latitude is not None and self.longitude is not None:
            location = gazetteer.point(self.latitude, self.longitude)
        if location is None and self.postal_code:
            location = gazetteer.text(" ".join(part for part in (self.postal_code, self.country) if part))
        if location is None and self.city:
            location = gazetteer.text(", ".join(part for part in (self.city, self.region) if part))
        if location is None:
            if self.latitude is None and self.city:
                return f"unknown place: {self.describe()} is not in the gazetteer"
            if not self.time_zone:
                return f"no time zone: the record gives none and its place ({self.describe()}) is unknown"
            return None
        if self.latitude is None or self.longitude is None:
            self.latitude, self.longitude = location.latitude, location.longitude
        self.country = self.country or location.country
        self.region = self.region or (location.region or "")
        self.time_zone = self.time_zone or location.time_zone
        return None

    def fields(self) -> dict[str, Any]:
        return {"address_line": self.address_line[:200] if self.exact else "", "city": self.city[:100],
                "region": self.region[:100], "postal_code": self.postal_code[:12],
                "country": (self.country or "US")[:2], "latitude": self.latitude, "longitude": self.longitude,
                "location_precision": "exact" if self.exact and self.address_line else "approximate"}


def _finish(data: dict[str, Any]) -> dict[str, Any]:
    """Every snapshot field present, with the listing's defaults, in a stable order."""
    defaults: dict[str, Any] = {
        "kind": KIND_GROUP, "name": "", "summary": "", "description": "", "format": FORMAT_IN_PERSON,
        "cost": "free", "cost_details": "", "website": "", "phone": "", "phone_public": False,
        "contact_email": "", "contact_enabled": False, "address_line": "", "city": "", "region": "",
        "postal_code": "", "country": "US", "latitude": None, "longitude": None,
        "location_precision": "approximate", "time_zone": "America/New_York", "online_url": "",
        "online_url_private": False, "experience": "", "meets_in_person": False, "meets_phone": False,
        "meets_video": False, "accepting_mentees": True, "availability": "", "topics": [],
        "audiences": [], "languages": [], "meetings": [],
    }
    finished = {key: data.get(key, value) for key, value in defaults.items()}
    for key in ("topics", "audiences", "languages"):
        finished[key] = sorted(set(finished[key]))
    finished["meetings"] = sorted(finished["meetings"], key=lambda m: (m["weekday"], m["start_time"],
                                                                        m["notes"]))
    return finished


def _meeting(weekday: int, start: time, minutes: int, notes: str = "", recurrence: str = RECURRENCE_WEEKLY,
             week_of_month: int | None = None, anchor: date | None = None) -> dict[str, Any]:
    return {"weekday": weekday, "start_time": start.strftime("%H:%M"),
            "duration_minutes": max(5, min(minutes, 24 * 60)), "recurrence": recurrence,
            "week_of_month": week_of_month, "anchor_date": anchor.isoformat() if anchor else None,
            "notes": notes[:200]}


def _clock(text: Any) -> time | None:
    match = TIME.match(str(text or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _minutes(start: time, end: time | None) -> int:
    if end is None:
        return DEFAULT_DURATION
    span = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
    return span or DEFAULT_DURATION


# Meeting Guide --------------------------------------------------------------------------------------


def _days(value: Any) -> list[int] | None:
    """The spec's day (0 = Sunday ... 6 = Saturday, or a list of them) as our weekdays (0 = Monday)."""
    values = value if isinstance(value, list) else [value]
    days = []
    for item in values:
        text = str(item).strip()
        if not text.isdigit() or not 0 <= int(text) <= 6:
            return None
        days.append((int(text) + 6) % 7)
    return days or None


def _label(row: dict[str, Any]) -> str:
    name = _text(row.get("name"), 120) or "(no name)"
    slug = _text(row.get("slug"), 120)
    return f"{name} ({slug})" if slug else name


def _entry_problem(row: dict[str, Any]) -> str | None:
    if "_not_an_object" in row:
        return "not a JSON object"
    if not _text(row.get("name")):
        return "no name"
    if not _text(row.get("slug")):
        return "no slug (the spec requires one)"
    if row.get("day") in (None, "", []) or not _text(row.get("time")):
        return "no day and time (a meeting by appointment cannot be listed with a schedule)"
    if _days(row["day"]) is None:
        return f"bad day {row['day']!r}: 0 (Sunday) to 6 (Saturday)"
    if _clock(row.get("time")) is None:
        return f"bad time {row.get('time')!r}: HH:MM, 24-hour"
    if row.get("end_time") not in (None, "") and _clock(row.get("end_time")) is None:
        return f"bad end time {row.get('end_time')!r}: HH:MM, 24-hour"
    zone = _text(row.get("timezone"))
    if zone and zone not in known_zones():
        return f"unknown time zone {zone!r} (an IANA name such as America/Chicago)"
    if _coordinates(row) is False:
        return "bad coordinates (latitude -90 to 90, longitude -180 to 180)"
    if _text(row.get("attendance_option")) == "inactive":
        return "the source marks it inactive"
    return None


def _group_key(row: dict[str, Any]) -> str:
    if _text(row.get("group_id")):
        return "group-id:" + _text(row["group_id"])
    if _text(row.get("group")):
        return "group:" + " ".join(_text(row["group"]).lower().split())
    place = _text(row.get("formatted_address")) or _text(row.get("address")) or _text(row.get("location"))
    return "meeting:" + " ".join(f"{_text(row.get('name'))}|{place}".lower().split())


def read_meeting_guide(rows: list[dict[str, Any]], all_types: bool) -> Parsed:
    """Rows checked one by one and grouped; the type filter (M) applied unless `all_types`."""
    parsed = Parsed()
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if not all_types and "_not_an_object" not in row and MEN not in _types(row):
            parsed.skipped += 1
            continue
        problem = _entry_problem(row)
        if problem:
            parsed.refused.append(Refusal(_label(row), problem))
            continue
        grouped[_group_key(row)].append(row)
    for key, members in grouped.items():
        members.sort(key=lambda row: _text(row.get("slug")))
        name = _text(members[0].get("group"), 120) or _text(members[0].get("name"), 120)
        parsed.groups.append(Group(key, name, members))
    return parsed


def _meeting_guide_place(row: dict[str, Any]) -> Place:
    place = Place(address_line=_text(row.get("address"), 200), city=_text(row.get("city"), 100),
                  region=_text(row.get("state"), 100), postal_code=_text(row.get("postal_code"), 12),
                  country=_country(_text(row.get("country"))))
    formatted = [part.strip() for part in _text(row.get("formatted_address")).split(",") if part.strip()]
    if formatted and not (place.address_line or place.city):
        if formatted and _country(formatted[-1]):
            place.country = place.country or _country(formatted.pop())
        if len(formatted) >= 3:
            place.address_line = formatted[0]
            formatted = formatted[1:]
        if formatted:
            place.city = formatted[0]
        if len(formatted) >= 2:
            match = STATE_ZIP.match(formatted[1])
            place.region, place.postal_code = ((match.group(1), match.group(2)) if match
                                               else (formatted[1], ""))
    point = _coordinates(row)
    if isinstance(point, tuple):
        place.latitude, place.longitude = point
    approximate = _text(row.get("approximate")).lower()
    place.exact = bool(place.address_line) and approximate != "yes"
    place.time_zone = _text(row.get("timezone"))
    return place


def _types(row: dict[str, Any]) -> list[str]:
    types = row.get("types")
    return [code for code in types if isinstance(code, str)] if isinstance(types, list) else []


def _meets_in_person(row: dict[str, Any]) -> bool:
    """What Meeting Guide readers decide: the source's attendance_option when it gives one, else a
    specific place (not `approximate`, or a point, or a street address) that is not temporarily closed."""
    option = _text(row.get("attendance_option"))
    if option:
        return option in ("in_person", "hybrid")
    if "TC" in _types(row):
        return False
    if _text(row.get("approximate")):
        return _text(row.get("approximate")).lower() != "yes"
    if isinstance(_coordinates(row), tuple) or _text(row.get("address")):
        return True
    return len([part for part in _text(row.get("formatted_address")).split(",") if part.strip()]) >= 4


def map_meeting_guide(group: Group, gazetteer: Gazetteer) -> Mapped | Refusal:
    """One group's meetings as one listing."""
    first = group.rows[0]
    place = _meeting_guide_place(first)
    links = [url for url in (safe_url(_text(row.get("conference_url"))) for row in group.rows) if url]
    in_person = any(_meets_in_person(row) for row in group.rows) and place.named
    if not links and not in_person:
        return Refusal(group.label, "inactive: neither a specific place nor a public join link (an "
                                    "approximate place alone is what Meeting Guide readers show as inactive)")
    if in_person or place.named:
        problem = place.complete(gazetteer)
        if problem:
            return Refusal(group.label, problem)
    elif not place.time_zone:
        return Refusal(group.label, "no time zone: an online meeting needs `timezone` in the record")
    data: dict[str, Any] = {"kind": KIND_GROUP, "name": group.label, "time_zone": place.time_zone}
    data.update(place.fields())
    if not in_person:
        data.update({"address_line": "", "location_precision": "approximate"})
    data["format"] = (FORMAT_HYBRID if in_person and links else FORMAT_ONLINE if links else FORMAT_IN_PERSON)
    data["online_url"] = links[0][:500] if links else ""
    notes = [_text(first.get("group_notes")), _text(first.get("location_notes"))]
    location = _text(first.get("location"), 200)
    data["summary"] = (f"Meets at {location}." if location and in_person else "")[:300]
    data["description"] = "\n\n".join(part for part in notes if part)
    data["website"] = (safe_url(_text(first.get("website"))) or safe_url(_text(first.get("url"))) or "")[:500]
    phone = _text(first.get("phone"), 40)
    data.update({"phone": phone, "phone_public": bool(phone)})
    emails = _emails(*(row.get(key) for row in group.rows
                       for key in ("email", "contact_1_email", "contact_2_email", "contact_3_email")))
    data.update({"contact_email": emails[0] if emails else "", "contact_enabled": bool(emails)})
    types = {code for row in group.rows for code in _types(row)}
    data["audiences"] = [TYPE_AUDIENCES[code] for code in types if code in TYPE_AUDIENCES]
    data["languages"] = [TYPE_LANGUAGES[code] for code in types if code in TYPE_LANGUAGES]
    data["topics"] = list(MEETING_GUIDE_TOPICS)
    meetings = []
    for row in group.rows:
        start = _clock(row["time"]) or time(0, 0)  # _entry_problem refused rows without a time
        own_name = _text(row.get("name"))
        note = " ".join(part for part in (own_name if own_name != group.label else "",
                                          _text(row.get("notes"))) if part)
        for weekday in _days(row["day"]) or []:
            meetings.append(_meeting(weekday, start, _minutes(start, _clock(row.get("end_time"))), note))
    data["meetings"] = meetings
    slugs = [_text(row.get("slug")) for row in group.rows]
    return Mapped(group.key, group.label, slugs, _finish(data), emails)


# HSDS -----------------------------------------------------------------------------------------------


def _service_label(service: dict[str, Any]) -> str:
    return f"{_text(service.get('name'), 120) or '(no name)'} ({_text(service.get('id'), 60)})"


def read_hsds(services: Iterable[dict[str, Any]]) -> Parsed:
    parsed = Parsed()
    seen: set[str] = set()
    for service in services:
        identifier = _text(service.get("id"), 200)
        if not identifier:
            parsed.refused.append(Refusal(_service_label(service), "no id"))
        elif identifier in seen:
            parsed.refused.append(Refusal(_service_label(service), "the same id twice"))
        elif not _text(service.get("name")):
            parsed.refused.append(Refusal(_service_label(service), "no name"))
        elif _text(service.get("status")).lower() in ("inactive", "defunct"):
            parsed.refused.append(Refusal(_service_label(service), f"status is {service['status']}"))
        else:
            seen.add(identifier)
            parsed.groups.append(Group("service:" + identifier, _text(service["name"], 120), [service]))
    return parsed


def _terms(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(taxonomy key, code, name) of each attribute's term; the key is the link_type our export writes
    or the taxonomy's name."""
    found = []
    for attribute in service.get("attributes") or []:
        if not isinstance(attribute, dict):
            continue
        term = _object(attribute.get("taxonomy_term"))
        taxonomy = _text(attribute.get("link_type")).lower()
        if taxonomy not in hsds.TAXONOMIES:
            taxonomy = _text(term.get("taxonomy")).lower()
        found.append((taxonomy, _text(term.get("code")).lower(), _text(term.get("name")).lower()))
    return found


def _hsds_locations(service: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    physical, virtual = [], []
    for link in service.get("service_at_locations") or []:
        location = _object(link.get("location")) if isinstance(link, dict) else {}
        if not location:
            continue
        if _text(location.get("location_type")) == "virtual":
            url = safe_url(_text(location.get("url")))
            if url:
                virtual.append(url)
        else:
            physical.append(location)
    return physical, virtual


def _hsds_place(location: dict[str, Any]) -> Place | str:
    point = _coordinates(location)
    if point is False:
        return "bad coordinates (latitude -90 to 90, longitude -180 to 180)"
    addresses = [item for item in location.get("addresses") or [] if isinstance(item, dict)]
    physical = [item for item in addresses
                if _text(item.get("address_type")) in ("physical", "")] or addresses
    place = Place()
    if physical:
        address = physical[0]
        place = Place(address_line=_text(address.get("address_1"), 200), city=_text(address.get("city"), 100),
                      region=_text(address.get("state_province"), 100),
                      postal_code=_text(address.get("postal_code"), 12),
                      country=_country(_text(address.get("country"))), exact=True)
    else:
        name = _text(location.get("name"))
        if name.endswith(APPROXIMATE_SUFFIX):
            town = [part.strip() for part in name[:-len(APPROXIMATE_SUFFIX)].split(",")]
            place.city = town[0] if town[0] != "Town" else ""
            place.region = town[1] if len(town) > 1 else ""
    if isinstance(point, tuple):
        place.latitude, place.longitude = point
    return place


def _hsds_meetings(service: dict[str, Any]) -> tuple[list[dict[str, Any]], str, list[str]]:
    """Meetings from the schedules, the IANA zone they name (`tzid`), and the description and
    attending type of a schedule that is not a weekly or monthly time (a mentor's availability)."""
    schedules = [item for item in service.get("schedules") or [] if isinstance(item, dict)]
    for link in service.get("service_at_locations") or []:
        if isinstance(link, dict):
            schedules += [item for item in link.get("schedules") or [] if isinstance(item, dict)]
    meetings: list[dict[str, Any]] = []
    zone = ""
    loose: list[str] = []
    for schedule in schedules:
        zone = zone or _text(schedule.get("tzid"))
        start = _clock(schedule.get("opens_at"))
        days = [part.strip().upper() for part in _text(schedule.get("byday")).split(",") if part.strip()]
        frequency = _text(schedule.get("freq")).upper() or "WEEKLY"
        if start is None or not days or frequency not in ("WEEKLY", "MONTHLY"):
            if not loose:
                loose = [_text(schedule.get("description")), _text(schedule.get("attending_type"))]
            continue
        minutes = _minutes(start, _clock(schedule.get("closes_at")))
        notes = _text(schedule.get("notes"), 200)
        for day in days:
            match = re.match(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$", day)
            if not match:
                continue
            weekday = ICAL_DAYS.index(match.group(2))
            if frequency == "MONTHLY":
                week = int(match.group(1) or 1)
                meetings.append(_meeting(weekday, start, minutes, notes, RECURRENCE_MONTHLY,
                                         week if week in (1, 2, 3, 4, -1) else 1))
            elif str(schedule.get("interval") or "1").strip() in ("2", "2.0"):
                try:
                    anchor = date.fromisoformat(_text(schedule.get("dtstart"))[:10])
                except ValueError:
                    anchor = None
                meetings.append(_meeting(weekday, start, minutes, notes, RECURRENCE_BIWEEKLY, anchor=anchor))
            else:
                meetings.append(_meeting(weekday, start, minutes, notes))
    return meetings, zone, loose


def _hsds_text(service: dict[str, Any]) -> tuple[str, str]:
    """Summary and description: the export writes summary, a blank line, then the description."""
    organization = _object(service.get("organization"))
    text = str(service.get("description") or "").strip()
    first, _, rest = text.partition("\n\n")
    summary_hint = _text(organization.get("description"))
    if summary_hint and text.startswith(summary_hint) and len(summary_hint) <= 300:
        return summary_hint, text[len(summary_hint):].strip()
    if len(first) <= 300 and "\n" not in first:
        return first, rest.strip()
    return "", text


def map_hsds(group: Group, gazetteer: Gazetteer) -> Mapped | Refusal:
    service = group.rows[0]
    terms = _terms(service)
    kind = next((KIND_NAMES.get(code) or KIND_NAMES.get(name) for taxonomy, code, name in terms
                 if taxonomy == "kind" and (code in KIND_NAMES or name in KIND_NAMES)), KIND_GROUP)
    physical, virtual = _hsds_locations(service)
    meetings, zone, loose = _hsds_meetings(service)
    # The source's own word for the format (this directory's export says "online" for a group whose
    # link is sent on request: no public link, and none is made up).
    declared = next((FORMAT_NAMES.get(code) or FORMAT_NAMES.get(name) for taxonomy, code, name in terms
                     if taxonomy == "format" and (code in FORMAT_NAMES or name in FORMAT_NAMES)), None)

    if zone and zone not in known_zones():
        return Refusal(group.label, f"unknown time zone {zone!r} in tzid")
    place = Place(time_zone=zone)
    if physical:
        found = _hsds_place(physical[0])
        if isinstance(found, str):
            return Refusal(group.label, found)
        found.time_zone = zone
        place = found
    if place.named:
        problem = place.complete(gazetteer)
        if problem:
            return Refusal(group.label, problem)
    elif not virtual and kind == KIND_GROUP and meetings and declared is None:
        return Refusal(group.label, "neither a place to meet nor a public join link")
    if meetings and not place.time_zone:
        return Refusal(group.label, "no time zone: the schedules give no tzid and there is no place")
    format_ = declared or (FORMAT_HYBRID if place.named and virtual else FORMAT_ONLINE if virtual
                           else FORMAT_IN_PERSON)
    summary, description = _hsds_text(service)
    organization = _object(service.get("organization"))
    data: dict[str, Any] = {"kind": kind, "name": _text(service.get("name"), 120), "summary": summary[:300],
                            "description": description, "format": format_, "meetings": meetings}
    data.update(place.fields() if place.named else {})
    if place.time_zone:
        data["time_zone"] = place.time_zone
    data["online_url"] = virtual[0][:500] if virtual else ""
    data["website"] = (safe_url(_text(organization.get("website")))
                       or safe_url(_text(service.get("url"))) or "")[:500]
    phones = [item for item in service.get("phones") or []
              if isinstance(item, dict) and _text(item.get("number"))]
    if phones:
        data.update({"phone": _text(phones[0]["number"], 40).strip('"'), "phone_public": True})
    for option in service.get("cost_options") or []:
        if isinstance(option, dict) and _text(option.get("option")).lower() in COSTS:
            data["cost"] = COSTS[_text(option["option"]).lower()]
            details = _text(option.get("amount_description"), 200)
            if details and details.lower() not in COST_TEXTS:
                data["cost_details"] = details
            break
    else:
        fees = _text(service.get("fees_description"), 200)
        if fees and fees.lower() not in COST_TEXTS:
            data.update({"cost": "paid", "cost_details": fees})
    data["languages"] = [_text(item.get("code")).lower()[:2] for item in service.get("languages") or []
                         if isinstance(item, dict) and len(_text(item.get("code"))) in (2, 3)
                         and _text(item.get("code")).isalpha()]
    # Codes and names both: services.resolve_vocabulary keeps those the site knows, by slug or by name.
    data["topics"] = [word for taxonomy, code, name in terms if taxonomy == "topics" for word in (code, name)]
    data["audiences"] = [word for taxonomy, code, name in terms if taxonomy == "audiences"
                         for word in (code, name)]
    if kind == KIND_MENTOR:
        data["availability"] = loose[0][:200] if loose else ""
        ways = " ".join(loose[1:]).lower()
        data.update({"meets_in_person": "in person" in ways or place.named, "meets_phone": "phone" in ways,
                     "meets_video": "video" in ways or bool(virtual)})
        data["meetings"] = []
    emails = _emails(service.get("email"), organization.get("email"),
                     *(contact.get("email") for contact in service.get("contacts") or []
                       if isinstance(contact, dict)))
    data.update({"contact_email": emails[0] if emails else "", "contact_enabled": bool(emails)})
    return Mapped(group.key, group.label, [_text(service.get("id"))], _finish(data), emails)

