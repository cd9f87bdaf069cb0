"""The admin's outgoing-mail page in Chromium at a phone's and a desk's width: a message the mail server
refused waits there with its error and next attempt, its recipient masked; given up, it can be sent again;
axe finds nothing."""

from __future__ import annotations

import pytest
from flask import current_app
from playwright.sync_api import expect

from directory import outbox
from directory.extensions import db
from tests.clients import commit_test_session
from tests.factories import make_user

from .conftest import PHONE, WCAG_22_AA

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

SIZES = {"phone": PHONE, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_admins_see_waiting_mail_with_the_recipient_masked(app, live_server, page, sign_in_browser, size,
                                                           screenshot, axe):
    page.set_viewport_size(SIZES[size])
    with current_app.test_request_context("/"):
        row = outbox.queue_mail("someone.private@example.org", "Hello", "accounts/deleted", name="Sam")
    commit_test_session()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=1)  # nothing listens on port 9
    try:
        assert outbox.deliver(row) is False
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25, MAIL_TIMEOUT=10)
    admin = make_user(admin=True)
    commit_test_session()
    sign_in_browser(page, admin)
    page.goto(f"{live_server}/admin/mail")
    page.get_by_role("heading", name="Outgoing mail").wait_for()
    expect(page.get_by_role("cell", name="s***@example.org")).to_be_visible()
    expect(page.get_by_role("cell", name="ConnectionRefusedError")).to_be_visible()
    assert "someone.private" not in page.content()
    screenshot(page, f"mail-{size}")
    assert axe(page) == []
    assert axe(page, tags=WCAG_22_AA) == []
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    db.session.get(outbox.OutboxMessage, row.id).status = outbox.FAILED  # 48 hours later: given up
    commit_test_session()
    page.reload()
    send_again = page.get_by_role("button", name="Send again")
    expect(send_again).to_be_visible()
    assert axe(page, tags=WCAG_22_AA) == []
    send_again.click()
    expect(page.get_by_text("The message is queued again")).to_be_visible()
    expect(page.get_by_role("cell", name="queued")).to_be_visible()
    expect(page.get_by_role("button", name="Send again")).to_have_count(0)
    screenshot(page, f"mail-sent-again-{size}")

