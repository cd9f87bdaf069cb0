"""The Meeting Guide feed: valid against the schema and the spec's rules, honest about what it cannot
say, and read by TSML UI's rules without one meeting shown "inactive"."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from directory.extensions import db
from directory.interop import meeting_guide
from directory.listings.models import Meeting
from directory.seeding.demo import seed_demo
from directory.seeding.taxonomies import seed_taxonomies

from .interop_cases import HIDDEN, every_case
from .standards import (
    conference_providers,
    errors_of,
    meeting_guide_validator,
    read_json,
    spec_types,
    tsml_attendance,
)
from .support import statements_run

FEED = "/api/meeting-guide.json"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@pytest.fixture
def cases(app, make_user, make_listing):
    return every_case(make_user, make_listing)


@pytest.fixture
def demo(app_context):
    seed_taxonomies()
    seed_demo()
    db.session.commit()


def fetch(client) -> list[dict]:
    response = client.get(FEED)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def by_listing(feed: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in feed:
        found.setdefault(entry["url"].rsplit("/", 1)[1], []).append(entry)
    return found


def assert_follows_the_spec(feed: list[dict]) -> None:
    """The schema, then every rule of the spec (and of its readers) that needs more than one field."""
    assert errors_of(meeting_guide_validator(), feed) == []
    types, providers = spec_types(), conference_providers()
    slugs = [entry["slug"] for entry in feed]
    assert len(slugs) == len(set(slugs)), "slugs must be unique"
    for entry in feed:
        assert re.fullmatch(r"[a-z0-9-]{1,64}", entry["slug"]), entry["slug"]
        assert isinstance(entry["day"], int) and 0 <= entry["day"] <= 6
        assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", entry["time"])
        ZoneInfo(entry["timezone"])  # a real IANA zone
        datetime.strptime(entry["updated"], "%Y-%m-%d %H:%M:%S")
        assert entry["types"][0] == "M" and set(entry["types"]) <= types, entry["types"]
        assert entry["url"].startswith("http") and entry["feedback_url"].endswith("/report")
        assert entry["entity"] and entry["entity_url"].startswith("http")
        if entry["approximate"] == "yes":
            assert entry["formatted_address"].count(",") >= 1
            for field in ("address", "latitude", "longitude", "postal_code"):
                assert field not in entry, (entry["slug"], field)
        else:
            assert entry["address"] and entry["city"] and "formatted_address" not in entry
        if "conference_url" in entry:
            host = entry["conference_url"].split("/")[2]
            assert any(host == domain or host.endswith("." + domain) for domain in providers), host
        # What the feed says of itself is what TSML UI will decide, and never "inactive".
        assert tsml_attendance(entry, providers) == entry["attendance_option"] != "inactive", entry["slug"]
        text = str(entry)
        assert not EMAIL.search(text) and "email" not in text.lower(), entry["slug"]


def test_the_reader_rules_match_what_tsml_ui_and_the_plugin_decide():
    providers = conference_providers()
    fixture = read_json("meeting-guide", "samples", "tsml-ui-unit-fixture.json")
    assert [tsml_attendance(item, providers) for item in fixture] == ["in_person", "online", "inactive"]
    for item in read_json("meeting-guide", "samples", "tsml-sussexaa-subset.json"):
        assert tsml_attendance(item, providers) == item["attendance_option"], item["slug"]


def test_the_written_example_passes_the_same_checks():
    assert_follows_the_spec(read_json("meeting-guide", "site-example.json"))


def test_the_feed_of_the_demo_directory_follows_the_spec(client, demo):
    feed = fetch(client)
    assert len(feed) >= 10
    assert_follows_the_spec(feed)
    # Demo join links are on example.org, a host no Meeting Guide reader accepts: only places remain.
    assert {entry["attendance_option"] for entry in feed} == {"in_person"}


def test_every_case(client, cases):
    feed = fetch(client)
    assert_follows_the_spec(feed)
    found = by_listing(feed)

    # A weekly meeting at a published exact address; fortnightly and monthly ones are left out.
    exact = found.pop("exact-group")
    listing = cases["exact"]
    weekly = [meeting for meeting in listing.meetings if meeting.recurrence == "weekly"]
    assert [entry["slug"] for entry in exact] == [f"exact-group-{meeting.id}" for meeting in weekly]
    tuesday, sunday = sorted(exact, key=lambda entry: entry["day"], reverse=True)
    assert (tuesday["day"], tuesday["time"], tuesday["end_time"]) == (2, "19:00", "20:30")
    assert (sunday["day"], sunday["time"], sunday["end_time"]) == (0, "08:30", "09:30")
    assert tuesday["timezone"] == "America/New_York"
    assert (
        tuesday["address"],
        tuesday["city"],
        tuesday["state"],
        tuesday["postal_code"],
        tuesday["country"],
        tuesday["approximate"],
    ) == ("12 Main St", "Dayton", "OH", "45402", "US", "no")
    assert (tuesday["latitude"], tuesday["longitude"]) == (39.75891, -84.19165)
    assert tuesday["attendance_option"] == "in_person" and "conference_url" not in tuesday
    assert tuesday["types"] == ["M", "Y", "EN"]  # young men; veterans have no code
    assert "Topics: fatherhood, grief." in tuesday["notes"] and "For: veterans." in tuesday["notes"]
    assert "A few dollars for coffee" in tuesday["notes"]
    assert tuesday["updated"] == listing.updated_at.strftime("%Y-%m-%d %H:%M:%S")
    assert tuesday["url"] == "http://localhost/listings/exact-group"
    assert tuesday["feedback_url"] == "http://localhost/listings/exact-group/report"
    assert tuesday["regions"] == ["Ohio", "Dayton"]

    # Online on a known provider (a subdomain counts): the town only, with the link.
    online = found.pop("online-group")
    assert len(online) == 1  # its other meeting is fortnightly
    entry = online[0]
    assert entry["conference_url"] == "https://us02web.zoom.us/j/85512345678"
    assert (entry["formatted_address"], entry["approximate"], entry["attendance_option"]) == (
        "Chicago, IL, USA",
        "yes",
        "online",
    )
    assert entry["types"] == ["M", "SEN", "G", "BI", "S", "FR"]  # Vietnamese has no code

    # Hybrid whose place is approximate: online in the feed, the place said in words.
    hybrid = found.pop("hybrid-approximate")
    assert len(hybrid) == 1 and hybrid[0]["attendance_option"] == "online"
    assert hybrid[0]["day"] == 4 and hybrid[0]["formatted_address"] == "Austin, TX, USA"
    assert "Also meets in person near Austin" in hybrid[0]["notes"]
    assert hybrid[0]["types"] == ["M", "A", "BE", "EN"]

    both = found.pop("hybrid-exact")[0]
    assert both["attendance_option"] == "hybrid" and both["address"] == "40 Bank St"
    assert both["conference_url"].startswith("https://teams.microsoft.com/")

    # A private link is never written; the place still is.
    private = found.pop("hybrid-exact-private")[0]
    assert private["attendance_option"] == "in_person" and "conference_url" not in private
    assert "zoom.us/j/42" not in str(private) and "link is sent on request" in private["notes"]

    stale = found.pop("stale-group")
    assert len(stale) == 1

    # Nothing else: no mentor, no approximate in-person group, no private or unknown link, nothing hidden.
    assert found == {}
    text = str(feed)
    for name in ("mentor", "approximate", "online_private", "online_unknown_host", *HIDDEN):
        assert cases[name].slug not in text, name


def test_a_late_meeting_ends_after_midnight(client, app, make_user, make_listing):
    make_listing(
        slug="night-owls",
        location_precision="exact",
        address_line="1 Late St",
        meetings=[dict(weekday=5, start_time=datetime(2001, 1, 1, 23, 30).time(), duration_minutes=60)],
    )
    (entry,) = fetch(client)
    assert (entry["day"], entry["time"], entry["end_time"]) == (6, "23:30", "00:30")


def test_slugs_stay_the_same_when_a_listing_is_renamed(client, cases):
    before = {entry["slug"] for entry in fetch(client)}
    cases["exact"].name = "Exact Group, renamed"
    db.session.commit()
    after = fetch(client)
    assert {entry["slug"] for entry in after} == before
    assert any(entry["name"] == "Exact Group, renamed" for entry in after)


def test_a_new_meeting_appears_at_once_despite_the_cache(client, cases):
    count = len(fetch(client))
    listing = cases["hybrid_exact"]
    listing.meetings.append(
        Meeting(weekday=0, start_time=datetime(2001, 1, 1, 7).time(), duration_minutes=30)
    )
    db.session.commit()
    assert len(fetch(client)) == count + 1


def test_cors_open_cached_like_the_api_and_conditional(client, cases):
    response = client.get(FEED)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    again = client.get(FEED, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    "path",
    ["/", "/search?near=10001", "/listings/exact-group", "/embed", "/put-this-on-your-site", "/areas/"],
)
def test_every_page_advertises_the_feed(client, cases, gazetteer, path):
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    links = re.findall(r"<link [^>]*rel=\"alternate\"[^>]*>", page)
    assert links, path
    assert 'type="application/json"' in links[0] and 'title="Meetings Feed"' in links[0]
    assert 'href="http://localhost/api/meeting-guide.json"' in links[0]


def test_the_mappings_use_only_the_spec_and_its_readers_values():
    types = spec_types()
    for codes in meeting_guide.AUDIENCE_TYPES.values():
        assert set(codes) <= types
    assert set(meeting_guide.LANGUAGE_TYPES.values()) <= types
    assert meeting_guide.CONFERENCE_PROVIDERS == conference_providers()


def test_the_feed_reads_no_listing_as_an_object(client, cases):
    """A handful of statements whatever the size of the directory (the bench measures the time)."""
    with statements_run() as statements:
        fetch(client)
    assert len(statements) <= 12, statements
