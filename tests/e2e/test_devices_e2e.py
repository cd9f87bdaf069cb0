"""The devices list on the account page in a real browser: two sign-ins (a phone and this browser) are
listed, the phone is signed out from here, then every device at once. Checked by axe at phone and
desktop width; screenshots (with --screenshots) in test-artifacts/screenshots/.
"""

from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user

from .conftest import WCAG_22_AA

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/account/sign-in")
    page.get_by_label("E-mail address").fill("mentor@example.org")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your account").wait_for()


def test_the_account_page_lists_devices_and_signs_them_out(app, live_server, browser, page, screenshot, axe,
                                                           console_log, requests_made):
    make_user("mentor@example.org", display_name="Marcus")
    phone_context = browser.new_context(user_agent=ANDROID_CHROME, viewport=PHONE)
    try:
        phone = phone_context.new_page()
        sign_in(phone, live_server)
        sign_in(page, live_server)

        devices = page.locator(".account-device")
        assert devices.count() == 2
        assert any("Chrome on Android" in text for text in devices.all_inner_texts())
        assert page.locator(".account-device", has_text="this device").count() == 1
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            screenshot(page, f"devices-{label}")
            assert axe(page) == [], label
            assert axe(page, tags=WCAG_22_AA) == [], label
            if label == "phone":
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # Sign the phone out from here: its next visit lands on the sign-in page.
        page.get_by_role("button", name="Sign out Chrome on Android").click()
        page.get_by_text("That device is signed out").wait_for()
        assert page.locator(".account-device").count() == 1
        phone.goto(f"{live_server}/account")
        phone.get_by_role("heading", name="Sign in").wait_for()

        # Then every device at once, this one included.
        page.get_by_role("button", name="Sign out everywhere").click()
        page.get_by_role("heading", name="Sign in").wait_for()
        page.goto(f"{live_server}/account")
        page.get_by_role("heading", name="Sign in").wait_for()
    finally:
        phone_context.close()
    assert console_log.errors == []
    assert requests_made.offsite() == []
