"""When groups meet: next occurrences of a Meeting in the listing's own time zone, DST included.

A meeting is wall-clock time in its zone ("Tuesdays at 7 PM in Dayton"), so each occurrence is built
from a local date and time and only then turned into an instant. Times that do not exist on the night
clocks spring forward are moved past the gap; times that happen twice when clocks fall back mean the
first of the two. The same rules (RFC 5545) govern the calendar feed, so both agree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime, format_time

from ..i18n import N_, babel_locale, current_locale, gettext
from .cards import ListingCard
from .models import RECURRENCE_BIWEEKLY, RECURRENCE_MONTHLY, Listing, Meeting

logger = logging.getLogger(__name__)

# English as data (exports); pages say them in their own language (`gettext`, or the sentences below).
DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
             N_("Sunday"))
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
# Whole sentences, so each language can put the day where it goes (and make it plural: "Todos los sábados").
EVERY = (N_("Every Monday"), N_("Every Tuesday"), N_("Every Wednesday"), N_("Every Thursday"),
         N_("Every Friday"), N_("Every Saturday"), N_("Every Sunday"))
EVERY_OTHER = (N_("Every other Monday"), N_("Every other Tuesday"), N_("Every other Wednesday"),
               N_("Every other Thursday"), N_("Every other Friday"), N_("Every other Saturday"),
               N_("Every other Sunday"))
MONTHLY = {
    1: (N_("The first Monday of each month"), N_("The first Tuesday of each month"),
        N_("The first Wednesday of each month"), N_("The first Thursday of each month"),
        N_("The first Friday of each month"), N_("The first Saturday of each month"),
        N_("The first Sunday of each month")),
    2: (N_("The second Monday of each month"), N_("The second Tuesday of each month"),
        N_("The second Wednesday of each month"), N_("The second Thursday of each month"),
        N_("The second Friday of each month"), N_("The second Saturday of each month"),
        N_("The second Sunday of each month")),
    3: (N_("The third Monday of each month"), N_("The third Tuesday of each month"),
        N_("The third Wednesday of each month"), N_("The third Thursday of each month"),
        N_("The third Friday of each month"), N_("The third Saturday of each month"),
        N_("The third Sunday of each month")),
    4: (N_("The fourth Monday of each month"), N_("The fourth Tuesday of each month"),
        N_("The fourth Wednesday of each month"), N_("The fourth Thursday of each month"),
        N_("The fourth Friday of each month"), N_("The fourth Saturday of each month"),
        N_("The fourth Sunday of each month")),
    5: (N_("The fifth Monday of each month"), N_("The fifth Tuesday of each month"),
        N_("The fifth Wednesday of each month"), N_("The fifth Thursday of each month"),
        N_("The fifth Friday of each month"), N_("The fifth Saturday of each month"),
        N_("The fifth Sunday of each month")),
    -1: (N_("The last Monday of each month"), N_("The last Tuesday of each month"),
         N_("The last Wednesday of each month"), N_("The last Thursday of each month"),
         N_("The last Friday of each month"), N_("The last Saturday of each month"),
         N_("The last Sunday of each month")),
}
# Weeks of an "every other week" meeting that has no anchor are counted from this Monday.
BIWEEKLY_EPOCH = date(2001, 1, 1)
# Enough weeks to find any valid monthly pattern (a fifth weekday occurs at least every few months).
MAX_WEEKS_SEARCHED = 520


@dataclass(frozen=True)
class Occurrence:
    """One meeting on one date: aware start and end in the group's zone."""

    meeting: Meeting
    start: datetime
    end: datetime

    def in_zone(self, zone: tzinfo) -> Occurrence:
        return Occurrence(self.meeting, self.start.astimezone(zone), self.end.astimezone(zone))

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The IANA zone with this name, or None for anything that is not one (user input is welcome)."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def listing_zone(listing: Listing | ListingCard) -> ZoneInfo:
    zone = zone_or_none(listing.time_zone)
    if zone is None:
        logger.warning("listing %s has an unknown time zone %r; using UTC", listing.id, listing.time_zone)
        return ZoneInfo("UTC")
    return zone


