"""Accounts: registration and confirmation, signing in and out, passwords, e-mail changes, my data."""

from __future__ import annotations

import html
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
import time_machine
from argon2 import PasswordHasher, profiles
from sqlalchemy import func, select

from directory.accounts import passwords, signin
from directory.accounts.models import User
from directory.contact.models import ContactMessage
from directory.extensions import db
from directory.listings.snapshots import snapshot
from directory.moderation.models import ModerationEvent, Revision
from directory.timeutil import utcnow
from directory.urls import safe_next

from .factories import DEFAULT_PASSWORD
from .support import corpus_lines

STRONG = "violet tractor under moonlight"
OTHER_STRONG = "quiet harbour seventeen lanterns"


# --- helpers -------------------------------------------------------------------------------------


def register(client, email="new@example.org", password=STRONG, name="Sam Jones", confirm=None):
    return client.post(
        "/account/register",
        data={"display_name": name, "email": email, "password": password,
              "confirm": password if confirm is None else confirm},
    )


def sign_in(client, email, password=DEFAULT_PASSWORD, remember=False, next_url=None):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    query = {"next": next_url} if next_url is not None else None
    return client.post("/account/sign-in", data=data, query_string=query)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, path: str) -> str:
    """The absolute link to `path...` in a mail's text part, checked to be in the HTML part too."""
    found = re.findall(r"https?://\S+", text_of(message))
    links = [link for link in found if urlsplit(link).path.startswith(path)]
    assert len(links) == 1, found
    assert links[0] in html_of(message)
    return links[0]


def path_of(link: str) -> str:
    return urlsplit(link).path


def form_error(response) -> str:
    """The text of the sign-in page's error summary."""
    match = re.search(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S)
    assert match, "no error summary on the page"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip())


def signed_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def copy_cookie(source, target, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value)


# --- registration and confirmation ---------------------------------------------------------------


def test_register_mails_a_confirmation_link_that_works_once(app_context, client, sent_mail):
    response = register(client, email="  New@Example.org ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/register/check-your-email")
    user = user_by_email("new@example.org")
    assert user is not None and not user.is_confirmed and user.display_name == "Sam Jones"
    assert user.password_hash.startswith("$argon2id$")

    (message,) = sent_mail()
    assert message["To"] == "new@example.org"
    assert "confirm" in message["Subject"].lower()
    link = link_in(message, "/account/confirm/")
    assert link.startswith("http://localhost/")

    page = client.get(path_of(link))  # opening the link changes nothing: a mail scanner may fetch it
    assert page.status_code == 200 and b"Confirm my address" in page.data
    assert not user_by_email("new@example.org").is_confirmed

    assert client.post(path_of(link)).status_code == 303
    assert user_by_email("new@example.org").is_confirmed

    again = client.post(path_of(link))
    assert again.status_code == 400 and b"already been used" in again.data
    assert client.get(path_of(link)).status_code == 400


def test_confirmation_link_expires(app_context, client, sent_mail):
    register(client)
    link = link_in(sent_mail()[0], "/account/confirm/")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2, minutes=1)):
        response = client.post(path_of(link))
    assert response.status_code == 400 and b"expired" in response.data
    assert not user_by_email("new@example.org").is_confirmed


def test_a_tampered_or_foreign_token_is_refused(client, sent_mail):
    register(client)
    link = link_in(sent_mail()[0], "/account/confirm/")
    token = path_of(link).rsplit("/", 1)[1]
    assert client.post(f"/account/confirm/{token[:-2]}xx").status_code == 400
    # A confirmation token is no password-reset token: each purpose has its own salt.
    assert client.get(f"/account/reset/{token}").status_code == 400


def test_registration_with_a_taken_address_answers_the_same(client, make_user, sent_mail):
    owner = make_user("taken@example.org", display_name="Owner")
    fresh = register(client, email="free@example.org")
    taken = register(client, email="Taken@example.org")
    assert fresh.status_code == taken.status_code == 303
    assert fresh.headers["Location"] == taken.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(User)) == 2

    confirm, warning = sent_mail()
    assert confirm["To"] == "free@example.org"
    assert warning["To"] == "taken@example.org"
    assert "tried to register" in warning["Subject"]
    assert "/account/confirm/" not in text_of(warning)
    assert "/account/forgot" in text_of(warning)
    db.session.refresh(owner)
    assert passwords.verify_password(owner, DEFAULT_PASSWORD)  # the real owner's password is untouched


