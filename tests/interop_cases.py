"""Listings made to hit every case the exports must handle: each recurrence, each privacy choice, each
format, and the listings the public must never see."""

from __future__ import annotations

from datetime import date, time, timedelta

from directory.extensions import db
from directory.timeutil import utcnow

from .factories import make_audience

WEEKLY_TUESDAY = dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly")
WEEKLY_SUNDAY = dict(weekday=6, start_time=time(8, 30), duration_minutes=60, recurrence="weekly")
LATE_SATURDAY = dict(weekday=5, start_time=time(23, 30), duration_minutes=60, recurrence="weekly")
BIWEEKLY_WEDNESDAY = dict(
    weekday=2,
    start_time=time(12, 0),
    duration_minutes=60,
    recurrence="biweekly",
    anchor_date=date(2026, 1, 9),
)  # a Friday: the meeting is that week's Wednesday
SECOND_TUESDAY = dict(
    weekday=1, start_time=time(10, 0), duration_minutes=120, recurrence="monthly", week_of_month=2
)
LAST_FRIDAY = dict(
    weekday=4, start_time=time(18, 0), duration_minutes=60, recurrence="monthly", week_of_month=-1
)


def with_audiences(listing, *slugs: str):
    listing.audiences = [make_audience(slug) for slug in slugs]
    db.session.commit()
    return listing


def every_case(make_user, make_listing) -> dict:
    """name -> listing. The first group of names is public; the last four must appear nowhere."""
    owner = make_user()
    now = utcnow()
    cases = {
        "exact": make_listing(
            owner,
            slug="exact-group",
            name="Exact Group",
            location_precision="exact",
            address_line="12 Main St",
            city="Dayton",
            region="OH",
            postal_code="45402",
            latitude=39.7589123,
            longitude=-84.1916456,
            time_zone="America/New_York",
            meetings=[WEEKLY_TUESDAY, WEEKLY_SUNDAY, BIWEEKLY_WEDNESDAY, SECOND_TUESDAY],
            languages=("en",),
            topics=("fatherhood", "grief"),
            phone="(937) 555-0100",
            phone_public=True,
            cost="donation",
            cost_details="A few dollars for coffee if you can.",
        ),
        "approximate": make_listing(
            owner,
            slug="approximate-group",
            name="Approximate Group",
            address_line="Back room, 5 Elm St",
            meetings=[LATE_SATURDAY],
            phone="(212) 555-0199",
            phone_public=False,
        ),
        "online": make_listing(
            owner,
            slug="online-group",
            name="Online Group",
            format="online",
            online_url="https://us02web.zoom.us/j/85512345678",
            city="Chicago",
            region="IL",
            time_zone="America/Chicago",
            meetings=[WEEKLY_SUNDAY, BIWEEKLY_WEDNESDAY],
            languages=("es", "fr", "vi"),
        ),
        "online_private": make_listing(
            owner,
            slug="online-private",
            name="Online Private",
            format="online",
            online_url="https://zoom.us/j/999",
            online_url_private=True,
            meetings=[WEEKLY_TUESDAY],
        ),
        "online_unknown_host": make_listing(
            owner,
            slug="online-unknown-host",
            name="Online Unknown Host",
            format="online",
            online_url="https://meet.example.org/group",
            meetings=[WEEKLY_TUESDAY],
        ),
        "hybrid_approximate": make_listing(
            owner,
            slug="hybrid-approximate",
            name="Hybrid Approximate",
            format="hybrid",
            online_url="https://meet.google.com/abc-defg-hij",
            city="Austin",
            region="TX",
            postal_code="78701",
            latitude=30.267153,
            longitude=-97.743057,
            time_zone="America/Chicago",
            meetings=[dict(WEEKLY_TUESDAY, weekday=3, start_time=time(18, 30)), LAST_FRIDAY],
        ),
        "hybrid_exact": make_listing(
            owner,
            slug="hybrid-exact",
            name="Hybrid Exact",
            format="hybrid",
            location_precision="exact",
            address_line="40 Bank St",
            online_url="https://teams.microsoft.com/l/meetup-join/abc",
            meetings=[WEEKLY_TUESDAY],
        ),
        "hybrid_exact_private": make_listing(
            owner,
            slug="hybrid-exact-private",
            name="Hybrid Exact Private",
            format="hybrid",
            location_precision="exact",
            address_line="41 Bank St",
            online_url="https://zoom.us/j/42",
            online_url_private=True,
            meetings=[WEEKLY_TUESDAY],
        ),
        "mentor": make_listing(
            owner,
            kind="mentor",
            slug="mentor-mark",
            name="Mark, mentor for new fathers",
            format="hybrid",
            availability="Weekday evenings",
            meets_phone=True,
            meets_video=True,
            phone="(937) 555-0111",
            phone_public=True,
            experience="Father of three.",
        ),
        "stale": make_listing(
            owner,
            slug="stale-group",
            name="Stale Group",
            location_precision="exact",
            address_line="7 Old Rd",
            meetings=[WEEKLY_TUESDAY],
            last_confirmed_at=now - timedelta(days=120),
        ),
        # Never public:
        "expired": make_listing(
            owner,
            slug="expired-group",
            name="Expired Group",
            location_precision="exact",
            address_line="9 Gone St",
            meetings=[WEEKLY_TUESDAY],
            last_confirmed_at=now - timedelta(days=200),
        ),
        "draft": make_listing(
            owner,
            slug="draft-group",
            name="Draft Group",
            status="draft",
            location_precision="exact",
            address_line="1 Draft St",
            meetings=[WEEKLY_TUESDAY],
        ),
        "paused": make_listing(
            owner,
            slug="paused-group",
            name="Paused Group",
            status="paused",
            location_precision="exact",
            address_line="2 Pause St",
            meetings=[WEEKLY_TUESDAY],
        ),
    }
    suspended = make_user(suspended_at=now)
    cases["suspended_owner"] = make_listing(
        suspended,
        slug="suspended-owner",
        name="Suspended Owner Group",
        location_precision="exact",
        address_line="3 Gone Ave",
        meetings=[WEEKLY_TUESDAY],
    )
    with_audiences(cases["exact"], "young-men", "veterans")
    with_audiences(cases["online"], "men-over-50", "gay-and-bi-men")
    with_audiences(cases["hybrid_approximate"], "secular", "first-timers")
    return cases


HIDDEN = ("expired", "draft", "paused", "suspended_owner")
