"""A listing's public page: what a first-timer needs, nothing private, and only when it is public."""

from __future__ import annotations

import html
import json
import re
from datetime import time, timedelta

import pytest

from directory.extensions import db
from directory.listings import views as listing_views
from directory.timeutil import utcnow
from tests.factories import make_audience
from tests.support import statements_run


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def json_ld(response) -> dict:
    body = response.get_data(as_text=True)
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


@pytest.fixture
def group(make_listing):
    listing = make_listing(
        name="Fathers' circle",
        city="Dayton",
        region="OH",
        postal_code="45402",
        address_line="18 Quiet Lane",
        latitude=39.758948,
        longitude=-84.191607,
        time_zone="America/New_York",
        topics=("fatherhood", "divorce-and-separation"),
        languages=("en", "es"),
        cost="donation",
        cost_details="Pay what you can",
        phone="937 555 0100",
        phone_public=False,
        website="https://fathers.example.org/circle",
        format="hybrid",
        online_url="https://meet.example.org/fathers",
        contact_email="organiser.private@example.org",
        meetings=[
            dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly"),
            dict(weekday=5, start_time=time(10, 0), duration_minutes=60, recurrence="monthly",
                 week_of_month=-1),
        ],
    )
    listing.audiences = [make_audience("new-fathers", "New fathers")]
    db.session.commit()
    return listing


def test_the_page_tells_a_first_timer_what_when_where_and_how(client, group):
    response = client.get(f"/listings/{group.slug}")
    assert response.status_code == 200
    text = page_text(response)
    for expected in ("Fathers' circle", "New fathers", "Fatherhood", "Divorce and separation",
                     "In person and online", "By donation: Pay what you can", "English, Spanish",
                     "Dayton, OH", "Every Tuesday, 7:00 PM", "The last Saturday of each month, 10:00 AM",
                     "Next meetings", "Get in touch", "Report a problem with this listing", "Last confirmed"):
        assert expected in text, expected
    body = response.get_data(as_text=True)
    # The next three dates, each with its zone's abbreviation.
    dates = re.findall(r"<time datetime=\"[^\"]+\" data-local-time[^>]*>([^<]+)</time>", body)
    assert len(dates) == 3 and all(re.search(r"(AM|PM) E[SD]T$", shown) for shown in dates)
    assert f'href="/listings/{group.slug}/contact"' in body
    assert f'href="/listings/{group.slug}/report"' in body
    assert f'href="/listings/{group.slug}.ics"' in body
    assert 'href="https://meet.example.org/fathers"' in body
    assert 'href="https://fathers.example.org/circle"' in body


def test_private_details_never_appear(client, group):
    body = client.get(f"/listings/{group.slug}").get_data(as_text=True)
    assert "organiser.private" not in body
    assert "example.org/fathers" in body  # the join link is public here...
    assert "555 0100" not in body  # ...but the phone was not made public
    assert "18 Quiet Lane" not in body  # approximate location: no street address
    # The map point is rounded to about a kilometre.
    assert 'data-lat="39.76"' in body and 'data-lon="-84.19"' in body
    assert "39.758948" not in body and "-84.191607" not in body


def test_exact_location_public_phone_and_private_join_link(client, group):
    group.location_precision = "exact"
    group.phone_public = True
    group.online_url_private = True
    db.session.commit()
    body = client.get(f"/listings/{group.slug}").get_data(as_text=True)
    assert "18 Quiet Lane" in body and "45402" in body
    assert "937 555 0100" in body
    assert "meet.example.org" not in body
    assert "The link is sent to you after you get in touch." in body
    assert 'data-lat="39.758948"' in body


@pytest.mark.parametrize("bad_url", ["javascript:alert(1)", "data:text/html,hi", "//evil.example", "ftp://x.example"])
def test_links_that_are_not_http_are_never_links(client, make_listing, bad_url):
    listing = make_listing(website=bad_url, online_url=bad_url, format="online")
    body = client.get(f"/listings/{listing.slug}").get_data(as_text=True)
    assert f'href="{bad_url}' not in body
    assert "javascript:" not in body