def test_a_failed_registration_keeps_what_was_typed_but_never_the_password(app_context, client):
    response = register(client, email="keep@example.org", name="Keep Me", password="password1")  # noqa: S106
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="keep@example.org"' in html and 'value="Keep Me"' in html
    assert "password1" not in html
    assert 'aria-invalid="true"' in html and 'id="password-error"' in html
    assert user_by_email("keep@example.org") is None


@pytest.mark.parametrize(
    ("password", "explanation"),
    [
        ("password", "common password"),
        ("12345678", "common password"),
        ("qwertyuiop", "common password"),
        ("samjones2024", "too easy to guess"),  # the person's own name
        ("weakling@example.org", "too easy to guess"),  # the person's own address
        ("aaaaaaaaaaaa", "Repeats"),
        ("short", "at least 8 characters"),
    ],
)
def test_weak_passwords_are_refused_with_an_explanation(app_context, client, password, explanation):
    response = register(client, email="weakling@example.org", name="Sam Jones", password=password)
    assert response.status_code == 200
    assert explanation.lower() in response.get_data(as_text=True).lower()
    assert user_by_email("weakling@example.org") is None


def test_no_composition_rules_and_long_passwords_work(app_context, client, sent_mail):
    long_password = (secrets.token_urlsafe(96) + "x" * 128)[:128]
    assert len(long_password) == 128
    assert register(client, email="long@example.org", password=long_password).status_code == 303
    client.post(path_of(link_in(sent_mail()[0], "/account/confirm/")))
    client.post("/account/sign-out")  # confirming signed him in; the password must work too
    assert sign_in(client, "long@example.org", long_password).status_code == 303
    # Lower-case words only, no digits or symbols: fine, since it is hard to guess.
    other = client.application.test_client()
    assert register(other, email="words@example.org", password=STRONG).status_code == 303
    assert user_by_email("words@example.org") is not None


def test_passwords_longer_than_the_maximum_are_refused_with_a_message(app_context, client):
    response = register(client, email="huge@example.org", password="x" * 1025)
    assert response.status_code == 200
    assert b"at most 1024 characters" in response.data
    assert user_by_email("huge@example.org") is None


def test_the_two_passwords_must_match(app_context, client):
    response = register(client, email="typo@example.org", password=STRONG, confirm=STRONG + "s")
    assert b"not the same" in response.data
    assert user_by_email("typo@example.org") is None


# --- signing in ----------------------------------------------------------------------------------


def test_sign_in_and_out(client, make_user):
    make_user("member@example.org")
    response = sign_in(client, "Member@Example.org ")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200 and b"member@example.org" in page.data
    assert page.headers["Cache-Control"] == "no-store"
    assert user_by_email("member@example.org").last_login_at is not None

    assert client.get("/account/sign-out").status_code == 405  # state changes are POST-only
    assert client.post("/account/sign-out").status_code == 303
    assert not signed_in(client)


def test_sign_in_failures_read_the_same_whatever_the_reason(client, make_user):
    make_user("confirmed@example.org")
    make_user("unconfirmed@example.org", confirmed=False)
    unknown = sign_in(client, "nobody@example.org", "whatever it is")
    wrong = sign_in(client, "confirmed@example.org", "not the password")
    wrong_unconfirmed = sign_in(client, "unconfirmed@example.org", "not the password")
    assert unknown.status_code == wrong.status_code == wrong_unconfirmed.status_code == 200
    assert form_error(unknown) == form_error(wrong) == form_error(wrong_unconfirmed)
    assert "couldn't sign you in" in form_error(unknown)
    for response in (unknown, wrong, wrong_unconfirmed):
        assert b"not the password" not in response.data and b"whatever it is" not in response.data
    assert not signed_in(client)


