"""The base pages in a real browser: phone and desktop, nothing fetched from elsewhere, no console errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from directory.extensions import db
from tests.factories import make_topic

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]


@pytest.fixture
def topics(app):
    for slug, name in [("divorce-and-separation", "Divorce and separation"), ("fatherhood", "Fatherhood"),
                       ("grief-and-loss", "Grief and loss"), ("addiction-recovery", "Addiction recovery")]:
        make_topic(slug, name)
    db.session.commit()  # no read transaction left open while the server thread works


def check_home(page, base_url: str) -> None:
    response = page.goto(base_url + "/")
    assert response.status == 200
    assert page.title().startswith("Men's Support Directory")
    form = page.locator("form.search-panel")
    for name in ("near", "radius", "topic", "kind"):
        assert form.locator(f"[name={name}]").count() >= 1
    assert form.get_attribute("action") == "/search"
    assert page.locator("select[name=topic] option", has_text="Fatherhood").count() == 1
    expect(page.get_by_role("link", name="Call 988").first).to_be_visible()
    assert page.locator(".topic-links a", has_text="Grief and loss").get_attribute("href") == (
        "/search?topic=grief-and-loss"
    )


def test_home_on_a_phone(live_server, phone_page, topics, requests_made, console_log, screenshot):
    check_home(phone_page, live_server)
    # Nothing wider than the screen: no sideways scrolling on a 375px phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "home-phone")
    screenshot(phone_page, "home-phone-first-screen", full_page=False)
    assert requests_made.offsite() == []
    assert console_log.errors == []


def test_home_on_a_desktop(live_server, page, topics, requests_made, console_log, screenshot):
    check_home(page, live_server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # The stylesheets loaded and applied (a blocked or missing one would leave the form unstyled).
    assert page.locator("form.search-panel").evaluate("el => getComputedStyle(el).borderRadius") != "0px"
    screenshot(page, "home-desktop")
    assert requests_made.offsite() == []
    assert all(url.startswith(live_server) for url in requests_made.urls if url.startswith("http"))
    assert console_log.errors == []


def test_use_my_location_fills_the_search(live_server, browser, requests_made, console_log, screenshot):
    """The button appears only with geolocation, and searches at a rounded position the box calls "My
    location" (the position itself travels in a hidden field, so the box never shows coordinates)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, geolocation={"latitude": 40.712776, "longitude": -74.005974},
        permissions=["geolocation"],
    )
    try:
        context.on("request", requests_made.record)
        page = context.new_page()
        page.on("console", console_log.on_console)
        page.goto(live_server + "/")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_url(re.compile(r"/search\?"))
        assert page.url == live_server + "/search?near=40.713,-74.006"
        assert page.locator("#near").input_value() == "My location"
        screenshot(page, "geolocated")
    finally:
        context.close()
    assert console_log.errors == []


def test_home_works_without_javascript(live_server, browser, requests_made, axe):
    context = browser.new_context(java_script_enabled=False)
    try:
        context.on("request", requests_made.record)
        page = context.new_page()
        page.goto(live_server + "/")
        assert page.get_by_role("button", name="Use my location").count() == 0
        assert axe(page) == []  # checked as a copy: axe itself needs JavaScript
        page.fill("#near", "10001")
        page.get_by_role("button", name="Find support").click()
        page.wait_for_load_state()
        assert page.url.startswith(live_server + "/search?")
        # What the form sent (the search page may then tidy its URL by dropping defaults).
        assert f"{live_server}/search?near=10001&radius=10&topic=&kind=" in requests_made.urls
    finally:
        context.close()


@pytest.mark.parametrize(("path", "status"), [("/about", 200), ("/privacy", 200), ("/no-such-page", 404)])
def test_other_pages_look_right_on_a_phone(live_server, phone_page, path, status, requests_made, console_log,
                                           screenshot):
    response = phone_page.goto(live_server + path)
    assert response.status == status
    assert phone_page.locator("h1").count() == 1
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "phone")
    assert requests_made.offsite() == []
    # Chromium reports the page's own 404 status as a console error; anything else is a real problem.
    expected = [f"Failed to load resource: the server responded with a status of {status} (NOT FOUND)"]
    assert console_log.errors == (expected if status == 404 else [])


def test_inner_pages_have_the_compact_search(live_server, page, console_log, screenshot):
    page.goto(live_server + "/about")
    screenshot(page, "about-desktop")
    assert console_log.errors == []
    header_search = page.locator("header form.header-search")
    header_search.get_by_label("ZIP code, postcode or town").fill("Denver")
    header_search.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?near=Denver")


@pytest.mark.parametrize(("path", "scheme"), [
    ("/", "light"), ("/", "dark"), ("/about", "light"), ("/privacy", "light"), ("/no-such-page", "dark"),
])
def test_pages_pass_axe_at_both_widths(live_server, browser, topics, axe, path, scheme):
    """No axe-core violation (contrast, labels, landmarks, headings...) on a phone or a desktop."""
    for viewport in ({"width": 375, "height": 812}, {"width": 1280, "height": 900}):
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto(live_server + path)
            assert axe(page) == [], viewport
        finally:
            context.close()


def test_skip_link_moves_focus_to_main(live_server, page):
    page.goto(live_server + "/about")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
