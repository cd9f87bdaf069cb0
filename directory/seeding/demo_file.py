"""Reading the demo listings file: every entry checked, completed with the columns' defaults and typed."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..listings.models import (
    COSTS,
    FORMAT_ONLINE,
    FORMATS,
    KINDS,
    PRECISIONS,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
    RECURRENCES,
    Listing,
)
from ..listings.snapshots import EDITABLE_FIELDS, MEETING_FIELDS
from .upsert import SeedError, read_json, slugify

DEMO_PREFIX = "Demo: "
MAX_DAYS_AGO = 180
# Listing fields the demo file may set besides EDITABLE_FIELDS.
DEMO_EXTRA_KEYS = {
    "kind",
    "topics",
    "audiences",
    "languages",
    "meetings",
    "last_confirmed_days_ago",
    "published_days_ago",
}



def demo_slug(name: str) -> str:
    return slugify(name.removeprefix(DEMO_PREFIX.strip()).strip())


def _column_defaults() -> dict[str, Any]:
    """What an editable field holds when the file leaves it out: the column's own default."""
    defaults = {}
    for name in EDITABLE_FIELDS:
        column = Listing.__table__.columns[name]
        default = column.default.arg if column.default is not None else None
        defaults[name] = None if callable(default) else default
    return defaults


def load_demo_file(path: Path) -> list[dict[str, Any]]:
    """Read and check the demo listings; every entry comes back complete and typed, with its slug."""
    document = read_json(path)
    entries = document.get("listings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SeedError(f"{path.name} must hold an object with a non-empty 'listings' list.")
    defaults = _column_defaults()
    allowed = set(EDITABLE_FIELDS) | DEMO_EXTRA_KEYS
    items = []
    seen: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SeedError(f"{path.name}, entry {number}: not an object.")
        label = f"{path.name}, {entry.get('name') or f'entry {number}'}"
        unknown = set(entry) - allowed
        if unknown:
            raise SeedError(f"{label}: unknown keys {', '.join(sorted(unknown))}.")
        item = {**defaults, **entry}
        _check_listing(item, label)
        slug = demo_slug(item["name"])
        if slug in seen:
            raise SeedError(f"{label}: its slug {slug!r} is already used by {seen[slug]!r}.")
        seen[slug] = item["name"]
        item["slug"] = slug
        item["meetings"] = [_meeting(meeting, f"{label}, meeting {index}")
                            for index, meeting in enumerate(item.get("meetings") or [], start=1)]
        items.append(item)
    return items


def _check_listing(item: dict[str, Any], label: str) -> None:
    def need(condition: bool, message: str) -> None:
        if not condition:
            raise SeedError(f"{label}: {message}")

    name = item.get("name") or ""
    need(name.startswith(DEMO_PREFIX) and len(name) <= 120 and demo_slug(name) != "",
         f"the name must start with {DEMO_PREFIX!r} and fit in 120 characters.")
    need(item.get("kind") in KINDS, f"kind must be one of {', '.join(KINDS)}.")
    need(item["format"] in FORMATS, f"format must be one of {', '.join(FORMATS)}.")
    need(item["cost"] in COSTS, f"cost must be one of {', '.join(COSTS)}.")
    need(item["location_precision"] in PRECISIONS, "location_precision must be 'exact' or 'approximate'.")
    need(len(item["summary"] or "") <= 300, "the summary is longer than 300 characters.")
    need(len(item["availability"] or "") <= 200, "availability is longer than 200 characters.")
    need(len(item["cost_details"] or "") <= 200, "cost_details is longer than 200 characters.")
    try:
        ZoneInfo(item["time_zone"] or "")
    except (ZoneInfoNotFoundError, ValueError):
        need(False, f"unknown time zone {item['time_zone']!r}.")
    for url_field in ("website", "online_url"):
        url = item[url_field] or ""
        need(url == "" or url.startswith(("https://", "http://")), f"{url_field} must be an http(s) URL.")
    if item["format"] == FORMAT_ONLINE:
        need(item["latitude"] is None and item["longitude"] is None, "an online listing has no coordinates.")
        need(bool(item["online_url"]) or item["kind"] != "group", "an online group needs an online_url.")
    else:
        need(isinstance(item["latitude"], int | float) and isinstance(item["longitude"], int | float),
             "an in-person or hybrid listing needs latitude and longitude.")
        need(-90 <= item["latitude"] <= 90 and -180 <= item["longitude"] <= 180, "coordinates out of range.")
    need(bool(item.get("topics")), "at least one topic is needed.")
    for key in ("topics", "audiences", "languages"):
        values = item.get(key) or []
        need(isinstance(values, list) and all(isinstance(value, str) for value in values),
             f"{key} must be a list of strings.")
        item[key] = list(dict.fromkeys(values))
    need(all(re.fullmatch(r"[a-z]{2}", code) for code in item["languages"]),
         "languages must be two-letter ISO 639-1 codes.")
    for key in ("last_confirmed_days_ago", "published_days_ago"):
        need(isinstance(item.get(key), int) and 0 <= item[key], f"{key} must be a whole number of days.")
    need(item["last_confirmed_days_ago"] <= MAX_DAYS_AGO,
         f"last_confirmed_days_ago over {MAX_DAYS_AGO} would expire the listing.")
    need(item["published_days_ago"] >= item["last_confirmed_days_ago"],
         "published_days_ago must not be more recent than last_confirmed_days_ago.")
    need(item["kind"] == "group" or not item.get("meetings"), "only groups have meetings.")


def _meeting(data: dict[str, Any], label: str) -> dict[str, Any]:
    """A meeting entry as Meeting keyword arguments, checked."""
    if not isinstance(data, dict) or set(data) - set(MEETING_FIELDS):
        raise SeedError(f"{label}: a meeting may only have {', '.join(MEETING_FIELDS)}.")
    try:
        meeting: dict[str, Any] = dict(
            weekday=int(data["weekday"]),
            start_time=time.fromisoformat(data["start_time"]),
            duration_minutes=int(data.get("duration_minutes") or 90),
            recurrence=data.get("recurrence") or "weekly",
            week_of_month=data.get("week_of_month"),
            anchor_date=date.fromisoformat(data["anchor_date"]) if data.get("anchor_date") else None,
            notes=data.get("notes") or "",
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SeedError(f"{label}: {error.__class__.__name__}: {error}") from error
    problems = []
    if not 0 <= meeting["weekday"] <= 6:
        problems.append("weekday must be 0 (Monday) to 6 (Sunday)")
    if meeting["recurrence"] not in RECURRENCES:
        problems.append(f"recurrence must be one of {', '.join(RECURRENCES)}")
    if meeting["recurrence"] == RECURRENCE_MONTHLY and meeting["week_of_month"] not in (1, 2, 3, 4, -1):
        problems.append("a monthly meeting needs week_of_month 1 to 4, or -1 for the last")
    if meeting["recurrence"] != RECURRENCE_MONTHLY and meeting["week_of_month"] is not None:
        problems.append("only a monthly meeting has a week_of_month")
    if meeting["recurrence"] == RECURRENCE_BIWEEKLY:
        if meeting["anchor_date"] is None or meeting["anchor_date"].weekday() != meeting["weekday"]:
            problems.append("an every-other-week meeting needs an anchor_date on its weekday")
    elif meeting["anchor_date"] is not None:
        problems.append("only an every-other-week meeting has an anchor_date")
    if not 0 < meeting["duration_minutes"] <= 24 * 60 or len(meeting["notes"]) > 200:
        problems.append("duration or notes out of range")
    if problems:
        raise SeedError(f"{label}: {'; '.join(problems)}.")
    return meeting