def test_an_unconfirmed_account_can_sign_in_and_ask_for_a_new_link(client, make_user, sent_mail):
    make_user("unconfirmed@example.org", confirmed=False)
    assert sign_in(client, "unconfirmed@example.org").status_code == 303
    page = client.get("/account")
    assert b"not confirmed" in page.data and b"Send the link again" in page.data

    assert client.post("/account/confirm/resend").status_code == 303
    (message,) = sent_mail()
    assert message["To"] == "unconfirmed@example.org"
    client.post(path_of(link_in(message, "/account/confirm/")))
    assert user_by_email("unconfirmed@example.org").is_confirmed
    assert b"not confirmed" not in client.get("/account").data


def test_an_unknown_address_costs_a_password_check_too(app, client, monkeypatch):
    """No account still means one argon2 verification, so timing does not tell who has one."""
    calls = []
    real = passwords.password_hasher

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def verify(self, hash_, password):
            calls.append(hash_)
            return self.inner.verify(hash_, password)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(passwords, "password_hasher", lambda: Counting(real()))
    assert sign_in(client, "nobody@example.org", "some password").status_code == 200
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_suspended_accounts_cannot_sign_in_and_are_signed_out(client, make_user):
    user = make_user("member@example.org")
    assert sign_in(client, "member@example.org").status_code == 303
    user.suspended_at = utcnow()
    user.suspension_reason = "spam"
    db.session.commit()
    assert not signed_in(client)

    response = sign_in(client, "member@example.org")
    assert response.status_code == 200
    assert "can't sign in at the moment" in form_error(response)
    assert b"spam" not in response.data and b"suspend" not in response.data.lower()
    # A wrong password for a suspended account reads like any other failure.
    assert form_error(sign_in(client, "member@example.org", "wrong")) == form_error(
        sign_in(client, "nobody@example.org", "wrong")
    )


def test_repeated_failures_pause_the_account_briefly(client, make_user):
    make_user("target@example.org")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            sign_in(client, "target@example.org", "guess")
        user = user_by_email("target@example.org")
        assert user.failed_logins == 5
        assert user.locked_until - utcnow() == timedelta(seconds=30)

        paused = sign_in(client, "target@example.org")  # even the right password waits
        assert paused.status_code == 200
        assert form_error(paused) == form_error(sign_in(client, "x@example.org", "y"))

        clock.shift(31)
        assert sign_in(client, "target@example.org").status_code == 303
    user = user_by_email("target@example.org")
    assert user.failed_logins == 0 and user.locked_until is None


def test_the_pause_grows_but_never_beyond_fifteen_minutes(app, client, make_user):
    assert [signin._delay_after(n) for n in range(1, 12)] == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]
    assert signin._delay_after(10_000) == 900
    make_user("target@example.org")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(12):
            sign_in(client, "target@example.org", "guess")
            clock.shift(16 * 60)  # wait out each pause, so every guess counts
        user = user_by_email("target@example.org")
        assert user.failed_logins == 12
        assert timedelta(0) < user.locked_until + timedelta(minutes=16) - utcnow() <= timedelta(minutes=15)


def test_remember_me_lasts_fourteen_days_at_most(client, make_user):
    make_user("member@example.org")
    plain = sign_in(client, "member@example.org")
    assert "remember_token" not in " ".join(plain.headers.getlist("Set-Cookie"))

    other = client.application.test_client()
    response = sign_in(other, "member@example.org", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    header = next(value for value in cookies if value.startswith("remember_token="))
    cookie = SimpleCookie(header)["remember_token"]
    expires = parsedate_to_datetime(cookie["expires"])
    now = datetime.now(UTC)
    assert timedelta(days=13, hours=23) < expires - now <= timedelta(days=14)
    assert cookie["httponly"] and cookie["samesite"].lower() == "lax"

    # The remember cookie alone signs in on a fresh browser session.
    fresh = client.application.test_client()
    copy_cookie(other, fresh, "remember_token")
    assert signed_in(fresh)


def test_an_admin_sign_in_is_written_to_the_audit_log(client, make_user):
    admin = make_user("admin@example.org", admin=True)
    make_user("member@example.org")
    sign_in(client, "admin@example.org")
    sign_in(client.application.test_client(), "member@example.org")
    events = db.session.scalars(select(ModerationEvent)).all()
    assert [(event.action, event.actor_id) for event in events] == [("admin_sign_in", admin.id)]


def test_a_changed_hash_cost_upgrades_the_stored_hash_at_sign_in(app, client, make_user):
    user = make_user("old@example.org")  # hashed with the cheapest parameters
    app.config["PASSWORD_HASH_CHEAP"] = False
    assert PasswordHasher().check_needs_rehash(user.password_hash)
    assert sign_in(client, "old@example.org").status_code == 303
    upgraded = user_by_email("old@example.org").password_hash
    assert not PasswordHasher().check_needs_rehash(upgraded)
    assert PasswordHasher().verify(upgraded, DEFAULT_PASSWORD)


def test_verify_password(app, make_user):
    user = make_user(password=STRONG)
    assert passwords.verify_password(user, STRONG)
    assert not passwords.verify_password(user, STRONG + " ")
    assert not passwords.verify_password(None, STRONG)
    user.password_hash = "not a hash"  # noqa: S105 - a broken stored value, not a secret
    assert not passwords.verify_password(user, STRONG)
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    assert cheap.verify(passwords.hash_password("x" * 200), "x" * 200)


# --- where sign-in sends you next --------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/account/password", "/my/listings?page=2", "/search?near=new%20york&kind=group",
     "/a?next=%2F%2Fevil.example"],
)
def test_next_goes_to_a_path_on_this_site(client, make_user, target):
    make_user("member@example.org")
    response = sign_in(client, "member@example.org", next_url=target)
    assert response.headers["Location"] == target


