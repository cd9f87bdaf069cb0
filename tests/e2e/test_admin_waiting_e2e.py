"""The admin, walked in Chromium at a phone's and a desk's width: "Admin (... waiting)" names what waits,
kind by kind, and leads to the page where it waits (a report alone opens the reports, not an empty queue)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from directory.extensions import db
from directory.moderation.models import Report
from tests.clients import commit_test_session
from tests.factories import make_listing, make_user

from .conftest import PHONE, WCAG_22_AA

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

SIZES = {"phone": PHONE, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_admin_waiting_leads_to_the_reports_when_only_a_report_waits(app, live_server, page, sign_in_browser,
                                                                     size, screenshot, axe):
    page.set_viewport_size(SIZES[size])
    listing = make_listing(make_user(), status="published", name="Reported Circle")
    db.session.add(Report(listing_id=listing.id, reason="closed", message="The hall is shut."))
    admin = make_user(admin=True)
    commit_test_session()
    sign_in_browser(page, admin)
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Admin (1 report waiting)").click()
    page.wait_for_url(f"{live_server}/admin/reports")
    expect(page.get_by_text("Reported Circle").first).to_be_visible()
    screenshot(page, f"reports-{size}", full_page=False)
    assert axe(page, tags=WCAG_22_AA) == []

    make_listing(make_user(), status="pending", name="New Circle")
    commit_test_session()
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Admin (1 listing, 1 report waiting)").click()
    page.wait_for_url(f"{live_server}/admin/")
    expect(page.get_by_text("New Circle").first).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_approve_and_open_the_next_one(app, live_server, page, sign_in_browser, size, screenshot, axe):
    page.set_viewport_size(SIZES[size])
    owner = make_user()
    first = make_listing(owner, status="pending", name="First Circle")
    make_listing(owner, status="pending", name="Second Circle")
    admin = make_user(admin=True)
    commit_test_session()
    sign_in_browser(page, admin)
    page.goto(f"{live_server}/admin/listings/{first.id}")
    button = page.get_by_role("button", name="Approve and open the next one")
    screenshot(page, f"review-{size}", full_page=False)
    assert axe(page, tags=WCAG_22_AA) == []
    button.click()
    page.get_by_text("“First Circle” is published").wait_for()
    assert "Second Circle" in page.locator("h1").inner_text()


@pytest.mark.parametrize("size", SIZES)
def test_a_report_shows_how_many_reported_and_the_owners_history(app, live_server, page, sign_in_browser,
                                                                  size, screenshot, axe):
    page.set_viewport_size(SIZES[size])
    owner = make_user()
    listing = make_listing(owner, status="published", name="Twice Reported")
    for number in range(2):
        db.session.add(Report(listing_id=listing.id, reason="closed", message=f"Shut {number}."))
    admin = make_user(admin=True)
    commit_test_session()
    sign_in_browser(page, admin)
    page.goto(f"{live_server}/admin/reports")
    context = page.locator(".report-context").first
    assert "2 people have reported this listing." in context.inner_text()
    assert "Its owner has 1 listing, 0 rejected or unpublished" in context.inner_text()
    screenshot(page, f"report-{size}", full_page=False)
    assert axe(page, tags=WCAG_22_AA) == []


@pytest.mark.parametrize("size", SIZES)
def test_unpublish_asks_first_and_a_no_changes_nothing(app, live_server, page, sign_in_browser, size):
    page.set_viewport_size(SIZES[size])
    listing = make_listing(make_user(), status="published", name="Harbour Circle")
    admin = make_user(admin=True)
    commit_test_session()
    sign_in_browser(page, admin)
    page.goto(f"{live_server}/admin/listings/{listing.id}")
    page.get_by_label("Reason for unpublishing").fill("The venue has closed for good.")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Unpublish").click()
    assert asked and "Harbour Circle" in asked[0]
    commit_test_session()
    db.session.expire_all()
    assert db.session.get(type(listing), listing.id).status == "published"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Unpublish").click()
    page.get_by_text("“Harbour Circle” is unpublished").wait_for()
    commit_test_session()
    db.session.expire_all()
    assert db.session.get(type(listing), listing.id).status == "unpublished"
