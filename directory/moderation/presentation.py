"""How a listing's content reads on the admin pages: field labels, values and meetings as words.

The sources' review pages show what a feed says the same way.
"""

from __future__ import annotations

import re
from datetime import time
from difflib import SequenceMatcher
from typing import Any

from ..listings.forms import language_name
from ..listings.models import Listing

FIELD_LABELS = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "format": "Format",
    "cost": "Cost",
    "cost_details": "Cost details",
    "website": "Website",
    "phone": "Phone",
    "phone_public": "Phone shown publicly",
    "contact_email": "Contact e-mail (private)",
    "contact_enabled": "Contact form on",
    "address_line": "Address",
    "city": "City",
    "region": "State / region",
    "postal_code": "ZIP / postcode",
    "country": "Country",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "location_precision": "Location precision",
    "time_zone": "Time zone",
    "online_url": "Online join link",
    "online_url_private": "Join link kept private",
    "experience": "Experience",
    "meets_in_person": "Meets in person",
    "meets_phone": "Meets by phone",
    "meets_video": "Meets by video",
    "accepting_mentees": "Accepting mentees",
    "availability": "Availability",
    "topics": "Topics",
    "audiences": "Audiences",
    "languages": "Languages",
    "meetings": "Meetings",
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def show_value(field: str, value: Any) -> str:
    """A snapshot value as an admin reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "meetings":
        return "\n".join(_meeting_text(item) for item in value)
    if field == "languages":
        return ", ".join(language_name(str(code)) for code in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


Part = tuple[str, bool]  # a run of text, and whether the edit changed it
_WORDS = re.compile(r"\s+|[^\s]+")


def word_changes(before: str, after: str) -> tuple[list[Part], list[Part]]:
    """Both texts in runs, the words the edit removed or added marked: in a long description an admin
    should see the three words that changed, not read two paragraphs side by side."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    old_parts: list[Part] = []
    new_parts: list[Part] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        changed = tag != "equal"
        if i2 > i1:
            old_parts.append(("".join(old[i1:i2]), changed))
        if j2 > j1:
            new_parts.append(("".join(new[j1:j2]), changed))
    return old_parts, new_parts


def _meeting_text(item: dict[str, Any]) -> str:
    weekday = item.get("weekday")
    day = WEEKDAY_NAMES[weekday] if isinstance(weekday, int) and 0 <= weekday < 7 else "?"
    start = item.get("start_time")
    if isinstance(start, time):
        start = start.strftime("%H:%M")
    text = f"{day} {start}, {item.get('duration_minutes')} min, {item.get('recurrence')}"
    if item.get("week_of_month"):
        text += f" (week {item['week_of_month']})"
    if item.get("anchor_date"):
        text += f" from {item['anchor_date']}"
    if item.get("notes"):
        text += f": {item['notes']}"
    return text


def meeting_rows(listing: Listing) -> list[str]:
    return [
        _meeting_text({
            "weekday": meeting.weekday, "start_time": meeting.start_time,
            "duration_minutes": meeting.duration_minutes, "recurrence": meeting.recurrence,
            "week_of_month": meeting.week_of_month,
            "anchor_date": meeting.anchor_date.isoformat() if meeting.anchor_date else None,
            "notes": meeting.notes,
        })
        for meeting in listing.meetings
    ]
