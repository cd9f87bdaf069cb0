"""The open-redirect list against every redirect that takes a target: the visitor never leaves the site.

Redirects that take a target (found with `grep -rn 'request.args.get("next")\\|redirect(' directory`):
sign-in (`next`, when already signed in and after signing in), the admin second factor (set-up and
check, `next`), the sign-in page Flask-Login sends visitors to (it carries the page they wanted), and
the search page's short-URL redirect (it rebuilds the URL from what was typed). Every other
`redirect()` in the views goes to a `url_for()` of a fixed endpoint.

A Location stays on the site when, read the way a browser reads it (tabs and newlines dropped,
backslashes as slashes, edges trimmed), it has no scheme and no host and its path starts with exactly
one "/". A `next` carried on inside a Location must pass the same test.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from directory.urls import safe_next
from tests.factories import DEFAULT_PASSWORD

from .helpers import describe
from .markup import urls
from .payloads import open_redirects, tally

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

TOTP_SECRET = pyotp.random_base32()
_DROPPED = re.compile(r"[\t\n\r]")


def as_browser_reads(location: str) -> str:
    """WHATWG URL parsing in short: edges trimmed of controls and spaces, tabs/newlines gone, \\ is /."""
    return _DROPPED.sub("", location.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                           "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
                                           )).replace("\\", "/")


def is_local(location: str) -> bool:
    parts = urlsplit(as_browser_reads(location))
    return not (parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"))


def stays_on_site(location: str | None) -> bool:
    """The Location is local, and so is the `next` it hands on (the page it names redirects there)."""
    if location is None:
        return True
    handed_on = parse_qs(urlsplit(as_browser_reads(location)).query).get("next", [])
    return is_local(location) and all(is_local(value) for value in handed_on)


def test_the_check_itself():
    for escaping in ("//evil.example", "https://evil.example", "/\\evil.example", "\t//evil.example",
                     "/\t/evil.example", "javascript:alert(1)", " //evil.example",
                     "/account?next=//evil.example"):
        assert not stays_on_site(escaping), escaping
    for local in ("/", "/account", "/search?q=a%2F%2Fb", "/account/sign-in?next=/my/listings"):
        assert stays_on_site(local), local


def test_safe_next_never_returns_a_way_off_the_site(record_property):
    escaped = [(payload, safe_next(payload)) for payload in open_redirects()
               if safe_next(payload) is not None and not stays_on_site(safe_next(payload))]
    tally("open redirect: safe_next()", record_property, payloads=len(open_redirects()))
    assert escaped == []


def test_sign_in_next(app, owner, record_property):
    """Signed in already (a redirect at once), signing in (after the form), and the form's own action."""
    signed_in = app.test_client()
    signed_in.sign_in(owner)
    failures = []
    for payload in open_redirects():
        at_once = signed_in.get("/account/sign-in", query_string={"next": payload})
        if at_once.status_code != 302 or not stays_on_site(at_once.headers.get("Location")):
            failures.append((payload, f"signed in: {at_once.status_code} {at_once.headers.get('Location')}"))

        visitor = app.test_client()
        form = visitor.get("/account/sign-in", query_string={"next": payload})
        actions = [value for tag, attribute, value in urls(form.get_data(as_text=True))
                   if tag == "form" and attribute == "action"]
        if form.status_code != 200 or not all(stays_on_site(action) for action in actions):
            failures.append((payload, f"sign-in form action {actions}"))

        after = visitor.post("/account/sign-in", query_string={"next": payload},
                             data={"email": owner.email, "password": DEFAULT_PASSWORD})
        if after.status_code != 303 or not stays_on_site(after.headers.get("Location")):
            failures.append((payload, f"after sign-in: {after.status_code} {after.headers.get('Location')}"))
    tally("open redirect: sign-in next (signed in, form action, after signing in)", record_property,
          payloads=len(open_redirects()), requests=4 * len(open_redirects()))
    assert not failures, describe(failures)


def test_admin_second_factor_next(app, admin_client, admin, record_property):
    failures = []
    for payload in open_redirects():
        # A fresh set-up each time; the code of this 30 seconds is accepted once per set-up, never again.
        admin.totp_secret, admin.totp_last_step = None, None
        from directory.extensions import db

        db.session.commit()
        setup = admin_client.get("/admin/2fa/setup", query_string={"next": payload})
        if setup.status_code != 200:
            failures.append((payload, f"set-up page {setup.status_code}"))
        admin.totp_secret = TOTP_SECRET
        db.session.commit()
        to_check = admin_client.get("/admin/2fa/setup", query_string={"next": payload})
        if to_check.status_code != 302 or not stays_on_site(to_check.headers.get("Location")):
            failures.append((payload, f"set-up to check: {to_check.headers.get('Location')}"))
        checked = admin_client.post("/admin/2fa", query_string={"next": payload},
                                    data={"code": pyotp.TOTP(TOTP_SECRET).now()})
        if checked.status_code != 302 or not stays_on_site(checked.headers.get("Location")):
            failures.append((payload, f"after the code: {checked.headers.get('Location')}"))
    tally("open redirect: admin second factor next", record_property, payloads=len(open_redirects()),
          requests=3 * len(open_redirects()))
    assert not failures, describe(failures)


def test_pages_that_send_visitors_elsewhere(visitor, record_property):
    """The sign-in redirect of a members' page (it carries the page asked for) and the search short URL."""
    failures = []
    for payload in open_redirects():
        members = visitor.get("/my/listings", query_string={"next": payload})
        if members.status_code != 302 or not stays_on_site(members.headers.get("Location")):
            failures.append((payload, f"members' page: {members.headers.get('Location')}"))
        short = visitor.get("/search", query_string={"near": payload, "q": " ", "next": payload})
        if short.status_code == 302 and not stays_on_site(short.headers.get("Location")):
            failures.append((payload, f"search short URL: {short.headers.get('Location')}"))
        elif short.status_code not in (200, 302, 400):
            failures.append((payload, f"search: {short.status_code}"))
    tally("open redirect: sign-in redirect of members' pages, search short URL", record_property,
          payloads=len(open_redirects()), requests=2 * len(open_redirects()))
    assert not failures, describe(failures)