def test_login_required_pages_come_back_after_sign_in(client, make_user):
    make_user("member@example.org")
    response = client.get("/account/email")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/account/sign-in"
    page = client.get(response.headers["Location"])
    assert b'action="/account/sign-in?next=/account/email"' in page.data  # the form keeps the next page
    signed = client.post(response.headers["Location"], data={"email": "member@example.org",
                                                              "password": DEFAULT_PASSWORD})
    assert signed.headers["Location"] == "/account/email"


@pytest.mark.corpus
def test_no_open_redirect_after_sign_in(app, make_user):
    """Every payload of the open-redirect corpus: after signing in, the browser stays on this site."""
    make_user("member@example.org")
    payloads = corpus_lines("payloadsallthethings", "open_redirect", "Open-Redirect-payloads.txt")
    assert len(payloads) > 100
    escaped = []
    for payload in payloads:
        client = app.test_client()
        response = sign_in(client, "member@example.org", next_url=payload)
        assert response.status_code == 303, payload
        location = urlsplit(response.headers["Location"])
        if location.scheme or location.netloc or not location.path.startswith("/") \
                or location.path.startswith("//") or "\\" in response.headers["Location"]:
            escaped.append(payload)
    assert escaped == []


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
     "javascript:alert(1)", "/%2f%2fevil.example", "/%252f%252fevil.example", "/\t/evil.example",
     "/%09/evil.example", " /account", "/account\n", "http:/evil.example", "/ﬀ", "", None, "account"],
)
def test_safe_next_refuses_anything_but_a_local_path(target):
    assert safe_next(target) is None


# --- forgotten password --------------------------------------------------------------------------


def test_forgotten_password_answers_the_same_for_any_address(client, make_user, sent_mail):
    make_user("member@example.org")
    known = client.post("/account/forgot", data={"email": "Member@example.org"})
    unknown = client.post("/account/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert client.get(known.headers["Location"]).status_code == 200

    real, neutral = sent_mail()
    assert real["To"] == "member@example.org"
    link_in(real, "/account/reset/")
    assert neutral["To"] == "nobody@example.org"
    assert "no account uses this address" in text_of(neutral)
    assert "/account/reset/" not in text_of(neutral)


def test_a_reset_link_works_once_and_ends_every_other_session(client, make_user, sent_mail):
    make_user("member@example.org")
    elsewhere = client.application.test_client()
    sign_in(elsewhere, "member@example.org")
    assert signed_in(elsewhere)

    client.post("/account/forgot", data={"email": "member@example.org"})
    link = path_of(link_in(sent_mail()[0], "/account/reset/"))
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "password", "confirm": "password"})
    assert weak.status_code == 200 and b"too easy to guess" in weak.data

    done = client.post(link, data={"password": OTHER_STRONG, "confirm": OTHER_STRONG})
    assert done.status_code == 303 and done.headers["Location"] == "/account"
    assert signed_in(client)
    assert not signed_in(elsewhere)
    assert "password was changed" in sent_mail()[-1]["Subject"]

    again = client.post(link, data={"password": STRONG, "confirm": STRONG})
    assert again.status_code == 400 and b"already been used" in again.data
    user = user_by_email("member@example.org")
    assert passwords.verify_password(user, OTHER_STRONG)
    assert not passwords.verify_password(user, DEFAULT_PASSWORD)


