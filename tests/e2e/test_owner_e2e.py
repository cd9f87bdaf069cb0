"""An organiser in a real browser: sign in, list a group with two meetings, save a draft, submit it.

Screenshots (with --screenshots, in test-artifacts/screenshots/) show the dashboard and the form with
errors at phone and desktop width.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from directory.extensions import db
from directory.listings.models import Listing
from tests.clients import commit_test_session, device_identity
from tests.factories import DEFAULT_PASSWORD, make_audience, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def sign_in_through_the_form(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/account/sign-in?next=/my/listings")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/my/listings")


@pytest.fixture
def organiser(app):
    make_topic("grief", "Grief and loss")
    make_topic("fatherhood", "Fatherhood")
    make_audience("new-fathers", "New fathers")
    user = make_user("organiser@example.org", display_name="Dan")
    commit_test_session()
    return user


def test_an_organiser_lists_a_group_and_sends_it_for_review(app, gazetteer, organiser, live_server, page,
                                                           console_log, requests_made, screenshot, axe):
    sign_in_through_the_form(page, live_server, organiser.email)
    page.get_by_role("heading", name="My listings").wait_for()
    page.get_by_role("button", name="List your group").click()
    page.get_by_role("heading", name="List a group").wait_for()

    page.get_by_label("Name of the group").fill("Dayton Dads Circle")
    page.get_by_label("Short summary").fill("A weekly circle for separated and divorced fathers.")
    page.get_by_label("Description").fill("We sit in a circle, we listen, and nobody has to talk.")
    page.get_by_label("Grief and loss").check()
    page.get_by_label("New fathers").check()
    page.get_by_label("In person", exact=True).check()
    page.get_by_label("Town, city or ZIP/postcode").fill("45402")

    # Without a round trip: one blank meeting row is shown, the button adds another.
    rows = page.locator("[data-meeting-row]:visible")
    assert rows.count() == 1
    first = rows.nth(0)
    first.get_by_label("Day").select_option(label="Tuesday")
    first.get_by_label("Starts at").fill("19:00")
    first.get_by_label("Length in minutes").fill("90")
    expect(first.get_by_label("Which week of the month")).to_be_hidden()
    page.get_by_role("button", name="Add another meeting").click()
    assert rows.count() == 2
    second = rows.nth(1)
    second.get_by_label("Day").select_option(label="Saturday")
    second.get_by_label("Starts at").fill("10:30")
    second.get_by_label("Length in minutes").fill("60")
    second.get_by_label("How often").select_option(label="Once a month")
    second.get_by_label("Which week of the month").select_option(label="First")
    # A row added by mistake goes again without a trace.
    page.get_by_role("button", name="Add another meeting").click()
    assert rows.count() == 3
    assert rows.nth(2).locator("legend").inner_text() == "Meeting 3"
    rows.nth(2).get_by_role("button", name="Remove this meeting").click()
    assert rows.count() == 2

    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    expect(page.get_by_text("Shown as: near Dayton, OH")).to_be_visible()
    commit_test_session()
    listing = db.session.scalars(select(Listing)).one()
    assert (listing.status, listing.city, listing.time_zone) == ("draft", "Dayton", "America/New_York")
    assert [(m.weekday, m.recurrence, m.week_of_month) for m in listing.meetings] == [
        (1, "weekly", None), (5, "monthly", 1)]
    commit_test_session()

    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(f"{live_server}/my/listings*")
    card = page.locator(f"#listing-{listing.id}")
    card.get_by_text("Waiting for review", exact=True).wait_for()
    expect(page.get_by_text("Sent for review")).to_be_visible()
    commit_test_session()
    assert db.session.get(Listing, listing.id).status == "pending"

    assert axe(page) == []
    screenshot(page, "dashboard-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "dashboard-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    assert console_log.errors == []
    assert requests_made.offsite() == []


def test_the_form_shows_errors_next_to_fields_and_keeps_what_was_typed(app, organiser, live_server, page,
                                                                      console_log, screenshot, axe):
    sign_in_through_the_form(page, live_server, organiser.email)
    page.goto(f"{live_server}/my/listings/new?kind=group")
    page.get_by_label("Name of the group").fill("Evening circle")
    page.get_by_label("Website").fill("javascript:alert(1)")
    page.get_by_label("Online", exact=True).check()
    expect(page.get_by_label("Town, city or ZIP/postcode")).to_be_hidden()
    row = page.locator("[data-meeting-row]").nth(0)
    row.get_by_label("Day").select_option(label="Monday")
    row.get_by_label("Starts at").fill("19:00")
    row.get_by_label("Length in minutes").fill("5")
    page.get_by_role("button", name="Submit for review").click()

    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.get_by_label("Name of the group").input_value() == "Evening circle"
    assert page.get_by_label("Website").input_value() == "javascript:alert(1)"
    website = page.locator(".field", has=page.locator("#website"))
    assert "starting with https://" in website.inner_text()
    assert "Choose the time zone" in page.locator(".field", has=page.locator("#time_zone")).inner_text()
    duration = page.locator(".field", has=page.locator("#meetings-0-duration_minutes"))
    assert "between 15 and 600 minutes" in duration.inner_text()
    commit_test_session()
    assert db.session.scalars(select(Listing)).all() == []

    assert axe(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "form-errors-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "form-errors-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_log.errors == []


def test_the_form_works_without_javascript(app, organiser, live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        serializer = app.session_interface.get_signing_serializer(app)
        cookie = serializer.dumps({"_user_id": device_identity(organiser, app), "_fresh": True})
        context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": cookie,
                              "url": live_server}])
        page = context.new_page()
        page.goto(f"{live_server}/my/listings/new?kind=group")
        page.get_by_label("Name of the group").fill("No-script circle")
        page.get_by_label("Online", exact=True).check()
        page.locator("[data-zone-fold] > summary").click()  # folded: a place usually gives it
        page.get_by_label("Time zone").select_option("Europe/London")
        for index, (day, start) in enumerate([("Wednesday", "20:00"), ("Sunday", "09:00")]):
            row = page.locator("[data-meeting-row]").nth(index)
            row.get_by_label("Day").select_option(label=day)
            row.get_by_label("Starts at").fill(start)
        page.get_by_role("button", name="Save draft").click()
        page.get_by_text("Draft saved.").wait_for()
        commit_test_session()
        listing = db.session.scalars(select(Listing)).one()
        assert [meeting.weekday for meeting in listing.meetings] == [2, 6]
        assert listing.time_zone == "Europe/London"
    finally:
        context.close()
