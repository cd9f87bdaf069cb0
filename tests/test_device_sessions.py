"""Device sessions (issue 15, point 3): a record per sign-in that a cookie must still match, listed on
the account page; the remember cookie's 14 days kept by the server; an admin's TOTP code used once."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from directory.accounts.devices import SEEN_EVERY, describe_device
from directory.accounts.models import DeviceSession, User
from directory.extensions import db
from directory.timeutil import utcnow
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.security.test_cookies_sessions import Browser

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
MAC_SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.5 Safari/605.1.15")


def devices_of(user: User) -> list[DeviceSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(DeviceSession).where(DeviceSession.user_id == user.id)
                                   .order_by(DeviceSession.id)))


def signed_in_browser(app, email: str, *, remember: bool = True, agent: str = ANDROID_CHROME) -> Browser:
    browser = Browser(app)
    browser.client.environ_base["HTTP_USER_AGENT"] = agent
    assert browser.sign_in(email, remember=remember).status_code == 303
    return browser


@pytest.mark.parametrize(("agent", "expected"), [
    (ANDROID_CHROME, "Chrome on Android"),
    (MAC_SAFARI, "Safari on macOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
     "Safari/537.36 Edg/126.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
    ("curl/8.5.0", "A browser"),
    ("", "A browser"),
])
def test_a_device_is_named_coarsely(agent, expected):
    assert describe_device(agent) == expected


def test_each_sign_in_keeps_a_coarse_record_and_never_the_address(app_context, app):
    user = make_user("member@example.org")
    signed_in_browser(app, "member@example.org", remember=True)
    signed_in_browser(app, "member@example.org", remember=False, agent=MAC_SAFARI)
    first, second = devices_of(user)
    assert (first.device, second.device) == ("Chrome on Android", "Safari on macOS")
    assert first.created_at == first.last_seen_at
    assert first.expires_at - first.created_at == app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    assert second.expires_at - second.created_at == app.config["PERMANENT_SESSION_LIFETIME"]
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=14)  # not Flask's 31 days
    stored = " ".join(str(value) for device in (first, second) for value in vars(device).values())
    assert "127.0.0.1" not in stored and "Pixel" not in stored and "AppleWebKit" not in stored


def test_sign_out_ends_a_copied_session_and_remember_cookie(app_context, app):
    user = make_user("member@example.org")
    victim = signed_in_browser(app, "member@example.org")
    session_thief = victim.copy("session", app)
    remember_thief = victim.copy("remember_token", app)
    assert session_thief.signed_in() and remember_thief.signed_in()
    assert victim.open("/account/sign-out", "POST").status_code == 303
    assert devices_of(user) == []
    assert not session_thief.signed_in()
    assert not remember_thief.signed_in()


def test_the_remember_cookie_differs_at_every_sign_in(app_context, app):
    make_user("member@example.org")
    first = signed_in_browser(app, "member@example.org").cookie("remember_token")
    second = signed_in_browser(app, "member@example.org").cookie("remember_token")
    assert first and second and first != second


def test_the_server_ends_a_remember_cookie_after_its_lifetime(app_context, app):
    """The browser may keep the cookie longer (or a thief may): the record's expiry decides."""
    user = make_user("member@example.org")
    browser = signed_in_browser(app, "member@example.org")
    thief = browser.copy("remember_token", app)
    assert thief.signed_in()
    device = devices_of(user)[0]
    device.created_at -= timedelta(days=14, seconds=1)  # as it will be, 14 days later
    device.expires_at -= timedelta(days=14, seconds=1)
    db.session.commit()
    assert not thief.signed_in()
    assert not browser.signed_in()


