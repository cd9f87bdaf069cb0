"""How a listing's content reads on the admin pages: field labels, values and meetings as words.

The sources' review pages show what a feed says the same way.
"""

from __future__ import annotations

import re
from datetime import time
from difflib import SequenceMatcher
from typing import Any

from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..listings.models import Listing
from ..listings.terms import language_label

FIELD_LABELS = {
    "name": _l("Name"),
    "summary": _l("Summary"),
    "description": _l("Description"),
    "format": _l("Format"),
    "cost": _l("Cost"),
    "cost_details": _l("Cost details"),
    "website": _l("Website"),
    "phone": _l("Phone"),
    "phone_public": _l("Phone shown publicly"),
    "contact_email": _l("Contact e-mail (private)"),
    "contact_enabled": _l("Contact form on"),
    "address_line": _l("Address"),
    "city": _l("City"),
    "region": _l("State / region"),
    "postal_code": _l("ZIP / postcode"),
    "country": _l("Country"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "location_precision": _l("Location precision"),
    "time_zone": _l("Time zone"),
    "online_url": _l("Online join link"),
    "online_url_private": _l("Join link kept private"),
    "experience": _l("Experience"),
    "meets_in_person": _l("Meets in person"),
    "meets_phone": _l("Meets by phone"),
    "meets_video": _l("Meets by video"),
    "accepting_mentees": _l("Accepting mentees"),
    "availability": _l("Availability"),
    "topics": _l("Topics"),
    "audiences": _l("Audiences"),
    "languages": _l("Languages"),
    "meetings": _l("Meetings"),
}
# The stored words of statuses, kinds, formats, costs, roles and the outbox's states, as an admin page
# shows them: `{{ admin_term(listing.status) }}`. A word missing here is shown as stored (underscores as
# spaces).
TERMS = {
    "draft": _l("Draft"),
    "pending": _l("Pending"),
    "published": _l("Published"),
    "changes_requested": _l("Changes requested"),
    "rejected": _l("Rejected"),
    "paused": _l("Paused"),
    "unpublished": _l("Unpublished"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
    "approved": _l("Approved"),
    "superseded": _l("Superseded"),
    "group": _l("Group"),
    "mentor": _l("Mentor"),
    "in_person": _l("In person"),
    "online": _l("Online"),
    "hybrid": _l("Hybrid"),
    "free": _l("Free"),
    "donation": _l("Donation"),
    "paid": _l("Paid"),
    "exact": _l("exact"),
    "approximate": _l("approximate"),
    "member": _l("Member"),
    "admin": _l("Administrator"),
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
}


def admin_term(value: str | None) -> str:
    """A stored word in the admin's language; one not listed shows as stored, underscores as spaces."""
    if not value:
        return ""
    label = TERMS.get(value)
    return str(label) if label is not None else value.replace("_", " ")


RECURRENCES = {"weekly": _l("weekly"), "biweekly": _l("every other week"), "monthly": _l("monthly")}
WEEKDAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                 _l("Sunday"))


def show_value(field: str, value: Any) -> str:
    """A snapshot value as an admin reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(gettext("Yes") if value else gettext("No"))
    if field == "meetings":
        return "\n".join(_meeting_text(item) for item in value)
    if field == "languages":
        return ", ".join(language_label(str(code)) for code in value)
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
    recurrence = str(item.get("recurrence"))
    text: str = gettext("%(day)s %(start)s, %(minutes)s min, %(recurrence)s", day=day, start=start,
                   minutes=item.get("duration_minutes"),
                   recurrence=str(RECURRENCES.get(recurrence, recurrence)))
    if item.get("week_of_month"):
        text = gettext("%(meeting)s (week %(week)s)", meeting=text, week=item["week_of_month"])
    if item.get("anchor_date"):
        text = gettext("%(meeting)s from %(date)s", meeting=text, date=item["anchor_date"])
    if item.get("notes"):
        text = f"{text}: {item['notes']}"
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
