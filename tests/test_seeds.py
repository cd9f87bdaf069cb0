"""The seed command: taxonomies, demo accounts and the fictional demo directory."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import func, select

from directory.accounts.models import User
from directory.extensions import db
from directory.geo.distance import distance_miles
from directory.listings.models import (
    Audience,
    Listing,
    ListingLanguage,
    Meeting,
    Topic,
    listing_audiences,
    listing_topics,
)
from directory.seeding.demo import DEMO_ADMIN_EMAIL, DEMO_OWNER_EMAIL, seed_demo
from directory.seeding.demo_file import load_demo_file
from directory.seeding.upsert import SEEDS_FOLDER, SeedError
from directory.timeutil import utcnow

TOPICS = {
    "divorce-and-separation", "infidelity-and-trust", "fatherhood", "addiction-recovery", "mental-health",
    "trauma", "grief-and-loss", "money-and-work-stress", "relationships-and-communication",
    "emotional-expression", "anger", "life-transitions",
}
AUDIENCES = {
    "new-fathers", "separated-fathers", "veterans", "young-men", "men-over-50", "gay-and-bi-men",
    "faith-based", "secular", "first-timers",
}
CREATED_PASSWORD = re.compile(r"(\S+@demo\.example\.org): created, password: (\S+)")


def seed(runner, *args):
    result = runner.invoke(args=["seed", *args])
    assert result.exit_code == 0, result.output
    return result.output


def snapshot() -> dict[str, list]:
    """Every row the seed writes, ids and timestamps included, so any write shows up."""
    db.session.expire_all()
    tables = [Listing.__table__, Meeting.__table__, ListingLanguage.__table__, listing_topics,
              listing_audiences, Topic.__table__, Audience.__table__, User.__table__]
    return {table.name: sorted(db.session.execute(select(table)).all(), key=repr) for table in tables}


def metro_count(points: list[tuple[float, float]], miles: float = 50) -> int:
    """Clusters of points more than `miles` apart: a fair count of distinct metro areas."""
    centres: list[tuple[float, float]] = []
    for point in points:
        if all(distance_miles(*point, *centre) > miles for centre in centres):
            centres.append(point)
    return len(centres)


def test_seed_loads_the_taxonomies_once_and_repairs_them(app_context, runner):
    output = seed(runner)
    assert "Topics: 12 created, 0 updated, 0 unchanged." in output
    assert set(db.session.scalars(select(Topic.slug))) == TOPICS
    assert AUDIENCES <= set(db.session.scalars(select(Audience.slug)))
    assert all(topic.name and topic.description for topic in db.session.scalars(select(Topic)))
    # The taxonomies alone never make accounts or listings.
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0

    before = snapshot()
    output = seed(runner)
    assert "Topics: 0 created, 0 updated, 12 unchanged." in output
    assert "Nothing to do" in output
    assert snapshot() == before

    topic = db.session.scalar(select(Topic).filter_by(slug="anger"))
    topic.name = "Rage"
    db.session.commit()
    output = seed(runner)
    assert "Topics: 0 created, 1 updated, 11 unchanged." in output
    db.session.expire_all()
    assert db.session.scalar(select(Topic.name).filter_by(slug="anger")) == "Anger"


def test_demo_seed_builds_a_varied_fictional_directory_and_a_rerun_changes_nothing(app_context, runner):
    output = seed(runner, "--demo")
    listings = list(db.session.scalars(select(Listing)))
    count = len(listings)
    assert count >= 80
    assert f"Demo listings: {count} created, 0 updated, 0 unchanged." in output

    # The demo accounts: printed passwords work, and only their hashes are stored.
    passwords = dict(CREATED_PASSWORD.findall(output))
    assert set(passwords) == {DEMO_ADMIN_EMAIL, DEMO_OWNER_EMAIL}
    admin = db.session.scalar(select(User).filter_by(email=DEMO_ADMIN_EMAIL))
    owner = db.session.scalar(select(User).filter_by(email=DEMO_OWNER_EMAIL))
    assert admin.is_admin and not owner.is_admin
    for user in (admin, owner):
        assert user.is_demo and user.is_confirmed
        assert passwords[user.email] not in user.password_hash
        assert PasswordHasher().verify(user.password_hash, passwords[user.email])
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(admin.password_hash, passwords[DEMO_OWNER_EMAIL])

    # Clearly fictional, published, owned by the demo owner.
    now = utcnow()
    for listing in listings:
        assert listing.name.startswith("Demo: "), listing.name
        assert listing.is_demo and listing.status == "published" and listing.owner_id == owner.id
        assert listing.topics, listing.name
        assert listing.languages, listing.name
        assert listing.contact_email.endswith(("@example.org", "@example.com")), listing.name
        for url in (listing.website, listing.online_url):
            assert url == "" or re.match(r"https?://([a-z0-9-]+\.)*example\.(org|com)/", url), url
        assert listing.phone == "" or re.search(r"555-01\d\d$", listing.phone), listing.phone
        assert timedelta(0) <= now - listing.last_confirmed_at <= timedelta(days=180)
        assert listing.published_at <= listing.last_confirmed_at
    ages = [(now - listing.last_confirmed_at).days for listing in listings]
    assert sum(age <= 50 for age in ages) > 0.8 * count
    assert any(age > 90 for age in ages), "a few should show the 'not confirmed since' badge"
    assert len({listing.slug for listing in listings}) == count
    assert "chelsea-tuesday-mens-circle" in {listing.slug for listing in listings}

    # Variety: kinds, formats, places, topics, schedules.
    kinds = Counter(listing.kind for listing in listings)
    assert kinds["mentor"] >= 25 and kinds["group"] >= 50
    online = [listing for listing in listings if listing.format == "online"]
    assert sum(listing.kind == "group" for listing in online) >= 10
    assert any(listing.online_url_private for listing in online)
    for listing in online:
        assert listing.latitude is None and listing.longitude is None and listing.time_zone
        assert listing.kind == "mentor" or listing.online_url.startswith("https://")
    assert any(listing.format == "hybrid" and listing.kind == "group" for listing in listings)
    located = [listing for listing in listings if listing.format != "online"]
    for listing in located:
        assert 24.4 <= listing.latitude <= 49.4 and -125 <= listing.longitude <= -66.9, listing.name
        assert listing.time_zone.startswith("America/") and listing.city and listing.postal_code
    assert metro_count([(listing.latitude, listing.longitude) for listing in located]) >= 20
    assert len({(listing.time_zone, listing.city) for listing in located}) >= 20
    near_10001 = [listing for listing in located
                  if distance_miles(40.7484, -73.9967, listing.latitude, listing.longitude) <= 25]
    assert len(near_10001) >= 5
    assert {listing.time_zone for listing in located} >= {
        "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles"}
    precisions = Counter(listing.location_precision for listing in located)
    assert 0 < precisions["exact"] < precisions["approximate"]
    assert all(listing.address_line for listing in located if listing.location_precision == "exact")
    assert {listing.cost for listing in listings} == {"free", "donation", "paid"}
    assert all(listing.cost_details for listing in listings if listing.cost == "paid")
    languages = Counter(code for listing in listings for code in listing.languages)
    assert languages["en"] > count / 2 and languages["es"] >= 5
    assert {"fr", "pl", "zh", "vi"} <= set(languages)

    topic_use = Counter(topic.slug for listing in listings for topic in listing.topics)
    assert set(topic_use) == TOPICS and min(topic_use.values()) >= 2
    audience_use = Counter(audience.slug for listing in listings for audience in listing.audiences)
    assert AUDIENCES <= set(audience_use)

    groups = [listing for listing in listings if listing.kind == "group"]
    assert all(listing.meetings for listing in groups)
    meetings = [meeting for listing in groups for meeting in listing.meetings]
    assert {meeting.recurrence for meeting in meetings} == {"weekly", "biweekly", "monthly"}
    for meeting in meetings:
        if meeting.recurrence == "biweekly":
            assert meeting.anchor_date.weekday() == meeting.weekday
        if meeting.recurrence == "monthly":
            assert meeting.week_of_month in (1, 2, 3, 4, -1)
    assert any(meeting.week_of_month == -1 for meeting in meetings)
    mentors = [listing for listing in listings if listing.kind == "mentor"]
    for listing in mentors:
        assert not listing.meetings and listing.availability and listing.experience
        assert listing.meets_in_person or listing.meets_phone or listing.meets_video
    assert not all(listing.accepting_mentees for listing in mentors)

    # Second run: not a single row written, and the output says so.
    before = snapshot()
    output = seed(runner, "--demo")
    assert snapshot() == before
    assert f"Demo listings: 0 created, 0 updated, {count} unchanged." in output
    assert "Nothing to do" in output
    assert not CREATED_PASSWORD.search(output)
    assert f"{DEMO_ADMIN_EMAIL}: already exists (password unchanged)" in output
    assert f"{DEMO_OWNER_EMAIL}: already exists (password unchanged)" in output

    # A demo listing someone changed is put back as the file has it, meetings included.
    listing = db.session.scalar(select(Listing).filter_by(slug="harlem-fathers-forward"))
    wanted = [(m.weekday, m.start_time, m.recurrence, m.anchor_date) for m in listing.meetings]
    listing.name = "Changed"
    listing.meetings = []
    listing.topics = []
    db.session.commit()
    output = seed(runner, "--demo")
    assert f"Demo listings: 0 created, 1 updated, {count - 1} unchanged." in output
    db.session.expire_all()
    listing = db.session.scalar(select(Listing).filter_by(slug="harlem-fathers-forward"))
    assert listing.name == "Demo: Harlem Fathers Forward" and listing.topics
    assert [(m.weekday, m.start_time, m.recurrence, m.anchor_date) for m in listing.meetings] == wanted
    assert PasswordHasher().verify(owner.password_hash, passwords[DEMO_OWNER_EMAIL])


def test_demo_seed_never_overwrites_a_real_listing_with_the_same_slug(runner, make_user, make_listing):
    real = make_listing(make_user(), slug="chelsea-tuesday-mens-circle", name="Chelsea Tuesday Men's Circle")
    output = seed(runner, "--demo")
    assert "skipped" in output and "chelsea-tuesday-mens-circle" in output
    db.session.expire_all()
    real = db.session.get(Listing, real.id)
    assert real.name == "Chelsea Tuesday Men's Circle" and not real.is_demo


@pytest.mark.config(PRODUCTION=True)
def test_demo_data_is_refused_in_production(app_context, runner):
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 1
    assert "Refusing to load demo data" in result.output and "production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0
    with pytest.raises(SeedError):
        seed_demo()

    # The taxonomies are real data: a production site loads them.
    assert "Topics: 12 created" in seed(runner)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def _demo_file(tmp_path, **changes):
    document = json.loads((SEEDS_FOLDER / "demo_listings.json").read_text(encoding="utf-8"))
    entry = next(item for item in document["listings"] if item["kind"] == "group" and item["meetings"])
    entry.update(changes)
    document["listings"] = [entry]
    path = tmp_path / "demo_listings.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("changes, message", [
    ({"name": "Real Name Group"}, "Demo: "),
    ({"topics": []}, "topic"),
    ({"website": "javascript:alert(1)"}, "http(s)"),
    ({"time_zone": "Mars/Olympus"}, "time zone"),
    ({"last_confirmed_days_ago": 200, "published_days_ago": 300}, "expire"),
    ({"colour": "blue"}, "unknown keys"),
    ({"meetings": [{"weekday": 1, "start_time": "19:00", "recurrence": "biweekly"}]}, "anchor_date"),
    ({"meetings": [{"weekday": 1, "start_time": "19:00", "recurrence": "monthly", "week_of_month": 5}]},
     "week_of_month"),
    ({"meetings": [{"weekday": 1, "start_time": "7pm"}]}, "meeting 1"),
])
def test_a_bad_demo_file_is_refused_with_a_reason(app, tmp_path, changes, message):
    with pytest.raises(SeedError, match=re.escape(message)):
        load_demo_file(_demo_file(tmp_path, **changes))


def test_the_shipped_demo_file_is_valid(app):
    items = load_demo_file(SEEDS_FOLDER / "demo_listings.json")
    assert len(items) >= 80
