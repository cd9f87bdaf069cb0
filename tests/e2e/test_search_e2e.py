"""The search flow in a real browser: search, filter, page, open a listing, its calendar, the map."""

from __future__ import annotations

import math
import re
from datetime import time

import icalendar
import pytest
from playwright.sync_api import expect

from directory.extensions import db
from tests.factories import make_listing, make_topic

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

EARTH_RADIUS_MILES = 3958.7613
TILE_HOST = "tile.openstreetmap.org"


def point_at(lat, lon, miles, bearing):
    d, b = miles / EARTH_RADIUS_MILES, math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


@pytest.fixture
def directory(app, gazetteer):
    """Seven groups around ZIP 10001, one far away, one online; committed before the server reads them."""
    from directory.geo.services import locate

    origin = locate("10001").location
    make_topic("grief", "Grief and loss")
    make_topic("anger", "Anger")
    listings = []
    for number, miles in enumerate((0.5, 1.5, 2.5, 3.5, 4.5, 12.0, 40.0)):
        lat, lon = point_at(origin.latitude, origin.longitude, miles, 90)
        listings.append(make_listing(
            name=f"Group {number + 1} at {miles} miles",
            slug=f"group-{number + 1}",
            latitude=lat, longitude=lon, location_precision="exact",
            topics=("grief",) if number % 2 == 0 else ("anger",),
            meetings=[dict(weekday=number % 7, start_time=time(19, 0), duration_minutes=90)],
        ))
    make_listing(name="Online grief circle", slug="online-grief", format="online", topics=("grief",))
    db.session.commit()
    return listings