def test_a_reset_link_expires_after_an_hour(client, make_user, sent_mail):
    make_user("member@example.org")
    client.post("/account/forgot", data={"email": "member@example.org"})
    link = path_of(link_in(sent_mail()[0], "/account/reset/"))
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=59)):
        assert client.get(link).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=61)):
        response = client.post(link, data={"password": OTHER_STRONG, "confirm": OTHER_STRONG})
    assert response.status_code == 400 and b"expired" in response.data
    assert passwords.verify_password(user_by_email("member@example.org"), DEFAULT_PASSWORD)


def test_a_reset_lifts_the_pause_and_confirms_the_address(client, make_user, sent_mail):
    make_user("member@example.org", confirmed=False)
    for _ in range(6):
        sign_in(client, "member@example.org", "guess")
    assert user_by_email("member@example.org").locked_until is not None
    client.post("/account/forgot", data={"email": "member@example.org"})
    link = path_of(link_in(sent_mail()[0], "/account/reset/"))
    client.post(link, data={"password": OTHER_STRONG, "confirm": OTHER_STRONG})
    user = user_by_email("member@example.org")
    assert user.failed_logins == 0 and user.locked_until is None and user.is_confirmed
    fresh = client.application.test_client()
    assert sign_in(fresh, "member@example.org", OTHER_STRONG).status_code == 303


# --- changing the password, and sessions ---------------------------------------------------------


def test_changing_the_password_ends_a_copied_session(client, make_user, sent_mail):
    make_user("member@example.org")
    sign_in(client, "member@example.org")
    thief = client.application.test_client()
    copy_cookie(client, thief, "session")
    assert signed_in(thief)

    wrong = client.post("/account/password", data={"current_password": "nope", "password": OTHER_STRONG,
                                                    "confirm": OTHER_STRONG})
    assert wrong.status_code == 200 and b"not your current password" in wrong.data
    assert signed_in(thief)

    response = client.post("/account/password", data={"current_password": DEFAULT_PASSWORD,
                                                       "password": OTHER_STRONG, "confirm": OTHER_STRONG})
    assert response.status_code == 303
    assert signed_in(client)
    assert not signed_in(thief)
    (notice,) = sent_mail()
    assert notice["To"] == "member@example.org" and "/account/forgot" in text_of(notice)
    fresh = client.application.test_client()
    assert sign_in(fresh, "member@example.org", DEFAULT_PASSWORD).status_code == 200
    assert sign_in(fresh, "member@example.org", OTHER_STRONG).status_code == 303


def test_changing_the_password_ends_old_remember_cookies_but_keeps_mine(client, make_user):
    make_user("member@example.org")
    sign_in(client, "member@example.org", remember=True)
    old_remember = client.get_cookie("remember_token").value
    client.post("/account/password", data={"current_password": DEFAULT_PASSWORD,
                                           "password": OTHER_STRONG, "confirm": OTHER_STRONG})
    stolen = client.application.test_client()
    stolen.set_cookie("remember_token", old_remember)
    assert not signed_in(stolen)

    mine = client.application.test_client()
    copy_cookie(client, mine, "remember_token")  # the cookie refreshed by the change
    assert client.get_cookie("remember_token").value != old_remember
    assert signed_in(mine)


def test_sign_out_everywhere(client, make_user):
    make_user("member@example.org")
    sign_in(client, "member@example.org", remember=True)
    other = client.application.test_client()
    sign_in(other, "member@example.org", remember=True)
    remembered = client.application.test_client()
    copy_cookie(other, remembered, "remember_token")

    assert client.get("/account/sign-out-everywhere").status_code == 405
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/account/sign-in"
    assert not signed_in(client) and not signed_in(other) and not signed_in(remembered)
    assert sign_in(client, "member@example.org").status_code == 303  # the password still works


