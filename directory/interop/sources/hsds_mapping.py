"""HSDS services to listing snapshots: this directory's own taxonomies (kind, format, topics, audiences)
and privacy conventions read back first, any other publisher's by the standard's fields."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from ...i18n import gettext
from ...listings.models import (
    FORMAT_HYBRID,
    FORMAT_IN_PERSON,
    FORMAT_ONLINE,
    KIND_GROUP,
    KIND_MENTOR,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
)
from ...listings.schedule import ICAL_DAYS
from ...urls import safe_url
from .. import hsds
from .mapping import (
    APPROXIMATE_SUFFIX,
    COST_TEXTS,
    COSTS,
    FORMAT_NAMES,
    KIND_NAMES,
    Group,
    Mapped,
    Parsed,
    Refusal,
    _clock,
    _coordinates,
    _country,
    _emails,
    _finish,
    _meeting,
    _minutes,
    _object,
    _text,
)
from .places import Gazetteer, Place, known_zones


def _service_label(service: dict[str, Any]) -> str:
    return f"{_text(service.get('name'), 120) or '(no name)'} ({_text(service.get('id'), 60)})"


def read_hsds(services: Iterable[dict[str, Any]]) -> Parsed:
    parsed = Parsed()
    seen: set[str] = set()
    for service in services:
        identifier = _text(service.get("id"), 200)
        if not identifier:
            parsed.refused.append(Refusal(_service_label(service), gettext("no id")))
        elif identifier in seen:
            parsed.refused.append(Refusal(_service_label(service), gettext("the same id twice")))
        elif not _text(service.get("name")):
            parsed.refused.append(Refusal(_service_label(service), gettext("no name")))
        elif _text(service.get("status")).lower() in ("inactive", "defunct"):
            parsed.refused.append(Refusal(_service_label(service),
                                                  gettext("status is %(status)s", status=service["status"])))
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
        return str(gettext("bad coordinates (latitude -90 to 90, longitude -180 to 180)"))
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
        return Refusal(group.label, gettext("unknown time zone %(zone)s in tzid", zone=repr(zone)))
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
        return Refusal(group.label, gettext("neither a place to meet nor a public join link"))
    if meetings and not place.time_zone:
        return Refusal(group.label, gettext("no time zone: the schedules give no tzid and there is no place"))
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