def check_page(page, requests_made, console_log, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert requests_made.offsite() == []
    assert console_log.errors == []


@pytest.mark.config(SEARCH_PER_PAGE=3)
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_search_filter_and_page_through_results(live_server, page, phone_page, directory, requests_made,
                                                 console_log, screenshot, size):
    tab, width = (page, 1280) if size == "desktop" else (phone_page, 375)
    tab.goto(live_server + "/search")
    tab.fill("#near", "10001")
    tab.select_option("#radius", "50")
    tab.get_by_role("button", name="Search", exact=True).click()
    tab.wait_for_url(re.compile(r"/search\?.*near=10001"))
    assert tab.url == live_server + "/search?near=10001&radius=50"  # empty fields left out: a short URL
    assert tab.locator("h1").inner_text() == "Support near New York, NY 10001"
    assert "7 listings within 50 miles" in tab.locator(".results-count").first.inner_text()
    names = tab.locator("#local-results .result h3").all_inner_texts()
    assert names == ["Group 1 at 0.5 miles", "Group 2 at 1.5 miles", "Group 3 at 2.5 miles"]
    distances = tab.locator("#local-results .result-distance").all_inner_texts()
    distances = [re.sub(r"\s+", " ", d).replace("Distance: ", "") for d in distances]
    assert distances == ["0.5 mi", "1.5 mi", "2.5 mi"]
    assert "Online grief circle" in tab.locator(".online-section").inner_text()
    screenshot(tab, f"results-{size}")
    check_page(tab, requests_made, console_log, width)

    # A filter, then page 2: the filter and the place stay in the URL and the form.
    if size == "phone":  # after a search the form, its filters and each group of choices are folded
        for fold in ("details.search-refine > summary", "details.filters-more > summary", "text=Topics"):
            tab.locator(fold).first.click()
    tab.get_by_label("Grief and loss").check()
    tab.get_by_role("button", name="Apply filters").click()
    tab.wait_for_url(re.compile(r"topic=grief"))
    assert tab.locator("#local-results .result h3").all_inner_texts() == [
        "Group 1 at 0.5 miles", "Group 3 at 2.5 miles", "Group 5 at 4.5 miles",
    ]
    tab.get_by_role("link", name=re.compile(r"Next")).click()
    tab.wait_for_url(re.compile(r"page=2"))
    assert "topic=grief" in tab.url and "near=10001" in tab.url and "radius=50" in tab.url
    assert tab.locator("#local-results .result h3").all_inner_texts() == ["Group 7 at 40.0 miles"]
    assert tab.locator("#near").input_value() == "10001"
    assert tab.locator("#radius").input_value() == "50"
    assert tab.get_by_label("Grief and loss").is_checked()
    check_page(tab, requests_made, console_log, width)


def test_listing_page_calendar_and_map(live_server, page, directory, requests_made, console_log, screenshot):
    page.goto(live_server + "/search?near=10001")
    page.get_by_role("link", name="Group 2 at 1.5 miles").click()
    page.wait_for_url(re.compile(r"/listings/group-2$"))
    assert page.title().startswith("Group 2 at 1.5 miles — men's support group in New York, NY")
    next_dates = page.locator(".next-meetings li").all_inner_texts()
    assert len(next_dates) == 3 and all(re.search(r"7:00 PM E[SD]T", text) for text in next_dates)

    # The calendar file parses and holds the meeting.
    response = page.request.get(live_server + "/listings/group-2.ics")
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(response.body()).walk("VEVENT")[0]
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"

    # Nothing has been fetched from another site until the visitor asks for the map.
    check_page(page, requests_made, console_log, 1280)
    page.route(f"https://{TILE_HOST}/**", lambda route: route.abort())
    button = page.get_by_role("button", name="Show map")
    assert "OpenStreetMap" in page.locator(".map-intro").inner_text()
    button.click()
    page.wait_for_selector("[data-map-ready='1']")
    assert page.locator(".leaflet-marker-icon").count() == 1
    expect(page.get_by_role("button", name="Hide map")).to_be_visible()
    assert all(TILE_HOST in url for url in requests_made.offsite())
    screenshot(page, "listing-with-map")


def test_results_map_has_a_marker_per_local_result(live_server, page, directory, requests_made, console_log):
    page.route(f"https://{TILE_HOST}/**", lambda route: route.abort())
    page.goto(live_server + "/search?near=10001&radius=5")
    assert page.locator(".leaflet-container").count() == 0  # Leaflet is not even loaded yet
    page.get_by_role("button", name="Show map").click()
    page.wait_for_selector("[data-map-ready]")
    assert page.locator(".leaflet-marker-icon").count() == 5
    assert [url for url in requests_made.offsite() if TILE_HOST not in url] == []


def test_unknown_and_ambiguous_places(live_server, page, directory, requests_made, console_log, screenshot):
    page.goto(live_server + "/search?near=Springfeld%2C+IL")
    assert "We couldn't find “Springfeld, IL”" in page.locator(".notice").first.inner_text()
    page.get_by_role("link", name="Springfield, IL").first.click()
    page.wait_for_url(re.compile(r"near=Springfield"))
    assert page.locator("h1").inner_text() == "Support near Springfield, IL"

    page.goto(live_server + "/search?near=Springfield")
    notice = page.locator(".notice").first.inner_text()
    assert "Showing results near Springfield, MO" in notice and "Did you mean" in notice
    page.get_by_role("link", name="Springfield, IL").click()
    assert page.locator("h1").inner_text() == "Support near Springfield, IL"
    screenshot(page, "ambiguous")
    check_page(page, requests_made, console_log, 1280)


def test_bad_parameter_is_a_friendly_page(live_server, page, directory, console_log):
    response = page.goto(live_server + "/search?near=10001&radius=7")
    assert response.status == 400
    summary = page.locator(".error-summary").inner_text()
    assert "Choose a distance of 1, 5, 10, 25, 50 or 100 miles." in summary
    assert page.locator("#local-results .result").count() > 0  # the search still ran, at 10 miles
    # The only console error is the browser noting the 400 status itself.
    assert all("400" in error for error in console_log.errors)
