"""Cookies and sessions: the attributes production sends, how long "keep me signed in" lasts, and that a
copied session or remember cookie dies with sign-out-everywhere, a password change or reset, and a suspension.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest

from directory.accounts.models import User
from directory.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "violet tractor under moonlight"
HTTPS = "https://localhost"
FOURTEEN_DAYS = timedelta(days=14)
# What the session cookie may carry: ids and flags, never the address, name or any hash.
SESSION_KEYS = {"_user_id", "_fresh", "_id", "_remember", "_remember_seconds", "csrf_token", "_flashes"}


class Browser:
    """A test client used like a real browser: signs in through the form, with its CSRF token."""

    def __init__(self, app, base_url: str = "http://localhost") -> None:
        self.client = app.test_client()
        self.base_url = base_url

    def open(self, path: str, method: str = "GET", **kwargs):
        return self.client.open(path, method=method, base_url=self.base_url, **kwargs)

    def token(self, path: str) -> str:
        page = self.open(path).get_data(as_text=True)
        field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
        return re.search(r'value="([^"]+)"', field.group(0)).group(1) if field else ""

    def sign_in(self, email: str, password: str = DEFAULT_PASSWORD, remember: bool = True):
        data = {"email": email, "password": password, "csrf_token": self.token("/account/sign-in")}
        if remember:
            data["remember"] = "y"
        return self.open("/account/sign-in", "POST", data=data,
                         headers={"Referer": f"{self.base_url}/account/sign-in"})

    def signed_in(self) -> bool:
        return self.open("/account").status_code == 200

    def cookie(self, name: str) -> str | None:
        cookie = self.client.get_cookie(name)
        return cookie.value if cookie is not None else None

    def copy(self, name: str, app) -> Browser:
        """Another browser holding only a copy of this one's cookie `name`."""
        value = self.cookie(name)
        assert value, f"no {name} cookie to copy"
        thief = Browser(app, self.base_url)
        thief.client.set_cookie(name, value)
        return thief


def set_cookies(response) -> dict[str, SimpleCookie]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            found[name] = morsel
    return found


# ---------------------------------------------------------------------------------------------- attributes


def test_production_cookies_are_secure_http_only_and_same_site_lax(app_context, production_app):
    make_user("member@example.org")
    browser = Browser(production_app, HTTPS)
    response = browser.sign_in("member@example.org")
    assert response.status_code == 303, response.status_code
    cookies = set_cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    now = datetime.now(UTC)
    for name in ("session", "remember_token"):
        morsel = cookies[name]
        assert morsel["secure"], f"{name} is not Secure"
        assert morsel["httponly"], f"{name} is not HttpOnly"
        assert morsel["samesite"].lower() == "lax", f"{name}: SameSite={morsel['samesite']}"
        assert morsel["path"] == "/"
        assert not morsel["domain"], f"{name} is sent to other hosts too ({morsel['domain']})"
    remember_expires = parsedate_to_datetime(cookies["remember_token"]["expires"])
    assert timedelta(days=13) < remember_expires - now <= FOURTEEN_DAYS
    # The session cookie ends with the browser; its signature still expires server-side after 31 days.
    assert not cookies["session"]["expires"] and not cookies["session"]["max-age"]

    # Every cookie the signed-in site sets afterwards keeps the same attributes.
    for path in ("/", "/account", "/my/listings"):
        for name, morsel in set_cookies(browser.open(path)).items():
            if morsel.value:
                assert morsel["secure"] and morsel["httponly"] and morsel["samesite"].lower() == "lax", name


def test_remember_me_lasts_fourteen_days_at_most_in_every_configuration(app, production_app):
    for config in (app.config, production_app.config):
        duration = config["REMEMBER_COOKIE_DURATION"]
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
        assert 0 < seconds <= FOURTEEN_DAYS.total_seconds()
        assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
        assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert production_app.config["SESSION_COOKIE_SECURE"] and production_app.config["REMEMBER_COOKIE_SECURE"]


