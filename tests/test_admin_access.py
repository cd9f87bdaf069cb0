"""Every /admin route, found in the URL map, refuses anonymous visitors and ordinary users.

And the optional second factor: with ADMIN_REQUIRE_2FA on, an admin sets up a TOTP and enters a code
once per session before any admin page opens.
"""

from __future__ import annotations

import re

import pyotp
import pytest

from directory.extensions import db
from directory.interop.sources.models import Claim, Source
from directory.moderation.access import TWO_FACTOR_SESSION_KEY
from directory.moderation.models import ModerationEvent, Report, Revision
from directory.outbox import FAILED, OutboxMessage

METHODS = ("GET", "POST")


def admin_rules(app) -> list[tuple[str, str]]:
    """(method, rule) for every route under /admin, whoever wrote it."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            for method in sorted(rule.methods & set(METHODS)):
                found.append((method, rule.rule))
    return found


@pytest.fixture
def world(make_user, make_listing):
    """One of everything an admin URL can point at; every id in the rules resolves to a real row."""
    owner = make_user("owner@example.org")
    listing = make_listing(owner)
    revision = Revision(listing_id=listing.id, author_id=owner.id, data={"name": "x"}, status="pending",
                        note="")
    report = Report(listing_id=listing.id, reason="other", message="", email="", status="open")
    # A private address: refused before any request is made (the sweep never touches the network).
    source = Source(name="Feed", url="http://127.0.0.1:9/feed.json", format="meeting-guide", last_error="",
                    last_summary="")
    claim = Claim(listing_id=listing.id, user_id=owner.id, message="Mine")
    mail = OutboxMessage(message_id="<given-up@example.org>", recipient="owner@example.org",
                         template="accounts/deleted", raw=b"", status=FAILED, last_error="TimeoutError")
    db.session.add_all([revision, report, source, claim, mail])
    db.session.commit()
    return {"listing_id": listing.id, "revision_id": revision.id, "report_id": report.id, "user_id": owner.id,
            "source_id": source.id, "claim_id": claim.id, "mail_id": mail.id}


def fill(rule: str, values: dict[str, int]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        return str(values[name])

    return re.sub(r"<([^>]+)>", replace, rule)


def test_there_are_admin_routes_to_sweep(app):
    rules = {rule for _method, rule in admin_rules(app)}
    assert {"/admin/", "/admin/reports", "/admin/users", "/admin/audit"} <= rules


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(app, client, world):
    has_sign_in = "accounts.sign_in" in app.view_functions
    for method, rule in admin_rules(app):
        response = client.open(fill(rule, world), method=method)
        if has_sign_in:
            assert response.status_code == 302, (method, rule)
            assert "/admin" not in response.headers["Location"].split("?")[0], (method, rule)
        else:
            assert response.status_code == 401, (method, rule)
    assert db.session.query(ModerationEvent).count() == 0


def test_ordinary_users_get_403_everywhere(app, client, world, make_user):
    client.sign_in(make_user("member@example.org"))
    for method, rule in admin_rules(app):
        response = client.open(fill(rule, world), method=method, data={"approve": "Approve"})
        assert response.status_code == 403, (method, rule)
    assert db.session.query(ModerationEvent).count() == 0


def test_admins_open_every_admin_page(app, client, world, make_user):
    client.sign_in(make_user("admin@example.org", admin=True))
    for method, rule in admin_rules(app):
        if method != "GET":
            continue
        response = client.get(fill(rule, world))
        # The second-factor pages send an admin without 2FA configured onwards; all else renders.
        assert response.status_code in (200, 302), (rule, response.status_code)
        if response.status_code == 200:
            assert b"<h1" in response.data, rule


def test_admin_posts_are_not_blocked_for_admins(app, client, world, make_user):
    """A POST without a decision re-renders with an error (400), never a 403 or a 500."""
    client.sign_in(make_user("admin@example.org", admin=True))
    for method, rule in admin_rules(app):
        if method != "POST" or "2fa" in rule:
            continue
        response = client.post(fill(rule, world), data={})
        assert response.status_code in (302, 400), (rule, response.status_code)


def test_a_suspended_admin_is_locked_out(app, client, make_user):
    admin = make_user(admin=True)
    client.sign_in(admin)
    admin.suspended_at = admin.created_at
    db.session.commit()
    response = client.get("/admin/")
    assert response.status_code in (302, 401)


def test_admin_nav_names_each_kind_and_leads_to_where_it_waits(app, client, make_user, make_listing):
    from directory.moderation.models import Report

    owner = make_user()
    listing = make_listing(owner, status="published")
    for number in range(2):
        db.session.add(Report(listing_id=listing.id, reason="closed", message=f"Gone {number}."))
    db.session.commit()
    client.sign_in(make_user(admin=True))
    assert 'href="/admin/reports">Admin (2 reports waiting)' in client.get("/").get_data(as_text=True)
    make_listing(owner, status="pending")
    assert 'href="/admin/">Admin (1 listing, 2 reports waiting)' in client.get("/").get_data(as_text=True)


def test_admin_nav_shows_counts_to_admins_only(app, client, make_user, make_listing):
    make_listing(make_user(), status="pending")
    client.sign_in(make_user(admin=True))
    page = client.get("/admin/").get_data(as_text=True)
    assert 'aria-label="1 waiting"' in page
    assert 'href="/admin/">Admin (1 listing waiting)' in client.get("/").get_data(as_text=True)
    member = app.test_client()
    member.sign_in(make_user())
    assert "waiting" not in member.get("/").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------- second factor


@pytest.mark.config(ADMIN_REQUIRE_2FA=True)
def test_admin_without_totp_is_sent_to_set_it_up_then_gets_in(app, client, make_user):
    admin = make_user("admin@example.org", admin=True)
    client.sign_in(admin)
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/admin/2fa/setup" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "otpauth://totp/" in page

    wrong = client.post("/admin/2fa/setup?next=/admin/users", data={"code": "000000"})
    assert wrong.status_code == 200 and "did not match" in wrong.get_data(as_text=True)

    right = client.post("/admin/2fa/setup?next=/admin/users", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302 and right.headers["Location"].endswith("/admin/users")
    db.session.refresh(admin)
    assert admin.totp_secret == secret
    assert client.get("/admin/users").status_code == 200
    assert db.session.query(ModerationEvent).filter_by(action="two_factor_enabled").count() == 1


@pytest.mark.config(ADMIN_REQUIRE_2FA=True)
def test_admin_with_totp_enters_a_code_once_per_session(app, client, make_user):
    secret = pyotp.random_base32()
    admin = make_user("admin@example.org", admin=True, totp_secret=secret)
    client.sign_in(admin)
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/admin/2fa?" in response.headers["Location"]
    assert client.post("/admin/2fa?next=/admin/audit", data={"code": "12345x"}).status_code == 200
    done = client.post("/admin/2fa?next=//evil.example/", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/")  # bad next ignored
    assert client.get("/admin/audit").status_code == 200

    # A new session (another browser) asks again.
    other = app.test_client()
    other.sign_in(admin)
    assert other.get("/admin/audit").status_code == 302


@pytest.mark.config(ADMIN_REQUIRE_2FA=True)
def test_a_second_factor_pass_belongs_to_one_account_and_session_version(app, client, make_user):
    admin = make_user(admin=True, totp_secret=pyotp.random_base32())
    client.sign_in(admin)
    with client.session_transaction() as session:
        session[TWO_FACTOR_SESSION_KEY] = "999:1"
    assert client.get("/admin/").status_code == 302


@pytest.mark.config(ADMIN_REQUIRE_2FA=True)
def test_members_never_see_the_second_factor_pages(client, make_user):
    client.sign_in(make_user())
    assert client.get("/admin/2fa/setup").status_code == 403
    assert client.get("/admin/2fa").status_code == 403
