"""Moderation in a real browser: submit → approve → in search → edit → diff → approve → report → unpublish.

The admin is signed in with a session cookie made by the app itself (what Flask-Login stores after
a sign-in), so this test does not depend on the sign-in form's details.
"""

from __future__ import annotations

import email
from datetime import time, timedelta
from email import policy

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from directory.extensions import db
from directory.listings.models import Listing
from directory.listings.snapshots import snapshot
from directory.mail import mail_folder
from directory.moderation import revisions, services
from directory.moderation.models import ModerationEvent
from directory.timeutil import utcnow
from tests.clients import commit_test_session
from tests.factories import make_listing, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]


def owner_mail(address: str) -> list[email.message.EmailMessage]:
    folder = mail_folder()
    files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns) if folder.exists() else []
    messages = [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
    return [message for message in messages if message["To"] == address]


def test_a_listing_through_moderation(app, request, live_server, page, browser, console_log, requests_made,
                                      screenshot, axe, sign_in_browser):
    search_ready = "listings.search" in app.view_functions
    if search_ready:
        request.getfixturevalue("gazetteer")
    owner = make_user("organiser@example.org", display_name="Dan the organiser")
    admin = make_user("admin@example.org", admin=True, display_name="Alex Admin")
    listing = make_listing(
        owner, status="draft", name="Chelsea Fathers Circle",
        summary="A weekly circle for separated and divorced dads.",
        meetings=[dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly")],
    )
    services.submit(listing, owner)
    slug, listing_id = listing.slug, listing.id
    commit_test_session()

    # The admin sees it in the queue, opens it and approves it.
    sign_in_browser(page, admin)
    page.goto(f"{live_server}/admin/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    screenshot(page, "queue")
    assert axe(page) == []
    page.get_by_role("link", name="Chelsea Fathers Circle").click()
    page.get_by_role("heading", name="Chelsea Fathers Circle").wait_for()
    expect(page.get_by_text(listing.contact_email)).to_be_visible()
    screenshot(page, "review")
    assert axe(page) == []
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("is published. The owner was told.").wait_for()
    commit_test_session()
    assert db.session.get(Listing, listing_id).status == "published"
    assert "published" in owner_mail(owner.email)[-1]["Subject"]

    # A visitor finds it.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        visitor_page = visitor.new_page()
        visitor_page.on("console", console_log.on_console)
        if search_ready:
            visitor_page.goto(f"{live_server}/search?near=10001")
            expect(visitor_page.get_by_text("Chelsea Fathers Circle").first).to_be_visible()
        visitor_page.goto(f"{live_server}/listings/{slug}")
        expect(visitor_page.get_by_role("heading", name="Chelsea Fathers Circle")).to_be_visible()

        # The owner moves the meeting to 18:30; the admin reviews the diff and approves it.
        commit_test_session()
        listing = db.session.get(Listing, listing_id)
        data = snapshot(listing)
        data["meetings"][0]["start_time"] = "18:30"
        author = db.session.get(type(owner), owner.id)
        revisions.propose_revision(listing, author, {"meetings": data["meetings"]})
        commit_test_session()
        page.goto(f"{live_server}/admin/")
        page.get_by_role("link", name="Edit to “Chelsea Fathers Circle”").click()
        diff = page.locator("table.diff")
        diff.wait_for()
        assert "Tuesday 19:00" in diff.locator(".diff-before").inner_text()
        assert "Tuesday 18:30" in diff.locator(".diff-after").inner_text()
        screenshot(page, "diff")
        assert axe(page) == []
        page.get_by_role("button", name="Approve edit").click()
        page.get_by_text("is live").wait_for()
        commit_test_session()
        assert db.session.get(Listing, listing_id).meetings[0].start_time == time(18, 30)

        # The visitor reports it: no account needed.
        visitor_page.goto(f"{live_server}/listings/{slug}/report")
        visitor_page.get_by_label("No longer meets").check()
        message = visitor_page.get_by_label("Anything else we should know?")
        message.fill("The hall was locked two weeks running.")
        visitor_page.get_by_role("button", name="Send report").click()
        visitor_page.get_by_role("heading", name="Thank you").wait_for()
    finally:
        visitor.close()

    # The admin unpublishes it from the reports queue, with a reason the owner receives.
    page.goto(f"{live_server}/admin/reports")
    report = page.locator(".report").first
    assert "The hall was locked two weeks running." in report.inner_text()
    screenshot(page, "reports")
    assert axe(page) == []
    report.get_by_label("Note").fill("Several visitors say the group no longer meets.")
    page.once("dialog", lambda dialog: dialog.accept())  # unpublishing asks first
    report.get_by_role("button", name="Unpublish listing").click()
    page.get_by_text("is unpublished").wait_for()
    commit_test_session()
    assert db.session.get(Listing, listing_id).status == "unpublished"
    last = owner_mail(owner.email)[-1]
    assert last["Subject"] == "Your listing was unpublished"
    assert "Several visitors say the group no longer meets." in last.get_body(("plain",)).get_content()

    # The audit log shows one row per decision.
    page.goto(f"{live_server}/admin/audit")
    screenshot(page, "audit")
    assert axe(page) == []
    actions = list(db.session.scalars(select(ModerationEvent.action).order_by(ModerationEvent.id)))
    assert actions == ["submit", "approve", "propose_revision", "approve_revision", "unpublish"]
    assert page.locator("table.audit tbody tr").count() == 5
    commit_test_session()

    assert requests_made.offsite() == []
    assert console_log.errors == []


def test_report_form_and_reminder_link_without_javascript(app, live_server, browser, runner, screenshot, axe):
    """The public pages work with JavaScript off: report a problem; answer "still meeting?" with one click."""
    owner = make_user("organiser@example.org")
    listing = make_listing(owner, name="Riverside Dads", last_confirmed_at=utcnow() - timedelta(days=61))
    assert "Sent 1 reminder(s)" in runner.invoke(args=["send-reminders"]).output
    slug, listing_id = listing.slug, listing.id
    commit_test_session()
    body = owner_mail(owner.email)[-1].get_body(("plain",)).get_content()
    link = next(word for word in body.split() if "/still-meeting/" in word)
    path = link[link.index("/still-meeting/"):]

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/listings/{slug}/report")
        screenshot(page, "report-form")
        assert axe(page) == []
        page.get_by_role("button", name="Send report").click()
        expect(page.get_by_text("Please choose what is wrong.").first).to_be_visible()
        screenshot(page, "report-form-error")
        page.get_by_label("Wrong time or place").check()
        page.get_by_role("button", name="Send report").click()
        page.get_by_role("heading", name="Thank you").wait_for()

        page.goto(f"{live_server}{path}")
        expect(page.get_by_role("heading", name="Still meeting?")).to_be_visible()
        screenshot(page, "still-meeting")
        assert axe(page) == []
        page.get_by_role("button", name="Yes, nothing changed").click()
        page.get_by_text("is confirmed as current").wait_for()
        page.goto(f"{live_server}{path}")
        expect(page.get_by_text("already used")).to_be_visible()
    finally:
        context.close()
    commit_test_session()
    assert db.session.get(Listing, listing_id).last_confirmed_at > utcnow() - timedelta(minutes=5)
    assert db.session.scalar(select(ModerationEvent.action)) == "reconfirm"