def local_datetime(day: date, meeting: Meeting, zone: ZoneInfo) -> datetime:
    """The instant a meeting starts on a local date; a start inside a DST gap moves forward past it."""
    naive = datetime.combine(day, meeting.start_time)
    aware = naive.replace(tzinfo=zone)  # fold=0: the first of two repeated times
    # A round trip through UTC turns a non-existent wall time into the real one (2:30 -> 3:30).
    return aware.astimezone(UTC).astimezone(zone)


def occurs_on(meeting: Meeting, day: date) -> bool:
    """Whether the meeting's recurrence rule holds on a date (the weekday is assumed to match)."""
    if meeting.recurrence == RECURRENCE_BIWEEKLY:
        anchor = meeting.anchor_date or BIWEEKLY_EPOCH
        anchor_monday = anchor - timedelta(days=anchor.weekday())
        day_monday = day - timedelta(days=day.weekday())
        return ((day_monday - anchor_monday).days // 7) % 2 == 0
    if meeting.recurrence == RECURRENCE_MONTHLY:
        nth = meeting.week_of_month or 1
        if nth == -1:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == nth
    return True


def meeting_dates(meeting: Meeting, start: date) -> Iterator[date]:
    """Dates on or after `start` on which the meeting falls, in order."""
    offset = (meeting.weekday - start.weekday()) % 7
    day = start + timedelta(days=offset)
    for _ in range(MAX_WEEKS_SEARCHED):
        if occurs_on(meeting, day):
            yield day
        day += timedelta(days=7)


def occurrences(meeting: Meeting, zone: ZoneInfo, after: datetime, count: int) -> list[Occurrence]:
    """The next `count` occurrences that have not started by `after` (an aware instant)."""
    found: list[Occurrence] = []
    if count <= 0 or not (0 <= meeting.weekday <= 6) or meeting.start_time is None:
        return found
    # Start a day early: `after` in UTC may already be tomorrow, or still yesterday, locally.
    first_day = after.astimezone(zone).date() - timedelta(days=1)
    duration = timedelta(minutes=meeting.duration_minutes or 0)
    for day in meeting_dates(meeting, first_day):
        start = local_datetime(day, meeting, zone)
        if start <= after:
            continue
        # Duration is elapsed time, so add it to the instant rather than the wall clock.
        end = (start.astimezone(UTC) + duration).astimezone(zone)
        found.append(Occurrence(meeting, start, end))
        if len(found) >= count:
            break
    return found


def as_aware(moment: datetime | None) -> datetime:
    """Now, or a given moment; naive values are UTC (that is what the database stores)."""
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def next_meetings(listing: Listing | ListingCard, count: int = 3,
                  after: datetime | None = None) -> list[Occurrence]:
    """The listing's next `count` meetings across all its meeting rules, soonest first."""
    zone = listing_zone(listing)
    moment = as_aware(after)
    merged: list[Occurrence] = []
    for meeting in listing.meetings:
        merged.extend(occurrences(meeting, zone, moment, count))
    merged.sort(key=lambda occurrence: occurrence.start_utc)
    return merged[:count]


def next_of_each(listing: Listing | ListingCard,
                 after: datetime | None = None) -> tuple[Occurrence | None, ...]:
    """Each of the listing's meeting rules' next occurrence (None: none to come), in the listing's order:
    a result's next meeting is the soonest of them, and its API document describes each rule by its own."""
    zone, moment = listing_zone(listing), as_aware(after)
    return tuple(next(iter(occurrences(meeting, zone, moment, 1)), None) for meeting in listing.meetings)


def soonest(found: Iterable[Occurrence | None]) -> list[Occurrence]:
    """The soonest of these occurrences, as a list of one (empty without any): `next_meetings(count=1)`."""
    return sorted(filter(None, found), key=lambda occurrence: occurrence.start_utc)[:1]


def first_occurrence_on_or_after(meeting: Meeting, zone: ZoneInfo, day: date) -> Occurrence | None:
    """The first occurrence on or after a local date (what a calendar feed starts from)."""
    start = datetime.combine(day, datetime.min.time()).replace(tzinfo=zone) - timedelta(seconds=1)
    found = occurrences(meeting, zone, start, 1)
    return found[0] if found else None


# Display ------------------------------------------------------------------------------------------


def format_clock(moment: datetime | time) -> str:
    """7:00 PM, without a leading zero (portable: no %-I). English, as exports say it."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def clock_text(moment: datetime | time) -> str:
    """A time of day as the page's language says it: '7:00 PM', '19:00'."""
    plain = moment.replace(tzinfo=None) if isinstance(moment, datetime | time) else moment
    # The pattern is the catalogue's (Unicode LDML), so each language picks its own clock.
    return _formatted_time(plain, gettext("h:mm a"), babel_locale())


def zone_abbreviation(moment: datetime) -> str:
    """EST, EDT, BST... (zones without one give '+0530'-style names, which are still correct)."""
    return moment.strftime("%Z") or "UTC"


def format_occurrence(moment: datetime, *, with_zone: bool = True) -> str:
    """'Tue 3 Dec 2024, 7:00 PM EST' ('mar 3 dic 2024, 19:00 EST') in the moment's own zone."""
    pattern = gettext("EEE d MMM y, h:mm a")  # the catalogue's pattern (Unicode LDML)
    text = _formatted_moment(moment.replace(tzinfo=None), pattern, babel_locale())
    return f"{text} {zone_abbreviation(moment)}" if with_zone else text


# Babel's formatting, kept per process: the same meetings' times are shown page after page, and each one
# costs Babel some fifty calls.
@lru_cache(maxsize=4096)
def _formatted_moment(moment: datetime, pattern: str, locale: Locale) -> str:
    return format_datetime(moment, pattern, locale=locale)


@lru_cache(maxsize=1024)
def _formatted_time(moment: datetime | time, pattern: str, locale: Locale) -> str:
    return format_time(moment, pattern, locale=locale)


class Recurring(Protocol):
    """What a meeting's rule is read from: a Meeting, or an export's plain record of one."""

    @property
    def weekday(self) -> int: ...
    @property
    def recurrence(self) -> str: ...
    @property
    def week_of_month(self) -> int | None: ...


def describe_rule(meeting: Recurring) -> str:
    """'Every Tuesday', 'Every other Tuesday', 'The last Friday of the month'."""
    if not 0 <= meeting.weekday <= 6:
        return "Schedule to be confirmed"
    if meeting.recurrence == RECURRENCE_BIWEEKLY:
        return f"Every other {DAY_NAMES[meeting.weekday]}"
    if meeting.recurrence == RECURRENCE_MONTHLY:
        ordinal = ORDINALS.get(meeting.week_of_month or 1, "first")
        return f"The {ordinal} {DAY_NAMES[meeting.weekday]} of each month"
    return f"Every {DAY_NAMES[meeting.weekday]}"


def rule_text(meeting: Recurring) -> str:
    """`describe_rule` in the page's language."""
    day = meeting.weekday
    if not 0 <= day <= 6:
        return str(gettext("Schedule to be confirmed"))
    if meeting.recurrence == RECURRENCE_BIWEEKLY:
        return str(gettext(EVERY_OTHER[day]))
    if meeting.recurrence == RECURRENCE_MONTHLY:
        return str(gettext(MONTHLY.get(meeting.week_of_month or 1, MONTHLY[1])[day]))
    return str(gettext(EVERY[day]))


def describe_meeting(meeting: Meeting, zone: ZoneInfo, after: datetime | None = None) -> str:
    """'Every Tuesday, 7:00 PM – 8:30 PM EST': local time with the zone of the next occurrence, in the
    page's language ('Todos los martes, 19:00 – 20:30 EST')."""
    return describe_occurrence(meeting, next(iter(occurrences(meeting, zone, as_aware(after), 1)), None))


def describe_occurrence(meeting: Meeting, occurrence: Occurrence | None) -> str:
    """`describe_meeting` with the rule's next occurrence already found (None: none to come)."""
    rule = _Rule(meeting.weekday, meeting.recurrence, meeting.week_of_month)
    if occurrence is None:
        return _meeting_text(rule, meeting.start_time, None, None, current_locale())
    end = occurrence.end.time() if occurrence.end > occurrence.start else None
    return _meeting_text(rule, occurrence.start.time(), end, zone_abbreviation(occurrence.start),
                         current_locale())


class _Rule(NamedTuple):
    weekday: int
    recurrence: str
    week_of_month: int | None


# The words of a meeting's description, kept per process: an API page describes a dozen meetings, and the
# same few rules and times recur across them all.
@lru_cache(maxsize=2048)
def _meeting_text(rule: _Rule, start: time, end: time | None, zone: str | None, locale: str) -> str:
    """The description's words in `locale`, the language being served (the key: it picks the catalogue)."""
    words = rule_text(rule)
    if zone is None:
        return f"{words}, {clock_text(start)}"
    until = f" – {clock_text(end)}" if end is not None else ""
    return f"{words}, {clock_text(start)}{until} {zone}"


@dataclass(frozen=True)
class DisplayedOccurrence:
    """An occurrence ready for a page: in the group's zone and, when known and different, the viewer's."""

    occurrence: Occurrence
    local: str
    viewer: str | None

    @property
    def iso(self) -> str:
        return self.occurrence.start_utc.isoformat().replace("+00:00", "Z")


def for_display(found: Iterable[Occurrence], viewer_zone: ZoneInfo | None = None,
                ) -> list[DisplayedOccurrence]:
    shown = []
    for occurrence in found:
        viewer = None
        if viewer_zone is not None:
            theirs = occurrence.start.astimezone(viewer_zone)
            ours = occurrence.start
            if theirs.utcoffset() != ours.utcoffset() or theirs.tzname() != ours.tzname():
                viewer = format_occurrence(theirs)
        shown.append(DisplayedOccurrence(occurrence, format_occurrence(occurrence.start), viewer))
    return shown


# Calendar feed (RFC 5545) -------------------------------------------------------------------------

ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def rrule_for(meeting: Meeting) -> dict[str, object]:
    """The RRULE that repeats a meeting: weekly, every other week from its first date, or nth weekday."""
    day = ICAL_DAYS[meeting.weekday]
    if meeting.recurrence == RECURRENCE_BIWEEKLY:
        return {"FREQ": "WEEKLY", "INTERVAL": 2, "BYDAY": day}
    if meeting.recurrence == RECURRENCE_MONTHLY:
        return {"FREQ": "MONTHLY", "BYDAY": f"{meeting.week_of_month or 1}{day}"}
    return {"FREQ": "WEEKLY", "BYDAY": day}


def calendar_start_date(meeting: Meeting, listing: Listing) -> date:
    """A fixed date to start the series from, so DTSTART (and the feed) stay the same every time.

    Every other week starts at its anchor, which fixes which weeks; the rest start when the listing
    was created.
    """
    if meeting.recurrence == RECURRENCE_BIWEEKLY:
        return meeting.anchor_date or BIWEEKLY_EPOCH
    created = listing.created_at or datetime.now(UTC).replace(tzinfo=None)
    return created.date()


def to_ical(listing: Listing, *, url: str, host: str, location: str, site_name: str) -> bytes:
    """An iCalendar file with one repeating VEVENT per meeting, in the group's time zone."""
    from icalendar import Calendar, Event, vRecur, vText

    zone = listing_zone(listing)
    # TEXT on one line: split() also breaks at CR, NEL and U+2028/2029, which a name stored before the
    # forms refused them may hold and some calendar readers start a new property at.
    name = vText(" ".join(listing.name.split()))
    calendar = Calendar()
    calendar.add("prodid", f"-//{site_name}//Listings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = (listing.updated_at or datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=UTC)
    earliest = None
    for meeting in listing.meetings:
        first = first_occurrence_on_or_after(meeting, zone, calendar_start_date(meeting, listing))
        if first is None:
            continue
        earliest = min(earliest or first.start.date(), first.start.date())
        event = Event()
        event.add("uid", f"listing-{listing.id}-meeting-{meeting.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", name)
        # The wall-clock start (a DST gap is resolved by the reader, as RFC 5545 says, the same way).
        event.add("dtstart", datetime.combine(first.start.date(), meeting.start_time, tzinfo=zone))
        event.add("duration", timedelta(minutes=meeting.duration_minutes or 0))
        event.add("rrule", vRecur(rrule_for(meeting)))
        event.add("location", location)
        event.add("url", url)
        description = listing.summary or ""
        if meeting.notes:
            description = f"{description}\n\n{meeting.notes}".strip()
        event.add("description", f"{description}\n\n{url}".strip())
        calendar.add_component(event)
    if earliest is not None:
        # Zone rules from the first meeting on, for the years a subscribed calendar will look ahead.
        today = datetime.now(UTC).date()
        calendar.add_missing_timezones(first_date=earliest, last_date=date(max(2038, today.year + 15), 1, 1))
    ical: bytes = calendar.to_ical()
    return ical