def test_sign_out_removes_the_remember_cookie(client, make_user):
    make_user("member@example.org")
    sign_in(client, "member@example.org", remember=True)
    assert client.get_cookie("remember_token") is not None
    client.post("/account/sign-out")
    assert client.get_cookie("remember_token") is None
    assert not signed_in(client)


# --- changing the e-mail address -----------------------------------------------------------------


def test_changing_the_email_address(client, make_user, sent_mail):
    make_user("old@example.org")
    sign_in(client, "old@example.org")
    wrong = client.post("/account/email", data={"new_email": "new@example.org", "current_password": "nope"})
    assert wrong.status_code == 200 and b"not your current password" in wrong.data
    assert b'value="new@example.org"' in wrong.data

    response = client.post("/account/email", data={"new_email": "New@example.org",
                                                    "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    (request_mail,) = sent_mail()
    assert request_mail["To"] == "new@example.org"
    link = path_of(link_in(request_mail, "/account/email/confirm/"))
    assert user_by_email("old@example.org") is not None  # nothing changes before the link is opened

    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 303
    assert user_by_email("old@example.org") is None
    assert user_by_email("new@example.org").is_confirmed
    notice = sent_mail()[-1]
    assert notice["To"] == "old@example.org"
    assert "n***@example.org" in text_of(notice)
    assert client.post(link).status_code == 400  # once only
    assert sign_in(client.application.test_client(), "new@example.org").status_code == 303


def test_changing_to_a_taken_address_tells_nothing_and_warns_its_owner(client, make_user, sent_mail):
    make_user("me@example.org")
    make_user("taken@example.org")
    sign_in(client, "me@example.org")
    taken = client.post("/account/email", data={"new_email": "taken@example.org",
                                                 "current_password": DEFAULT_PASSWORD}, follow_redirects=True)
    free = client.post("/account/email", data={"new_email": "free@example.org",
                                                "current_password": DEFAULT_PASSWORD}, follow_redirects=True)
    assert b"We sent a link to taken@example.org" in taken.data
    assert b"We sent a link to free@example.org" in free.data
    warning, confirm = sent_mail()
    assert warning["To"] == "taken@example.org" and "/account/email/confirm/" not in text_of(warning)
    assert confirm["To"] == "free@example.org"


def test_an_email_change_link_fails_when_the_address_was_taken_meanwhile(client, make_user, sent_mail):
    make_user("me@example.org")
    sign_in(client, "me@example.org")
    client.post("/account/email", data={"new_email": "wanted@example.org",
                                        "current_password": DEFAULT_PASSWORD})
    link = path_of(link_in(sent_mail()[0], "/account/email/confirm/"))
    make_user("wanted@example.org")
    response = client.post(link)
    assert response.status_code == 400 and b"Another account uses that e-mail address" in response.data
    assert user_by_email("me@example.org") is not None


# --- my data and deleting the account ----------------------------------------------------------


@pytest.fixture
def owner_with_history(make_user, make_listing):
    """An owner with a published group, a pending edit, a rejection on record and two messages held."""
    owner = make_user("owner@example.org", display_name="Owner Name")
    admin = make_user("admin@example.org", admin=True)
    listing = make_listing(owner, name="Tuesday Fathers", phone="555-0100", contact_email="group@example.org")
    other = make_listing(make_user("someone@example.org"), name="Not mine")
    data = snapshot(listing)
    data["summary"] = "An edit waiting for review."
    db.session.add(Revision(listing_id=listing.id, author_id=owner.id, data=data))
    db.session.add(ModerationEvent(action="reject", actor_id=admin.id, listing_id=listing.id,
                                   reason="Please add a meeting place."))
    db.session.add(ModerationEvent(action="approve", actor_id=admin.id, listing_id=other.id, reason="fine"))
    for number in range(2):
        db.session.add(ContactMessage(listing_id=listing.id, sender_name="Visitor", message=f"Hello {number}",
                                      sender_email="visitor@example.org"))
    listing.contact_count = 5
    db.session.commit()
    return owner, listing, other


def test_my_data_downloads_everything_about_me_as_json(client, owner_with_history):
    owner, listing, other = owner_with_history
    sign_in(client, "owner@example.org")
    response = client.get("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)

    assert data["account"]["email"] == "owner@example.org"
    assert data["account"]["display_name"] == "Owner Name"
    assert data["account"]["confirmed_at"].endswith("Z")
    assert "password" not in json.dumps(data["account"])
    assert owner.password_hash not in response.get_data(True)

    (mine,) = data["listings"]
    assert mine["id"] == listing.id and mine["content"]["name"] == "Tuesday Fathers"
    assert mine["content"]["contact_email"] == "group@example.org"
    assert mine["content"]["meetings"][0]["start_time"] == "19:00"
    assert mine["contact_messages"] == {"relayed_in_total": 5, "held_now": 2}

    (revision,) = data["revisions"]
    assert revision["proposed"]["summary"] == "An edit waiting for review."
    assert [(event["action"], event["reason"]) for event in data["moderation_events"]] == [
        ("reject", "Please add a meeting place.")
    ]
    assert "Not mine" not in response.get_data(True)
    assert "admin@example.org" not in response.get_data(True)


def test_deleting_the_account(client, owner_with_history, sent_mail):
    owner, listing, other = owner_with_history
    owner_id, listing_id = owner.id, listing.id
    sign_in(client, "owner@example.org")
    assert client.get("/account/delete").status_code == 200

    wrong = client.post("/account/delete", data={"current_password": "nope"})
    assert wrong.status_code == 200 and b"not your current password" in wrong.data
    assert user_by_email("owner@example.org") is not None

    response = client.post("/account/delete", data={"current_password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    assert not signed_in(client)
    db.session.expire_all()
    assert db.session.get(User, owner_id) is None
    withdrawn = db.session.get(type(listing), listing_id)
    assert withdrawn.status == "withdrawn" and withdrawn.owner_id is None
    assert withdrawn.contact_email == "" and withdrawn.phone == ""
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 0
    assert db.session.scalar(select(func.count()).select_from(ContactMessage)) == 0
    deleted = db.session.scalars(
        select(ModerationEvent).where(ModerationEvent.action == "account_deleted")
    ).all()
    assert [(event.actor_id, event.reason, event.target_user_id, event.listing_id) for event in deleted] == [
        (None, "", None, None)
    ]
    # The listing left through moderation's state machine, with its audit row (whose actor is now gone).
    withdrawals = db.session.scalars(select(ModerationEvent).where(ModerationEvent.action == "withdraw"))
    assert [(event.listing_id, event.actor_id, event.reason) for event in withdrawals] == [
        (listing_id, None, "via account deletion")
    ]
    # The rest of the audit log stays, and other people's listings are untouched.
    assert db.session.scalar(select(func.count()).select_from(ModerationEvent)) == 4
    assert db.session.get(type(other), other.id).status == "published"
    assert sent_mail()[-1]["To"] == "owner@example.org"
    assert sign_in(client, "owner@example.org").status_code == 200


# --- pages and forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/account", "/account/password", "/account/email", "/account/data", "/account/delete"],
)
def test_account_pages_need_a_signed_in_user(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account/sign-in"


@pytest.mark.parametrize(
    "path",
    ["/account/register", "/account/sign-in", "/account/forgot", "/account/register/check-your-email",
     "/account/forgot/sent"],
)
def test_public_account_pages_render_and_are_never_cached(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert b'<meta name="robots" content="noindex">' in response.data


def test_the_account_overview_offers_every_action(client, make_user):
    make_user("member@example.org", display_name="Sam")
    sign_in(client, "member@example.org")
    html = client.get("/account").get_data(as_text=True)
    for needed in ("Sam", "member@example.org", "confirmed", 'action="/account/sign-out-everywhere"',
                   'href="/account/password"', 'href="/account/email"', 'href="/account/data"',
                   'href="/account/delete"', "14 days"):
        assert needed in html


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_posts_without_a_csrf_token_are_refused(client, make_user):
    make_user("member@example.org")
    response = sign_in(client, "member@example.org")
    assert response.status_code == 400
    assert not signed_in(client)

    page = client.get("/account/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed = client.post("/account/sign-in", data={"email": "member@example.org",
                                                    "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert signed.status_code == 303
    assert client.post("/account/sign-out").status_code == 400  # no token: still signed in
    assert signed_in(client)
