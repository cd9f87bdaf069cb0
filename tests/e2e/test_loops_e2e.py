"""In Chromium, with axe-core: the alert box on a thin search and an area page, its confirmation, a refused
address, the weekly mail's unsubscribe; every page at zero violations."""

from __future__ import annotations

import email
import re
from email import policy

import pytest

from directory.extensions import db
from directory.mail import mail_folder
from directory.moderation import services as moderation
from tests.factories import make_topic

pytestmark = pytest.mark.e2e


def read_mail(app) -> list:
    with app.app_context():
        folder = mail_folder()
    files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]


def link_in(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+(/alerts/{kind}/[\w.\-]+)", text).group(1)


def test_an_alert_from_a_thin_search_to_its_unsubscribe(app, live_server, page, gazetteer, make_listing,
                                                        make_user, axe, requests_made, console_log):
    make_topic("grief", "Grief and loss")
    make_listing(name="The Only Nearby Group", topics=("grief",))
    db.session.commit()

    page.goto(f"{live_server}/search?near=10001&topic=grief")
    box = page.locator("section.alert-signup")
    assert "Tell me when a group starts near" in box.inner_text()
    assert "Grief and loss" in box.inner_text()
    assert axe(page) == []
    box.get_by_label("Your e-mail address").fill("walker@example.org")
    box.get_by_role("button", name="Tell me").click()
    page.wait_for_url(f"{live_server}/alerts/check-your-inbox")
    assert axe(page) == []

    (confirmation,) = read_mail(app)
    page.goto(live_server + link_in(confirmation, "confirm"))
    assert page.get_by_role("heading", level=1).inner_text() == "Switch your alert on"
    assert "Grief and loss" in page.inner_text("main")
    assert axe(page) == []
    page.get_by_role("button", name="Switch it on").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your alert is on"
    assert axe(page) == []

    # The full form, with a mistake: kept input, the message beside the field, still accessible.
    page.goto(f"{live_server}/alerts/new?near=10001&radius=25&topics=grief")
    page.get_by_label("Your e-mail address").fill("not an address")
    page.get_by_role("button", name="Tell me").click()
    assert "name@example.com" in page.locator(".field-error").first.inner_text()
    assert page.get_by_label("Near").input_value() == "10001"
    assert axe(page) == []

    pending = make_listing(status="pending", name="Tuesday Grief Circle", topics=("grief",))
    moderation.approve(pending, make_user(admin=True))
    db.session.commit()
    assert "Sent 1 alert mail" in app.test_cli_runner().invoke(args=["send-alerts"]).output
    news = read_mail(app)[-1]
    assert "Tuesday Grief Circle" in news["Subject"]
    page.goto(live_server + re.sub(r"^https?://[^/]+", "", news["List-Unsubscribe"].strip("<>")))
    assert axe(page) == []
    page.get_by_role("button", name="Stop and delete").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Done: we won't write again"
    assert axe(page) == []

    page.goto(f"{live_server}/areas/us/ny/new-york/")
    assert page.locator("section.alert-signup input[name=near]").input_value() == "New York, NY"
    assert axe(page) == []
    assert requests_made.offsite() == []
    # Chromium reports the refused form's own 422 status on the console; nothing else may be there.
    assert [error for error in console_log.errors if "status of 422" not in error] == []


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
def test_a_check_in_from_the_contact_form_to_the_answer_and_the_admin_list(
        app, live_server, page, gazetteer, make_listing, make_user, axe, sign_in_browser, console_log):
    from datetime import timedelta

    import time_machine

    from directory.followups.models import Answer
    from directory.timeutil import utcnow

    owner = make_user("owner@example.org")
    make_topic("grief", "Grief and loss")
    listing = make_listing(owner=owner, name="Slow To Reply", topics=("grief",))
    for number in range(3):
        make_listing(name=f"Nearby Grief Group {number}", topics=("grief",), latitude=40.76 + number / 100)
    db.session.commit()

    page.goto(f"{live_server}/listings/{listing.slug}/contact")
    page.get_by_label("Your first name").fill("Sam")
    page.get_by_label("Your e-mail address").fill("sam.visitor@example.com")
    page.get_by_label("Your message").fill("Hello, may I come on Tuesday?")
    page.get_by_label("Check on me in a few days").check()
    assert axe(page) == []
    page.get_by_role("button", name="Send message").click()
    assert "In four days we'll send you one e-mail" in page.inner_text("main")

    with time_machine.travel(utcnow() + timedelta(days=4, minutes=1)):
        assert "Sent 1 check-in mail" in app.test_cli_runner().invoke(args=["send-followups"]).output
    checkin = read_mail(app)[-1]
    assert checkin["Subject"] == "Did Slow To Reply answer you?"
    text = checkin.get_body(("plain",)).get_content()
    page.goto(live_server + re.search(r"https?://[^/\s]+(/did-they-answer/\S+answer=no)", text).group(1))
    assert page.get_by_role("heading", level=1).inner_text() == "Did Slow To Reply answer you?"
    assert axe(page) == []
    page.get_by_role("button", name="No", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for telling us"
    assert page.locator("section h3").count() == 3
    assert axe(page) == []

    for _ in range(2):
        db.session.add(Answer(listing_id=listing.id, answer="no", answered_at=utcnow()))
    db.session.commit()
    sign_in_browser(page, make_user(admin=True))
    page.goto(f"{live_server}/admin/may-not-be-answering")
    assert "Slow To Reply" in page.inner_text("main")
    assert axe(page) == []
    sign_in_browser(page, owner)
    page.goto(f"{live_server}/my/listings")
    assert "Answer rate: 0%" in page.inner_text("main")
    assert axe(page) == []
    assert console_log.errors == []