def test_the_session_cookie_carries_no_personal_data(app_context, app):
    make_user("private.person@example.org", display_name="Private Person")
    browser = Browser(app)
    assert browser.sign_in("private.person@example.org").status_code == 303
    payload = app.session_interface.get_signing_serializer(app).loads(browser.cookie("session"))
    assert set(payload) <= SESSION_KEYS, set(payload) - SESSION_KEYS
    text = repr(payload).lower()
    assert "private" not in text and "argon2" not in text


def test_signing_in_starts_a_new_session(app_context, app):
    """Session fixation: what an attacker planted in the visitor's session before sign-in is gone after."""
    make_user("member@example.org")
    browser = Browser(app)
    browser.open("/account/sign-in")
    with browser.client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["_user_id"] = "999:1"
    before = browser.cookie("session")
    assert browser.sign_in("member@example.org").status_code == 303
    with browser.client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != "999:1"
    assert browser.cookie("session") != before


# ----------------------------------------------------------------------------------------- copied cookies


def sign_out_everywhere(app, victim: Browser, user: User, sent_mail) -> None:
    assert victim.open("/account/sign-out-everywhere", "POST").status_code == 303


def change_password(app, victim: Browser, user: User, sent_mail) -> None:
    response = victim.open("/account/password", "POST", data={
        "current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303


def reset_password(app, victim: Browser, user: User, sent_mail) -> None:
    """From another browser, through the mailed link: the victim's own sessions end too."""
    helper = Browser(app)
    assert helper.open("/account/forgot", "POST", data={"email": user.email}).status_code == 303
    link = re.search(r"https?://\S+/account/reset/\S+", sent_mail()[-1].get_body(("plain",)).get_content())
    path = urlsplit(link.group(0)).path
    response = helper.open(path, "POST", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303


def suspend(app, victim: Browser, user: User, sent_mail) -> None:
    admin = Browser(app)
    make_user("admin@example.org", admin=True)
    admin.sign_in("admin@example.org", remember=False)
    response = admin.open(f"/admin/users/{user.id}/suspend", "POST", data={"reason": "Spam"})
    assert response.status_code == 302
    # Lifting the suspension does not bring the old cookies back: they carried the old session version.
    assert admin.open(f"/admin/users/{user.id}/unsuspend", "POST").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_suspended


# event -> does the browser where it happened stay signed in?
EVENTS = {
    "sign out everywhere": (sign_out_everywhere, False),
    "password change": (change_password, True),
    "password reset": (reset_password, False),
    "suspension": (suspend, False),
}


@pytest.mark.parametrize("event", EVENTS)
def test_copied_session_and_remember_cookies_stop_working(app_context, app, sent_mail, event):
    happen, victim_stays = EVENTS[event]
    user = make_user("member@example.org")
    victim = Browser(app)
    assert victim.sign_in("member@example.org").status_code == 303
    session_thief = victim.copy("session", app)
    remember_thief = victim.copy("remember_token", app)
    both_cookies = victim.copy("session", app)
    both_cookies.client.set_cookie("remember_token", victim.cookie("remember_token"))
    thieves = {"session copy": session_thief, "remember copy": remember_thief, "both": both_cookies}
    for name, thief in thieves.items():
        assert thief.signed_in(), f"{name} did not work before the {event}"
    # A remember cookie alone signs a new browser in: that is exactly what must end.
    assert remember_thief.cookie("session")
    old_cookies = {name: victim.cookie(name) for name in ("session", "remember_token")}

    happen(app, victim, user, sent_mail)

    for name, thief in thieves.items():
        assert not thief.signed_in(), f"{name} still signs in after the {event}"
        assert not thief.signed_in(), f"{name} signed in on a second try after the {event}"
    assert victim.signed_in() is victim_stays
    # Nor do the cookies as they were before the event, replayed untouched in another browser.
    replay = Browser(app)
    for name, value in old_cookies.items():
        replay.client.set_cookie(name, value)
    assert not replay.signed_in()

