"""The calendar feed: RFC 5545 that calendar apps read, expanding to the dates the listing page shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
from dateutil.rrule import rrulestr

from directory.listings.schedule import occurrences, zone_or_none

MEETINGS = [
    dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly"),
    dict(weekday=3, start_time=time(18, 30), duration_minutes=60, recurrence="biweekly",
         anchor_date=date(2024, 1, 4)),
    dict(weekday=4, start_time=time(10, 0), duration_minutes=120, recurrence="monthly", week_of_month=-1),
    dict(weekday=1, start_time=time(20, 0), duration_minutes=60, recurrence="monthly", week_of_month=2),
]


def fetch(client, listing) -> icalendar.Calendar:
    response = client.get(f"/listings/{listing.slug}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def test_one_event_per_meeting_with_the_right_rules(client, make_listing):
    listing = make_listing(meetings=MEETINGS, time_zone="America/Chicago", created_at=datetime(2024, 1, 1))
    calendar = fetch(client, listing)
    assert calendar["VERSION"] == "2.0"
    assert "PRODID" in calendar
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    rules = sorted(event["RRULE"].to_ical().decode() for event in events)
    assert rules == sorted([
        "FREQ=WEEKLY;BYDAY=TU",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=2TU",
    ])
    for event in events:
        assert event["DTSTART"].params["TZID"] == "America/Chicago"
        assert event["SUMMARY"] == listing.name
        assert event["URL"].endswith(f"/listings/{listing.slug}")
        assert "DTSTAMP" in event
    biweekly = next(e for e in events if "INTERVAL=2" in e["RRULE"].to_ical().decode())
    assert biweekly.decoded("DTSTART").date() == date(2024, 1, 4)  # starts at its anchor
    # A VTIMEZONE for the zone, so calendars without the tz database still get it right.
    zones = calendar.walk("VTIMEZONE")
    assert [zone["TZID"] for zone in zones] == ["America/Chicago"]


def test_uids_are_stable_between_downloads(client, make_listing):
    listing = make_listing(meetings=MEETINGS[:2])
    first = sorted(str(event["UID"]) for event in fetch(client, listing).walk("VEVENT"))
    second = sorted(str(event["UID"]) for event in fetch(client, listing).walk("VEVENT"))
    assert first == second and len(set(first)) == 2


def test_expanding_the_feed_gives_the_dates_the_page_predicts(client, make_listing):
    """Every RRULE, expanded independently by dateutil, matches schedule.py — across the DST change."""
    listing = make_listing(meetings=MEETINGS, time_zone="America/New_York", created_at=datetime(2024, 1, 1))
    zone = zone_or_none("America/New_York")
    after = datetime(2024, 2, 20, tzinfo=UTC)  # the next dates straddle 10 March
    by_uid = {f"listing-{listing.id}-meeting-{meeting.id}": meeting for meeting in listing.meetings}
    for event in fetch(client, listing).walk("VEVENT"):
        meeting = by_uid[str(event["UID"]).split("@")[0]]
        start = event.decoded("DTSTART")
        expanded = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
        predicted = [o.start_utc for o in occurrences(meeting, zone, after, 5)]
        got = [moment.astimezone(UTC) for moment in expanded.xafter(after, count=5)]
        assert got == predicted, meeting


def test_location_is_approximate_unless_the_organiser_published_the_address(client, make_listing):
    place = dict(city="Dayton", region="OH")
    hidden = make_listing(address_line="12 Hidden Street", location_precision="approximate", **place)
    shown = make_listing(address_line="400 Main Street", location_precision="exact", **place)
    hidden_location = str(fetch(client, hidden).walk("VEVENT")[0]["LOCATION"])
    assert "Hidden Street" not in hidden_location and "Dayton, OH" in hidden_location
    assert "400 Main Street" in str(fetch(client, shown).walk("VEVENT")[0]["LOCATION"])


def test_the_feed_never_carries_the_contact_email(client, make_listing):
    listing = make_listing(contact_email="private.person@example.org")
    assert b"private.person" not in client.get(f"/listings/{listing.slug}.ics").data


def test_no_feed_for_unpublished_listings_or_listings_without_meetings(client, make_listing):
    assert client.get(f"/listings/{make_listing(status='pending').slug}.ics").status_code == 404
    assert client.get(f"/listings/{make_listing(kind='mentor').slug}.ics").status_code == 404
    assert client.get("/listings/no-such-listing.ics").status_code == 404


def test_the_feed_speaks_the_language_it_is_fetched_in(client, make_listing):
    hybrid = make_listing(format="hybrid", location_precision="approximate", city="Dayton", region="OH")
    online = make_listing(format="online")

    def location(listing, language: str) -> str:
        response = client.get(f"/listings/{listing.slug}.ics", headers={"Accept-Language": language})
        assert "Accept-Language" in response.vary  # a cache keeps one copy per language
        return str(icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]["LOCATION"])

    assert location(hybrid, "en") == "Dayton, OH (the exact place is shared when you get in touch), or online"
    assert location(hybrid, "es") == "Dayton, OH (el lugar exacto te lo dicen cuando escribes), o en línea"
    assert (location(online, "en"), location(online, "es")) == ("Online", "En línea")
