"""A mentor's account in a real browser: register, confirm from the mail, sign in, reset a forgotten
password, download my data, delete the account.

Screenshots (with --screenshots, in test-artifacts/screenshots/) show the register, sign-in and account
pages at phone and desktop width, and the register form with errors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from directory.accounts.models import User
from directory.extensions import db

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
EMAIL = "mentor@example.org"
FIRST_PHRASE = "violet tractor under moonlight"
SECOND_PHRASE = "quiet harbour seventeen lanterns"


def latest_link(sent_mail, to: str, path: str) -> str:
    """The link to `path` in the newest mail sent to `to` (the site writes mail to its instance folder)."""
    for message in reversed(sent_mail()):
        if message["To"] == to:
            text = message.get_body(preferencelist=("plain",)).get_content()
            links = [link for link in re.findall(r"https?://\S+", text) if path in link]
            if links:
                return links[0]
    raise AssertionError(f"no mail to {to} with a {path} link")


def both_widths(page, screenshot, axe, name: str) -> None:
    """Screenshots at phone and desktop width; no axe violations; no sideways scrolling on a phone."""
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
        assert axe(page) == [], (name, label)
        if label == "phone":
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name


def user_row() -> User | None:
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == EMAIL))


def test_a_mentor_registers_confirms_resets_downloads_and_deletes(
    app, live_server, page, sent_mail, screenshot, axe, console_log, requests_made
):
    base = live_server

    # Register: a weak password first, then a good one.
    page.goto(f"{base}/account/register")
    page.get_by_role("heading", name="Create an account").wait_for()
    both_widths(page, screenshot, axe, "register")
    page.get_by_label("Your name").fill("Marcus")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.locator("#password").fill("password123")
    page.locator("#confirm").fill("password123")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    expect(page.get_by_text("too easy to guess").first).to_be_visible()
    assert page.get_by_label("Your name").input_value() == "Marcus"
    assert page.locator("#password").input_value() == ""  # never sent back
    both_widths(page, screenshot, axe, "register-errors")

    page.locator("#password").fill(FIRST_PHRASE)
    page.locator("#confirm").fill(FIRST_PHRASE)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    assert user_row() is not None and not user_row().is_confirmed

    # Confirm from the mail: the link opens a page with one button.
    confirm_link = latest_link(sent_mail, EMAIL, "/account/confirm/")
    assert confirm_link.startswith(base + "/")
    page.goto(confirm_link)
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_text("your e-mail address is confirmed").wait_for()
    assert user_row().is_confirmed
    # Confirming signed him in: his listings, the first thing to do first.
    page.get_by_role("heading", name="My listings").wait_for()
    assert page.locator(".owner-new a").first.inner_text() == "List your group"

    # Sign out, and in again with the password.
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_text("You are signed out.").wait_for()
    page.goto(f"{base}/account/sign-in")
    page.get_by_role("heading", name="Sign in").wait_for()
    both_widths(page, screenshot, axe, "sign-in")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(FIRST_PHRASE)
    page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your account").wait_for()
    expect(page.get_by_text("confirmed", exact=True)).to_be_visible()
    both_widths(page, screenshot, axe, "account")

    # Sign out, forget the password, reset it from the mail.
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_text("You are signed out.").wait_for()
    page.goto(f"{base}/account/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    page.goto(latest_link(sent_mail, EMAIL, "/account/reset/"))
    page.get_by_role("heading", name="Choose a new password").wait_for()
    page.locator("#password").fill(SECOND_PHRASE)
    page.locator("#confirm").fill(SECOND_PHRASE)
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_role("heading", name="Your account").wait_for()
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    # Download my data.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data (JSON)").click()
    download = download_info.value
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL and data["account"]["display_name"] == "Marcus"
    assert "password_hash" not in data["account"]

    # Delete the account.
    page.get_by_role("link", name="Delete my account").click()
    page.get_by_role("heading", name="Delete your account").wait_for()
    page.get_by_label("Your password").fill(SECOND_PHRASE)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("Your account is deleted").wait_for()
    assert user_row() is None
    page.goto(f"{base}/account")
    page.get_by_role("heading", name="Sign in").wait_for()

    assert console_log.errors == []
    assert requests_made.offsite() == []


def test_an_unconfirmed_account_is_asked_to_confirm_and_can_resend(
    app, live_server, page, sent_mail, screenshot, axe, console_log
):
    from tests.factories import DEFAULT_PASSWORD, make_user

    make_user("new@example.org", confirmed=False, display_name="Leon")
    db.session.commit()
    page.goto(f"{live_server}/account/sign-in")
    page.get_by_label("E-mail address").fill("new@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("We couldn't sign you in").first.wait_for()
    assert page.get_by_label("E-mail address").input_value() == "new@example.org"
    both_widths(page, screenshot, axe, "sign-in-failed")

    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Please confirm your e-mail address").wait_for()
    both_widths(page, screenshot, axe, "account-unconfirmed")
    page.get_by_role("button", name="Send the link again").click()
    page.get_by_text("We sent a new confirmation link to new@example.org").wait_for()
    assert latest_link(sent_mail, "new@example.org", "/account/confirm/").startswith(live_server)
    assert console_log.errors == []
