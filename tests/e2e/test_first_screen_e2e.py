"""The man searching on a phone (and at a desk), walked in Chromium: his own position named as his, the first
result on the first screen, cards that answer the next questions, mentors taking nobody new, writing to
several groups, filters a thumb can use, one count, a listing that left, and the small words."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import time as clock
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from directory.extensions import db
from directory.timeutil import utcnow
from tests.clients import commit_test_session
from tests.factories import make_audience, make_listing, make_topic

from .conftest import PHONE, WCAG_22_AA

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

SIZES = {"phone": PHONE, "desktop": {"width": 1280, "height": 800}}
# Where a phone's first screen ends for this purpose: the first result's name must start above it.
FIRST_SCREEN_TOP = 500
TARGET = 44  # px: the smallest tap target on a phone


@pytest.fixture
def world(gazetteer):
    """Groups and mentors around ZIP 10001, online options, one group that left; committed for the server."""
    make_topic("grief", "Grief and loss")
    newcomers = make_audience("first-timers", "First-timers")
    listings = {
        "circle": make_listing(name="Chelsea Tuesday Circle", slug="chelsea-circle", cost="donation",
                               audiences=[newcomers], location_precision="exact",
                               summary="A drop-in circle for men who want to talk about what is going on."),
        "brothers": make_listing(name="Midtown Brothers", slug="midtown-brothers", cost="paid",
                                 latitude=40.7549, longitude=-73.9840),
        "full": make_listing(name="Full Mentor", slug="full-mentor", kind="mentor", accepting_mentees=False,
                             format="online", latitude=40.75, longitude=-73.99),
        "open": make_listing(name="Open Mentor", slug="open-mentor", kind="mentor", format="online",
                             latitude=42.36, longitude=-71.06),
        "hybrid": make_listing(name="Hybrid Harbour Group", slug="hybrid-harbour", format="hybrid",
                               online_url="https://example.org/join", latitude=40.74, longitude=-74.0),
        "gone": make_listing(name="Old Soho Circle", slug="old-soho", status="withdrawn",
                             published_at=utcnow() - timedelta(days=60)),
    }
    for number in range(3):
        make_listing(name=f"Online circle {number}", slug=f"online-{number}", format="online",
                     latitude=None, longitude=None,
                     meetings=[dict(weekday=number, start_time=clock(19), duration_minutes=60)])
    db.session.commit()
    return listings


@contextmanager
def sized(browser, size: str, **options):
    """A page at phone or desk size, in a context of its own (cookies, permissions) closed afterwards."""
    context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone",
                                  locale="en-US", timezone_id="America/New_York", **options)
    try:
        yield context.new_page()
    finally:
        context.close()


def top_of_first_result(page) -> float:
    return page.locator(".result h3").first.bounding_box()["y"]


@pytest.mark.parametrize("size", SIZES)
def test_use_my_location_names_the_visitors_position_and_keeps_his_distance(browser, live_server, world, size,
                                                                          screenshot):
    here = {"latitude": 40.748, "longitude": -73.997}
    with sized(browser, size, geolocation=here, permissions=["geolocation"]) as page:
        page.goto(f"{live_server}/")
        page.select_option("#radius", "25")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_url(re.compile(r"/search\?"))
        assert page.url.endswith("/search?near=40.748,-73.997&radius=25")
        assert page.locator("h1").inner_text() == "Support near you (New York, NY)"
        assert page.input_value("#near") == "My location" and page.input_value("#radius") == "25"
        assert page.locator(".search-refine > summary").inner_text().split() == ["My", "location", "·", "25",
                                                                                  "mi", "Change"] \
            or size == "desktop"
        screenshot(page, f"near-me-{size}", full_page=False)


@pytest.mark.parametrize("size", SIZES)
def test_the_first_result_is_on_the_first_screen(browser, live_server, world, size, screenshot, axe):
    with sized(browser, size) as page:
        page.goto(f"{live_server}/search?near=10001&radius=25")
        top = top_of_first_result(page)
        screenshot(page, f"first-screen-{size}", full_page=False)
        assert top < (FIRST_SCREEN_TOP if size == "phone" else SIZES[size]["height"]), top
        summary = page.locator(".search-refine > summary")
        if size == "phone":
            assert summary.inner_text().split() == ["10001", "·", "25", "mi", "Change"]
            expect(page.locator("#near")).to_be_hidden()
            summary.click()
            expect(page.locator("#near")).to_be_visible()
        else:  # wide screens open the form beside the results
            expect(page.locator("#near")).to_be_visible()
        assert axe(page, tags=WCAG_22_AA) == []


@pytest.mark.parametrize("size", SIZES)
def test_cards_answer_cost_welcome_and_when(browser, live_server, world, size):
    with sized(browser, size) as page:
        page.goto(f"{live_server}/search?near=10001")
        circle = page.locator(".result", has_text="Chelsea Tuesday Circle")
        assert circle.locator(".tag-cost").inner_text() == "By donation"
        assert circle.locator(".tag-welcome").inner_text() == "New members welcome"
        brothers = page.locator(".result", has_text="Midtown Brothers")
        assert brothers.locator(".tag-cost").inner_text() == "Paid"
        page.get_by_role("link", name="This week").click()
        assert page.get_by_role("link", name="This week").get_attribute("aria-current") == "true"
        assert "day=" in page.url
        assert page.locator(".chip").first.bounding_box()["height"] >= TARGET


@pytest.mark.parametrize("size", SIZES)
def test_a_mentor_taking_nobody_new_comes_last_and_points_to_others(browser, live_server, world, size, axe):
    with sized(browser, size) as page:
        page.goto(f"{live_server}/search?near=10001")
        online = page.locator(".online-section .result h3").all_inner_texts()
        assert online.index("Open Mentor") < online.index("Full Mentor")
        page.get_by_role("link", name="Full Mentor").click()
        assert page.get_by_role("button", name="Get in touch").count() == 0
        expect(page.get_by_text("Not taking new mentees right now.")).to_be_visible()
        page.locator(".instead-list").get_by_role("link", name="Open Mentor").click()
        assert page.locator("h1").inner_text() == "Open Mentor"
        expect(page.get_by_role("button", name="Get in touch").first).to_be_visible()
        assert axe(page, tags=WCAG_22_AA) == []


@pytest.mark.config(RATELIMIT_ENABLED=True, CONTACT_MIN_SECONDS=0)
@pytest.mark.parametrize("size", SIZES)
def test_a_visitor_writes_to_four_groups_in_a_row(app, browser, live_server, size):
    groups = [make_listing(name=f"Group to write {number}") for number in range(4)]
    commit_test_session()
    with sized(browser, size) as page:
        for group in groups:
            page.goto(f"{live_server}/listings/{group.slug}/contact")
            expect(page.locator(".contact-crisis")).to_be_visible()
            page.get_by_label("Your first name").fill("Sam")
            page.get_by_label("Your e-mail address").fill("sam@example.com")
            page.get_by_label("Your message").fill("Hello, may I come along next week? I am new to this.")
            page.get_by_role("button", name=re.compile("Send")).click()
            page.wait_for_load_state()
            assert "/contact/sent" in page.url, page.locator("main").inner_text()


def test_filters_on_a_phone_are_thumb_sized_and_apply_stays_in_reach(browser, live_server, world, screenshot,
                                                                     axe):
    with sized(browser, "phone") as page:
        page.goto(f"{live_server}/search?near=10001")
        page.locator(".search-refine > summary").click()
        page.locator(".filters-more > summary").click()
        # Reached by the keyboard from the top, the keywords field stops above "Apply", its hint too.
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("#kind").focus()
        page.keyboard.press("Tab")
        expect(page.locator("#q")).to_be_focused()
        hint, bar = page.locator("#q-help").bounding_box(), page.locator(".filters-apply").bounding_box()
        assert hint["y"] + hint["height"] <= bar["y"], (hint, bar)
        groups = page.locator(".filter-group > summary")
        assert groups.count() == 3
        expect(page.locator("#topic-0")).to_be_hidden()  # folded until asked for
        groups.first.click()
        for label in page.locator(".filter-group[open] fieldset label").all():
            assert label.bounding_box()["height"] >= TARGET
        page.locator(".filter-group[open] fieldset label").last.scroll_into_view_if_needed()
        apply = page.get_by_role("button", name="Apply filters")
        box = apply.bounding_box()
        assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"] and box["height"] >= TARGET
        page.locator(".filter-group[open] fieldset label").first.click()
        apply.click()
        assert "topic=grief" in page.url
        screenshot(page, "filters-phone", full_page=False)
        assert axe(page, tags=WCAG_22_AA) == []


@pytest.mark.parametrize("size", SIZES)
def test_see_all_online_keeps_its_number_and_chooses_no_filter(browser, live_server, world, size):
    with sized(browser, size) as page:
        page.goto(f"{live_server}/search?near=10001")
        link = page.get_by_role("link", name=re.compile(r"See all \d+ online options"))
        count = re.search(r"\d+", link.inner_text()).group()
        link.click()
        assert f"{count} options online" in page.locator(".online-section .results-count").inner_text()
        assert page.locator(".filters-more > summary").text_content().strip() == "Filters"


@pytest.mark.parametrize("size", SIZES)
def test_a_listing_that_left_says_so_and_offers_current_ones(browser, live_server, world, size, screenshot,
                                                             axe):
    with sized(browser, size) as page:
        response = page.goto(f"{live_server}/listings/old-soho")
        assert response.status == 410
        assert page.locator("h1").inner_text() == "This group is no longer listed"
        assert page.locator(".results .result").count() >= 1
        screenshot(page, f"gone-{size}", full_page=False)
        assert axe(page, tags=WCAG_22_AA) == []
        page.locator(".results .result h3 a").first.click()
        expect(page.locator("h1")).to_be_visible()
        assert "/listings/" in page.url


@pytest.mark.parametrize("size", SIZES)
def test_find_more_keeps_the_distance_and_a_mentor_is_a_mentor(browser, live_server, world, size):
    with sized(browser, size) as page:
        page.goto(f"{live_server}/search?near=10001&radius=25")
        page.get_by_role("link", name="Chelsea Tuesday Circle").click()
        page.get_by_role("link", name=re.compile("Find more support near")).click()
        assert page.url.endswith("radius=25") and page.input_value("#radius") == "25"
        page.goto(f"{live_server}/listings/open-mentor")
        assert "The mentor's e-mail address is never shown." in page.locator("main").inner_text()

