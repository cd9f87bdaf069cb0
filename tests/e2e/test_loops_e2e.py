"""In Chromium, with axe-core: the "tell me when a group starts near me" box on a thin search and an area page,
its confirmation, a refused address, the weekly mail's unsubscribe; every page at zero violations."""

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
