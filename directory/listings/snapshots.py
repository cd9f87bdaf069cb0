"""A listing's editable content as plain data (a snapshot): what a revision stores, a diff compares and
the owner's form shows; and writing one back onto a listing."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import select

from ..extensions import db
from .models import Audience, Listing, Meeting, Topic

# Fields an owner edits. A revision stores exactly these; applying it writes exactly these.
EDITABLE_FIELDS = (
    "name",
    "summary",
    "description",
    "format",
    "cost",
    "cost_details",
    "website",
    "phone",
    "phone_public",
    "contact_email",
    "contact_enabled",
    "address_line",
    "city",
    "region",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "location_precision",
    "time_zone",
    "online_url",
    "online_url_private",
    "experience",
    "meets_in_person",
    "meets_phone",
    "meets_video",
    "accepting_mentees",
    "availability",
)
# Changes to these always need a moderator's eye, even where other edits might not.
SENSITIVE_FIELDS = ("contact_email", "online_url", "online_url_private")
MEETING_FIELDS = ("weekday", "start_time", "duration_minutes", "recurrence", "week_of_month", "anchor_date",
                  "notes")


def snapshot(listing: Listing) -> dict[str, Any]:
    """The listing's editable content as JSON-safe data: what a revision stores and a diff compares."""
    data: dict[str, Any] = {field: getattr(listing, field) for field in EDITABLE_FIELDS}
    data["topics"] = sorted(topic.slug for topic in listing.topics)
    data["audiences"] = sorted(audience.slug for audience in listing.audiences)
    data["languages"] = sorted(listing.languages)
    data["meetings"] = [_meeting_data(meeting) for meeting in listing.meetings]
    return data


def _meeting_data(meeting: Meeting) -> dict[str, Any]:
    data = {field: getattr(meeting, field) for field in MEETING_FIELDS}
    data["start_time"] = meeting.start_time.strftime("%H:%M")
    data["anchor_date"] = meeting.anchor_date.isoformat() if meeting.anchor_date else None
    return data


def apply_snapshot(listing: Listing, data: dict[str, Any]) -> None:
    """Write a snapshot (or part of one) onto a listing. The caller commits."""
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(listing, field, data[field])
    if "topics" in data:
        listing.topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(data["topics"]))))
    if "audiences" in data:
        chosen = select(Audience).where(Audience.slug.in_(data["audiences"]))
        listing.audiences = list(db.session.scalars(chosen))
    if "languages" in data:
        listing.languages = list(data["languages"])
    if "meetings" in data:
        listing.meetings = [_meeting_from_data(item) for item in data["meetings"]]


def _meeting_from_data(item: dict[str, Any]) -> Meeting:
    values: dict[str, Any] = {field: item.get(field) for field in MEETING_FIELDS if field in item}
    if isinstance(values.get("start_time"), str):
        values["start_time"] = time.fromisoformat(values["start_time"])
    if isinstance(values.get("anchor_date"), str):
        values["anchor_date"] = date.fromisoformat(values["anchor_date"])
    return Meeting(**values)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field that differs, in a stable order."""
    keys = [*EDITABLE_FIELDS, "topics", "audiences", "languages", "meetings"]
    return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]
