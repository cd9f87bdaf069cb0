"""Next meetings in the group's own time zone: weekly, every other week, nth weekday; DST and month ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.listings.models import Listing, Meeting
from directory.listings.schedule import (
    describe_meeting,
    describe_occurrence,
    for_display,
    next_meetings,
    next_of_each,
    occurrences,
    rrule_for,
    soonest,
    zone_or_none,
)

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")


def meeting(weekday=1, start=time(19, 0), recurrence="weekly", **fields) -> Meeting:
    fields.setdefault("duration_minutes", 90)
    return Meeting(weekday=weekday, start_time=start, recurrence=recurrence, **fields)


def listing_with(*meetings: Meeting, zone: str = "America/New_York") -> Listing:
    return Listing(name="Test", slug="test", kind="group", time_zone=zone, meetings=list(meetings))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def starts(found) -> list[datetime]:
    return [occurrence.start for occurrence in found]


def test_weekly_meeting_keeps_its_wall_clock_time_across_the_spring_change():
    # US clocks went forward on Sunday 10 March 2024.
    found = occurrences(meeting(weekday=1), NEW_YORK, utc(2024, 3, 4, 12), 3)
    assert [(s.date(), s.time(), s.tzname()) for s in starts(found)] == [
        (date(2024, 3, 5), time(19, 0), "EST"),
        (date(2024, 3, 12), time(19, 0), "EDT"),
        (date(2024, 3, 19), time(19, 0), "EDT"),
    ]
    # The same wall time is a different instant once the offset changed.
    assert found[0].start_utc == utc(2024, 3, 6, 0, 0)
    assert found[1].start_utc == utc(2024, 3, 12, 23, 0)


def test_weekly_meeting_across_the_autumn_change_in_london():
    # UK clocks went back on Sunday 27 October 2024.
    found = occurrences(meeting(weekday=0, start=time(18, 30)), LONDON, utc(2024, 10, 20), 2)
    assert [s.tzname() for s in starts(found)] == ["BST", "GMT"]
    assert [o.start_utc for o in found] == [utc(2024, 10, 21, 17, 30), utc(2024, 10, 28, 18, 30)]


def test_a_start_inside_the_spring_gap_moves_past_it():
    # 2:30 AM did not exist in New York on 10 March 2024: the meeting starts at 3:30 EDT.
    found = occurrences(meeting(weekday=6, start=time(2, 30)), NEW_YORK, utc(2024, 3, 9), 2)
    assert found[0].start.date() == date(2024, 3, 10)
    assert (found[0].start.time(), found[0].start.tzname()) == (time(3, 30), "EDT")
    assert found[0].start_utc == utc(2024, 3, 10, 7, 30)
    assert found[1].start.time() == time(2, 30)


def test_a_start_in_the_repeated_hour_means_the_first_one():
    # 1:30 AM happened twice in New York on 3 November 2024: take the first (still EDT).
    found = occurrences(meeting(weekday=6, start=time(1, 30)), NEW_YORK, utc(2024, 11, 2), 1)
    assert found[0].start_utc == utc(2024, 11, 3, 5, 30)
    assert found[0].start.tzname() == "EDT"


def test_duration_is_elapsed_time_even_over_the_change():
    long_one = meeting(weekday=6, start=time(0, 30), duration_minutes=180)
    found = occurrences(long_one, NEW_YORK, utc(2024, 3, 9), 1)
    # (Python subtracts two times of one zone on the wall clock, so compare instants.)
    assert found[0].end.astimezone(UTC) - found[0].start_utc == timedelta(hours=3)
    assert found[0].end.time() == time(4, 30)  # 3 hours later on the clock is 4:30 after skipping 2-3 AM


def test_every_other_week_follows_the_anchor():
    rule = meeting(weekday=1, recurrence="biweekly", anchor_date=date(2024, 1, 2))
    found = occurrences(rule, NEW_YORK, utc(2024, 1, 3), 3)
    assert [s.date() for s in starts(found)] == [date(2024, 1, 16), date(2024, 1, 30), date(2024, 2, 13)]
    # An anchor on another day of the same week picks the same weeks.
    same_week = meeting(weekday=1, recurrence="biweekly", anchor_date=date(2024, 1, 4))
    assert starts(occurrences(same_week, NEW_YORK, utc(2024, 1, 3), 3)) == starts(found)


def test_monthly_nth_weekday():
    second_tuesday = meeting(weekday=1, recurrence="monthly", week_of_month=2)
    found = occurrences(second_tuesday, NEW_YORK, utc(2024, 1, 1), 3)
    assert [s.date() for s in starts(found)] == [date(2024, 1, 9), date(2024, 2, 13), date(2024, 3, 12)]


def test_monthly_last_weekday_at_month_ends():
    last_friday = meeting(weekday=4, recurrence="monthly", week_of_month=-1)
    found = occurrences(last_friday, NEW_YORK, utc(2024, 1, 1), 4)
    assert [s.date() for s in starts(found)] == [
        date(2024, 1, 26), date(2024, 2, 23), date(2024, 3, 29), date(2024, 4, 26),
    ]
    # The last Sunday of March 2024 is the 31st: the very end of the month counts.
    last_sunday = meeting(weekday=6, recurrence="monthly", week_of_month=-1)
    assert starts(occurrences(last_sunday, NEW_YORK, utc(2024, 3, 1), 1))[0].date() == date(2024, 3, 31)


def test_fourth_weekday_in_a_short_february():
    fourth_thursday = meeting(weekday=3, recurrence="monthly", week_of_month=4)
    found = occurrences(fourth_thursday, NEW_YORK, utc(2026, 2, 1), 2)
    assert [s.date() for s in starts(found)] == [date(2026, 2, 26), date(2026, 3, 26)]


def test_a_meeting_that_has_started_is_not_next():
    found = occurrences(meeting(weekday=1), NEW_YORK, utc(2024, 3, 6, 0, 0), 1)  # exactly 7 PM EST Tuesday
    assert found[0].start.date() == date(2024, 3, 12)


def test_tonight_counts_when_utc_is_already_tomorrow():
    # 11:30 PM Tuesday in Los Angeles is 6:30 AM Wednesday UTC; at 5 AM UTC it is still ahead.
    late = meeting(weekday=1, start=time(23, 30))
    found = occurrences(late, LOS_ANGELES, utc(2024, 6, 5, 5, 0), 1)
    assert found[0].start.date() == date(2024, 6, 4)
    assert found[0].start_utc == utc(2024, 6, 5, 6, 30)


def test_next_meetings_merges_every_rule_soonest_first():
    listing = listing_with(
        meeting(weekday=3, start=time(18, 0)),
        meeting(weekday=1, start=time(19, 0)),
        meeting(weekday=5, start=time(10, 0), recurrence="monthly", week_of_month=1),
    )
    found = next_meetings(listing, count=4, after=datetime(2024, 5, 31, 12, 0))  # naive means UTC
    assert [(s.date(), s.time()) for s in starts(found)] == [
        (date(2024, 6, 1), time(10, 0)),
        (date(2024, 6, 4), time(19, 0)),
        (date(2024, 6, 6), time(18, 0)),
        (date(2024, 6, 11), time(19, 0)),
    ]


def test_a_listing_without_meetings_has_none():
    assert next_meetings(listing_with(), count=3, after=datetime(2024, 1, 1)) == []


def test_viewer_time_is_shown_only_when_it_differs():
    listing = listing_with(meeting(weekday=1))
    found = next_meetings(listing, count=1, after=datetime(2024, 1, 1))
    shown = for_display(found, LONDON)[0]
    assert shown.local == "Tue 2 Jan 2024, 7:00 PM EST"
    assert shown.viewer == "Wed 3 Jan 2024, 12:00 AM GMT"
    assert for_display(found, ZoneInfo("America/New_York"))[0].viewer is None
    assert for_display(found, None)[0].viewer is None


def test_describe_meeting_uses_the_abbreviation_of_the_next_date():
    rule = meeting(weekday=1, start=time(19, 0), duration_minutes=90)
    assert describe_meeting(rule, NEW_YORK, utc(2024, 1, 1)) == "Every Tuesday, 7:00 PM – 8:30 PM EST"
    assert describe_meeting(rule, NEW_YORK, utc(2024, 7, 1)) == "Every Tuesday, 7:00 PM – 8:30 PM EDT"
    monthly = meeting(weekday=4, recurrence="monthly", week_of_month=-1, start=time(9, 5))
    described = describe_meeting(monthly, NEW_YORK, utc(2024, 7, 1))
    assert described.startswith("The last Friday of each month, 9:05 AM")


def test_zone_or_none_refuses_what_is_not_a_zone():
    assert zone_or_none("Europe/London") == LONDON
    for bad in ("", None, "Mars/Olympus", "../../etc/passwd", "x" * 100, "/etc/localtime"):
        assert zone_or_none(bad) is None


ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Australia/Sydney", "America/Phoenix",
         "Pacific/Auckland", "Asia/Kolkata"]


@st.composite
def meetings(draw):
    recurrence = draw(st.sampled_from(["weekly", "biweekly", "monthly"]))
    fields = {}
    if recurrence == "biweekly":
        fields["anchor_date"] = draw(st.dates(date(2019, 1, 1), date(2020, 12, 31)))
    if recurrence == "monthly":
        fields["week_of_month"] = draw(st.sampled_from([1, 2, 3, 4, -1]))
    start = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
    return meeting(weekday=draw(st.integers(0, 6)), start=start, recurrence=recurrence, **fields)


@settings(max_examples=150, deadline=None)
@given(
    rule=meetings(),
    zone_name=st.sampled_from(ZONES),
    after=st.datetimes(datetime(2021, 1, 1), datetime(2029, 1, 1)),
)
def test_occurrences_agree_with_dateutil_rrule(rule, zone_name, after):
    """An independent expansion (dateutil's RFC 5545 rrule, on wall-clock times) gives the same dates."""
    zone = ZoneInfo(zone_name)
    moment = after.replace(tzinfo=UTC)
    found = occurrences(rule, zone, moment, 3)
    assert len(found) == 3

    recurrence = rrule_for(rule)
    byday = [rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU][rule.weekday]
    if rule.recurrence == "monthly":
        byday = byday(rule.week_of_month)
    start_day = rule.anchor_date if rule.recurrence == "biweekly" else date(2020, 1, 1)
    dtstart = datetime.combine(start_day, rule.start_time)
    expected_walls = rrule.rrule(
        rrule.WEEKLY if recurrence["FREQ"] == "WEEKLY" else rrule.MONTHLY,
        interval=recurrence.get("INTERVAL", 1),
        byweekday=byday,
        dtstart=dtstart,  # weeks count from the anchor's week (weeks start on Monday, as in schedule.py)
    )
    expected = []
    for wall in expected_walls:
        instant = wall.replace(tzinfo=zone).astimezone(UTC)
        if instant > moment:
            expected.append(instant)
        if len(expected) == 3:
            break
    assert [occurrence.start_utc for occurrence in found] == expected
    for occurrence in found:
        assert occurrence.start > moment
        assert occurrence.start.astimezone(zone).weekday() == rule.weekday


def test_a_described_meeting_is_in_the_language_being_served_each_time(app):
    """Descriptions are kept per process: the language asked for is part of what is kept."""
    from directory.i18n import using_language

    rule = meeting(weekday=1, start=time(19, 0), duration_minutes=90)
    winter = utc(2024, 1, 1)
    with app.test_request_context("/"):
        for _ in range(2):
            with using_language("en"):
                assert describe_meeting(rule, NEW_YORK, winter) == "Every Tuesday, 7:00 PM – 8:30 PM EST"
            with using_language("es"):
                assert describe_meeting(rule, NEW_YORK, winter) == "Todos los martes, 19:00 – 20:30 EST"
        # Without a duration there is no end time; a time zone's own name follows the next date's.
        short = meeting(weekday=1, start=time(19, 0), duration_minutes=0)
        assert describe_meeting(short, LONDON, utc(2024, 7, 1)) == "Every Tuesday, 7:00 PM BST"


@settings(max_examples=100, deadline=None)
@given(
    rules=st.lists(meetings(), min_size=0, max_size=4),
    zone_name=st.sampled_from(ZONES),
    after=st.datetimes(datetime(2021, 1, 1), datetime(2029, 1, 1)),
)
def test_each_rules_next_occurrence_gives_the_next_meeting_and_the_descriptions(rules, zone_name, after):
    """What a search works out once per rule (next_of_each) is what next_meetings and describe_meeting
    work out for themselves: the soonest is the next meeting, and each rule reads the same."""
    listing = listing_with(*rules, zone=zone_name)
    moment = after.replace(tzinfo=UTC)
    firsts = next_of_each(listing, moment)
    assert len(firsts) == len(rules)
    assert soonest(firsts) == next_meetings(listing, count=1, after=moment)
    for rule, first in zip(rules, firsts, strict=True):
        assert describe_occurrence(rule, first) == describe_meeting(rule, ZoneInfo(zone_name), moment)