def test_the_account_page_lists_devices_and_signs_one_out(app_context, app):
    user = make_user("member@example.org")
    phone = signed_in_browser(app, "member@example.org")
    laptop = signed_in_browser(app, "member@example.org", agent=MAC_SAFARI)
    page = laptop.open("/account").get_data(as_text=True)
    assert "Chrome on Android" in page and "Safari on macOS" in page
    assert page.count(">this device<") == 1
    phone_record = next(device for device in devices_of(user) if device.device == "Chrome on Android")
    token = laptop.token("/account")
    response = laptop.open(f"/account/devices/{phone_record.id}/sign-out", "POST", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert not phone.signed_in()
    assert laptop.signed_in()
    assert [device.device for device in devices_of(user)] == ["Safari on macOS"]


def test_signing_out_this_device_from_the_list_signs_this_browser_out(app_context, app):
    user = make_user("member@example.org")
    browser = signed_in_browser(app, "member@example.org")
    (mine,) = devices_of(user)
    response = browser.open(f"/account/devices/{mine.id}/sign-out", "POST",
                            data={"csrf_token": browser.token("/account")})
    assert response.status_code == 303 and "/account/sign-in" in response.headers["Location"]
    assert not browser.signed_in()


def test_one_account_cannot_end_anothers_device(app_context, app):
    owner = make_user("owner@example.org")
    make_user("other@example.org")
    owner_browser = signed_in_browser(app, "owner@example.org")
    other = signed_in_browser(app, "other@example.org")
    (owners_device,) = devices_of(owner)
    other.open(f"/account/devices/{owners_device.id}/sign-out", "POST",
               data={"csrf_token": other.token("/account")})
    assert owner_browser.signed_in() and len(devices_of(owner)) == 1


def test_sign_out_everywhere_ends_every_device_record(app_context, app):
    user = make_user("member@example.org")
    phone = signed_in_browser(app, "member@example.org")
    laptop = signed_in_browser(app, "member@example.org", agent=MAC_SAFARI)
    response = laptop.open("/account/sign-out-everywhere", "POST",
                           data={"csrf_token": laptop.token("/account")})
    assert response.status_code == 303
    assert devices_of(user) == []
    assert not phone.signed_in() and not laptop.signed_in()


def test_a_password_change_keeps_only_this_device(app_context, app):
    user = make_user("member@example.org")
    phone = signed_in_browser(app, "member@example.org")
    laptop = signed_in_browser(app, "member@example.org", agent=MAC_SAFARI)
    new = "violet tractor under moonlight"
    response = laptop.open("/account/password", "POST", data={
        "current_password": DEFAULT_PASSWORD, "password": new, "confirm": new,
        "csrf_token": laptop.token("/account/password")})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert [device.device for device in devices_of(user)] == ["Safari on macOS"]
    assert laptop.signed_in() and not phone.signed_in()


def test_last_seen_moves_on_only_every_few_minutes(app_context, app):
    user = make_user("member@example.org")
    browser = signed_in_browser(app, "member@example.org")
    (device,) = devices_of(user)
    seen = device.last_seen_at
    assert browser.signed_in()
    assert devices_of(user)[0].last_seen_at == seen  # a request a moment later writes nothing
    device = devices_of(user)[0]
    device.last_seen_at = seen - SEEN_EVERY - timedelta(seconds=1)
    db.session.commit()
    assert browser.signed_in()
    assert devices_of(user)[0].last_seen_at >= utcnow() - timedelta(minutes=1)


def test_deleting_the_account_removes_its_device_records(app_context, app):
    user = make_user("member@example.org")
    browser = signed_in_browser(app, "member@example.org")
    user_id = user.id
    response = browser.open("/account/delete", "POST", data={
        "current_password": DEFAULT_PASSWORD, "csrf_token": browser.token("/account/delete")})
    assert response.status_code in (302, 303), response.status_code
    assert db.session.scalar(select(func.count()).select_from(DeviceSession)
                             .where(DeviceSession.user_id == user_id)) == 0


# ------------------------------------------------------------------------------------------- admin TOTP


@pytest.mark.config(ADMIN_REQUIRE_2FA=True)
def test_a_totp_code_is_accepted_once_and_never_an_earlier_one(app, client, make_user):
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    admin = make_user("admin@example.org", admin=True, totp_secret=secret)
    client.sign_in(admin)
    code = totp.now()
    assert client.post("/admin/2fa", data={"code": code}).status_code == 302
    # The same code, from another browser (seen over a shoulder), inside its 30 seconds.
    other = app.test_client()
    other.sign_in(admin)
    refused = other.post("/admin/2fa", data={"code": code})
    assert refused.status_code == 200 and "used already" in refused.get_data(as_text=True)
    # The step before (still inside the drift window) is older than the one accepted: refused too.
    earlier = totp.at(time.time() - 30)
    if earlier != code:
        assert other.post("/admin/2fa", data={"code": earlier}).status_code == 200
    # The next step's code is newer: accepted.
    later = totp.at(time.time() + 30)
    assert other.post("/admin/2fa", data={"code": later}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).totp_last_step is not None
