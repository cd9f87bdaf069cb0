"""The organiser, walked in Chromium at a phone's and a desk's width: confirming his address signs him in on
his listings, the group form says what review needs and where the meetings' time zone comes from, and a
listing sent back (changes requested, unpublished) offers to be edited and sent again with the reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from directory.accounts import services as accounts
from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation import services as moderation
from directory.seeding.taxonomies import seed_taxonomies
from tests.clients import commit_test_session
from tests.factories import make_listing, make_user

from .conftest import PHONE, WCAG_22_AA

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

SIZES = {"phone": PHONE, "desktop": {"width": 1280, "height": 800}}
# What is needed to send a group for review, each marked on the form (checkbox lists only visibly).
NEEDED_INPUTS = ("#summary", "#description", "#location", "#time_zone", "#contact_email")


def confirm_link(sent_mail, to: str) -> str:
    for message in reversed(sent_mail()):
        if message["To"] == to:
            text = message.get_body(preferencelist=("plain",)).get_content()
            return next(link for link in re.findall(r"https?://\S+", text) if "/account/confirm/" in link)
    raise AssertionError(f"no confirmation mail to {to}")


@pytest.fixture
def topics():
    """The site's own topics and audiences: the form's length on a phone depends on them."""
    seed_taxonomies()
    commit_test_session()


@pytest.mark.parametrize("size", SIZES)
def test_confirming_lands_the_organiser_on_his_listings_signed_in(app, live_server, page, sent_mail, size,
                                                                  screenshot, axe):
    page.set_viewport_size(SIZES[size])
    user = make_user(f"dan-{size}@example.org", confirmed=False, display_name="Dan")
    accounts.send_confirmation(user)
    commit_test_session()
    page.goto(confirm_link(sent_mail, user.email))
    page.get_by_role("button", name="Confirm my address").click()
    page.wait_for_url(f"{live_server}/my/listings")
    expect(page.get_by_text("your e-mail address is confirmed")).to_be_visible()
    first = page.locator("main a[role=button]").first
    assert first.inner_text() == "List your group"
    assert first.bounding_box()["y"] + first.bounding_box()["height"] <= SIZES[size]["height"]
    screenshot(page, f"landing-{size}", full_page=False)
    assert axe(page, tags=WCAG_22_AA) == []
    first.click()
    page.get_by_role("heading", name="List a group").wait_for()


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_confirming_lands_on_the_review_queue(app, live_server, page, sent_mail, size):
    page.set_viewport_size(SIZES[size])
    admin = make_user(f"admin-{size}@example.org", admin=True, confirmed=False)
    accounts.send_confirmation(admin)
    commit_test_session()
    page.goto(confirm_link(sent_mail, admin.email))
    page.get_by_role("button", name="Confirm my address").click()
    page.wait_for_url(f"{live_server}/admin/")
    expect(page.locator("h1").first).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_the_group_form_marks_what_review_needs_and_names_the_time_zone(app, gazetteer, topics, live_server,
                                                                          page, sign_in_browser, size,
                                                                          screenshot, axe, console_log):
    page.set_viewport_size(SIZES[size])
    owner = make_user(f"owner-{size}@example.org")
    commit_test_session()
    sign_in_browser(page, owner)
    page.goto(f"{live_server}/my/listings/new?kind=group")

    for selector in NEEDED_INPUTS:
        assert page.locator(selector).get_attribute("aria-required") == "true", selector
    for name in ("Short summary", "Description", "Topics", "Languages", "How people take part"):
        assert "(required)" in page.locator(f"label:has-text('{name}'), legend:has-text('{name}')").first \
            .inner_text(), name
    assert page.locator("#format").get_attribute("aria-required") == "true"

    # Five languages on show, the rest folded.
    languages = page.locator("#languages > label")
    assert languages.count() == 5 and languages.first.inner_text().strip() == "English"
    expect(page.get_by_label("Swahili")).to_be_hidden()
    page.locator("#languages summary").click()
    expect(page.get_by_label("Swahili")).to_be_visible()
    page.locator("#languages summary").click()

    # The meetings start before the end of a phone's second screen (the page's own top counted).
    if size == "phone":
        top = page.evaluate("document.querySelector('#section-when').getBoundingClientRect().top + scrollY")
        assert top <= 2 * PHONE["height"], top

    # The time zone shows as soon as the place is known, before anything is saved.
    page.get_by_label("Town, city or ZIP/postcode").fill("Bozeman, MT")
    page.get_by_label("Town, city or ZIP/postcode").press("Tab")
    preview = page.locator("[data-place-preview]")
    preview.get_by_text("Bozeman, MT · Mountain time").wait_for()
    assert page.locator("[data-zone-name]").first.inner_text() == "Mountain time"
    assert page.locator("#time_zone").input_value() == "America/Denver"
    screenshot(page, f"form-{size}")
    assert axe(page, tags=WCAG_22_AA) == []

    # Saved, the same line comes from the server.
    page.get_by_label("Name of the group").fill("Bozeman Fathers")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    assert "near Bozeman, MT · Mountain time" in preview.inner_text()
    commit_test_session()
    assert db.session.scalars(select(Listing.time_zone)).one() == "America/Denver"
    assert console_log.errors == []


def test_the_form_without_javascript_still_names_the_zone_after_saving(app, gazetteer, topics, live_server,
                                                                        browser, sign_in_browser):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        owner = make_user("nojs@example.org")
        commit_test_session()
        sign_in_browser(page, owner)
        page.goto(f"{live_server}/my/listings/new?kind=group")
        page.get_by_label("Name of the group").fill("Leeds Lads")
        page.get_by_label("Town, city or ZIP/postcode").fill("Leeds")
        page.get_by_role("button", name="Save draft").click()
        assert "near Leeds" in page.locator("[data-place-preview]").inner_text()
        assert "UK time" in page.locator("[data-place-preview]").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("how", ["changes_requested", "unpublished"])
def test_a_listing_sent_back_is_edited_and_sent_again_with_the_reason_in_view(app, topics, live_server, page,
                                                                             sign_in_browser, size, how,
                                                                             screenshot, axe):
    page.set_viewport_size(SIZES[size])
    owner = make_user(f"sent-back-{size}-{how}@example.org")
    admin = make_user(f"admin-{size}-{how}@example.org", admin=True)
    reason = "The meeting place has closed; say where you meet now."
    if how == "unpublished":
        listing = make_listing(owner=owner, status="published", name="Harbour Fathers", format="online",
                               time_zone="America/New_York")
        moderation.unpublish(listing, admin, reason)
    else:
        listing = make_listing(owner=owner, status="pending", name="Harbour Fathers", format="online",
                               time_zone="America/New_York")
        moderation.request_changes(listing, admin, reason)
    commit_test_session()
    sign_in_browser(page, owner)
    page.goto(f"{live_server}/my/listings")
    card = page.locator(f"#listing-{listing.id}")
    expect(card.get_by_text(reason)).to_be_visible()
    screenshot(page, f"card-{how}-{size}", full_page=False)
    assert axe(page, tags=WCAG_22_AA) == []
    card.get_by_role("button", name=re.compile("Edit and send for review again")).click()
    page.get_by_role("heading", name=re.compile("Harbour Fathers")).wait_for()
    note = page.locator(".notice-admin")
    assert reason in note.inner_text()
    assert note.bounding_box()["y"] < page.locator("#section-about").bounding_box()["y"]
    screenshot(page, f"form-{how}-{size}", full_page=False)
    page.get_by_label("Description").fill("We meet at the library now, room 2, on Tuesdays.")
    page.get_by_role("button", name="Send for review again").click()
    page.get_by_text("Sent for review").wait_for()
    commit_test_session()
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "pending"
