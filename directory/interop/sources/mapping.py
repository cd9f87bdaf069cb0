"""From upstream rows to listing snapshots (the shape listings.snapshots.snapshot() writes), or refusals;
the Meeting Guide half, and what both formats share (HSDS services are mapped in hsds_mapping.py).

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
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ...geo.regions import COUNTRY_NAMES
from ...i18n import gettext
from ...listings.models import (
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    KIND_GROUP,
    RECURRENCE_WEEKLY,
)
from ...urls import safe_url
from .. import hsds, meeting_guide
from .places import Gazetteer, Place, known_zones

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
        return str(gettext("not a JSON object"))
    if not _text(row.get("name")):
        return str(gettext("no name"))
    if not _text(row.get("slug")):
        return str(gettext("no slug (the spec requires one)"))
    if row.get("day") in (None, "", []) or not _text(row.get("time")):
        return str(gettext("no day and time (a meeting by appointment cannot be listed with a schedule)"))
    if _days(row["day"]) is None:
        return str(gettext("bad day %(day)s: 0 (Sunday) to 6 (Saturday)", day=repr(row["day"])))
    if _clock(row.get("time")) is None:
        return str(gettext("bad time %(time)s: HH:MM, 24-hour", time=repr(row.get("time"))))
    if row.get("end_time") not in (None, "") and _clock(row.get("end_time")) is None:
        return str(gettext("bad end time %(time)s: HH:MM, 24-hour", time=repr(row.get("end_time"))))
    zone = _text(row.get("timezone"))
    if zone and zone not in known_zones():
        return str(gettext("unknown time zone %(zone)s (an IANA name such as America/Chicago)",
                           zone=repr(zone)))
    if _coordinates(row) is False:
        return str(gettext("bad coordinates (latitude -90 to 90, longitude -180 to 180)"))
    if _text(row.get("attendance_option")) == "inactive":
        return str(gettext("the source marks it inactive"))
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
        return Refusal(group.label, gettext("inactive: neither a specific place nor a public join link (an "
                                            "approximate place alone is what Meeting Guide readers show as "
                                            "inactive)"))
    if in_person or place.named:
        problem = place.complete(gazetteer)
        if problem:
            return Refusal(group.label, problem)
    elif not place.time_zone:
        return Refusal(group.label, gettext("no time zone: an online meeting needs `timezone` in the record"))
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