def test_title_description_and_structured_data_say_what_and_where(client, group):
    group.is_demo = True
    group.name = "Demo: Fathers' circle"
    db.session.commit()
    response = client.get(f"/listings/{group.slug}")
    body = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", body).group(1)
    assert title.startswith("Demo: Fathers&#39; circle — men&#39;s support group in Dayton, OH")
    assert re.search(r'<meta name="description" content="Men&#39;s support group in Dayton, OH\.', body)
    data = json_ld(response)
    assert data["@type"] == "Organization" and data["name"] == "Demo: Fathers' circle"
    assert data["address"]["addressLocality"] == "Dayton" and "streetAddress" not in data["address"]
    assert len(data["event"]) == 3
    assert data["event"][0]["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert "organiser.private" not in json.dumps(data)


def test_mentor_page_shows_availability_not_meetings(client, make_listing):
    mentor = make_listing(kind="mentor", name="Sam the mentor", availability="Weekday evenings",
                          meets_phone=True, meets_video=True, accepting_mentees=True)
    response = client.get(f"/listings/{mentor.slug}")
    text = page_text(response)
    assert "Weekday evenings" in text and "By phone, by video call" in text
    assert "Next meetings" not in text and ".ics" not in response.get_data(as_text=True)
    assert json_ld(response)["@type"] == "Service"


def test_viewer_time_zone_from_the_tz_parameter(client, group):
    text = page_text(client.get(f"/listings/{group.slug}?tz=Europe/London"))
    assert re.search(r"\((Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ \w+ \d{4}, \d+:\d\d [AP]M (GMT|BST) your time\)",
                     text)
    # A zone that is not one is ignored, never an error.
    response = client.get(f"/listings/{group.slug}?tz=../../etc/passwd")
    assert response.status_code == 200 and "your time" not in page_text(response)


def test_stale_listing_says_so(client, make_listing):
    listing = make_listing(last_confirmed_at=utcnow() - timedelta(days=120))
    assert "Details may have changed" in page_text(client.get(f"/listings/{listing.slug}"))


@pytest.mark.parametrize(("confirmed_days", "published_days", "stale"), [
    (89, 400, False), (91, 400, True),
    # Never confirmed since it was approved: its age counts from its publication, as in the API.
    (None, 30, False), (None, 200, True),
])
def test_the_page_and_the_api_agree_on_a_stale_listing(client, make_listing, confirmed_days, published_days,
                                                         stale):
    now = utcnow()
    listing = make_listing(
        last_confirmed_at=None if confirmed_days is None else now - timedelta(days=confirmed_days),
        published_at=now - timedelta(days=published_days))
    page = page_text(client.get(f"/listings/{listing.slug}"))
    assert ("Details may have changed" in page) is stale
    assert client.get(f"/api/v1/listings/{listing.slug}").get_json()["stale"] is stale


@pytest.mark.parametrize("status", ["draft", "pending", "paused", "rejected", "unpublished", "expired",
                                    "withdrawn", "changes_requested"])
def test_non_public_listings_are_404_to_the_public(client, make_listing, status):
    listing = make_listing(status=status)
    assert client.get(f"/listings/{listing.slug}").status_code == 404


def test_listing_of_a_suspended_owner_is_404(client, make_listing, make_user):
    owner = make_user(suspended_at=utcnow())
    listing = make_listing(owner=owner)
    assert client.get(f"/listings/{listing.slug}").status_code == 404


def test_owner_and_admin_may_preview_with_a_banner(client, make_listing, make_user):
    owner = make_user()
    listing = make_listing(owner=owner, status="pending")
    client.sign_in(owner)
    response = client.get(f"/listings/{listing.slug}")
    assert response.status_code == 200
    assert "Not public." in page_text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "application/ld+json" not in response.get_data(as_text=True)

    other = make_user()
    client.sign_in(other)
    assert client.get(f"/listings/{listing.slug}").status_code == 404

    client.sign_in(make_user(admin=True))
    assert "Not public." in page_text(client.get(f"/listings/{listing.slug}"))


def test_unknown_slug_is_404(client):
    assert client.get("/listings/nothing-here").status_code == 404


# Browse by area -------------------------------------------------------------------------------------


def test_areas_link_only_places_with_public_listings(client, make_listing):
    make_listing(city="Dayton", region="OH", name="Dayton group")
    make_listing(city="Kettering", region="OH", name="Kettering group")
    make_listing(city="Austin", region="TX", status="pending")
    make_listing(city="Portland", region="OR", format="online")

    areas = client.get("/areas/")
    assert areas.status_code == 200
    body = areas.get_data(as_text=True)
    assert 'href="/areas/us/oh/"' in body and "Ohio" in body
    assert "/areas/us/tx/" not in body and "/areas/us/or/" not in body

    region = client.get("/areas/us/oh/")
    body = region.get_data(as_text=True)
    assert region.status_code == 200
    assert 'href="/areas/us/oh/dayton/"' in body and 'href="/areas/us/oh/kettering/"' in body
    assert "Dayton group" in body and "Kettering group" in body

    city = client.get("/areas/us/oh/dayton/")
    text = page_text(city)
    assert city.status_code == 200
    assert "Men's groups and mentors in Dayton, OH" in text
    assert "Dayton group" in text and "Kettering group" not in text

    assert client.get("/areas/us/tx/").status_code == 404
    assert client.get("/areas/us/oh/springfield/").status_code == 404
    assert client.get("/areas/US/OH/").status_code == 301


def test_area_pages_read_a_region_from_its_index(client, make_listing):
    """Every statement that picks a region's listings reads ix_listings_area, not every published listing
    (SQLite, planning without statistics; PostgreSQL weighs a few test rows unlike a directory's)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL plans a few rows by other costs than a directory's")
    make_listing(city="Dayton", region="OH", name="Dayton group")
    make_listing(city="Kettering", region="oh", name="Kettering group")  # an imported region's case
    with statements_run() as statements:
        region = client.get("/areas/us/oh/").get_data(as_text=True)
        city = client.get("/areas/us/oh/kettering/").get_data(as_text=True)
    captured = [(statement, values) for statement, values in statements
                if "upper(listings.region)" in statement]
    assert "Dayton group" in region and "Kettering group" in region and "Kettering group" in city
    assert len(captured) >= 4, captured  # the towns, the page and its count, a town's spellings
    with db.engine.connect() as connection:
        for statement, parameters in captured:
            plan = " / ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                             parameters))
            assert "ix_listings_area" in plan, (statement, plan)


def test_a_region_page_is_counted_from_its_towns_with_listings_in_no_town_included(client, make_listing,
                                                                                   monkeypatch):
    monkeypatch.setattr(listing_views, "AREA_PAGE_SIZE", 2)
    make_listing(city="Dayton", region="OH", name="Dayton group")
    make_listing(city="Dayton", region="OH", name="Dayton circle")
    make_listing(city="Kettering", region="OH", name="Kettering group")
    make_listing(city="", region="OH", name="Somewhere in Ohio")
    make_listing(city="Austin", region="TX", name="Austin group")
    with statements_run() as statements:
        first = page_text(client.get("/areas/us/oh/"))
    assert "4 listings you can meet in person." in first
    assert not [statement for statement, _ in statements if "count(*)" in statement]
    second = page_text(client.get("/areas/us/oh/", query_string={"page": 2}))
    assert "4 listings you can meet in person." in second
    shown = [name for name in ("Dayton group", "Dayton circle", "Kettering group", "Somewhere in Ohio")
             if name in first or name in second]
    assert len(shown) == 4 and "Austin group" not in first + second
    assert "page=3" not in first + second
    assert "2 listings you can meet in person in Dayton." in page_text(client.get("/areas/us/oh/dayton/"))


def test_area_city_slugs_handle_punctuation(client, make_listing):
    make_listing(city="St. Louis", region="MO", name="River group")
    assert 'href="/areas/us/mo/st-louis/"' in client.get("/areas/us/mo/").get_data(as_text=True)
    assert "River group" in client.get("/areas/us/mo/st-louis/").get_data(as_text=True)
