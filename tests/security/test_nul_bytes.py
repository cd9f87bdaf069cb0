"""NUL and other control characters in every field, parameter and path: PostgreSQL refuses NUL in text,
so a NUL that reaches a query is a 500 there unless the site stops it first. None of the corpora holds
one, so they are sent here on purpose, through every form and into every place a value is looked up.
"""

from __future__ import annotations

import time

import pytest
import time_machine
from sqlalchemy import select

from directory.accounts.models import User
from directory.contact import services as contact_services
from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation.models import REPORT_OPEN, Report
from tests.factories import DEFAULT_PASSWORD, make_listing, make_topic, make_user

from .helpers import row_counts
from .test_overlong import message_next_to, owner_base

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

STRONG = "vole quartz lantern 83"  # noqa: S105 - a test account's password
# Fields whose refusal is said above the form (or not at all), never next to them.
SILENT_FIELDS = ("password", "current_password", "code")
NULS = ["\x00", "Sam\x00", "a\x00b@example.org", "We meet\x00 on Tuesdays", "\x01\x1f\x7f"]


@pytest.fixture
def world(app, owner, admin):
    make_topic("grief")
    listing = make_listing(make_user("listing-owner@example.org"), contact_email="organiser@example.org")
    pending = make_listing(make_user("pending-owner@example.org"), status="pending")
    report = Report(listing_id=listing.id, reason="other", message="It moved.", status=REPORT_OPEN)
    member = make_user("member@example.org")
    db.session.add(report)
    db.session.commit()
    with time_machine.travel(time.time() - 60, tick=False):
        token = contact_services.form_token(listing.slug)
    return {"listing": listing, "pending": pending, "report": report, "member": member, "token": token}


def forms(world) -> dict[str, tuple[str, str, dict, tuple[str, ...]]]:
    """name -> (client, path, valid data, the text fields that get the control characters)."""
    listing, report = world["listing"], world["report"]
    prefix = f"report-{report.id}-"
    group = owner_base()
    mentor = owner_base(meets_video="y", experience="Years.", availability="Evenings")
    return {
        "register": ("visitor", "/account/register",
                     {"display_name": "Sam", "email": "new@example.org", "password": STRONG,
                      "confirm": STRONG},
                     ("display_name", "email", "password")),
        "sign in": ("visitor", "/account/sign-in",
                    {"email": "owner@example.org", "password": DEFAULT_PASSWORD},
                    ("email", "password")),
        "forgot": ("visitor", "/account/forgot", {"email": "owner@example.org"}, ("email",)),
        "change e-mail": ("owner", "/account/email",
                          {"new_email": "new@example.org", "current_password": DEFAULT_PASSWORD},
                          ("new_email", "current_password")),
        "listing (group)": ("owner", "/my/listings/new?kind=group", group,
                            ("name", "summary", "description", "cost_details", "website", "phone",
                             "contact_email", "online_url", "location", "address_line", "meetings-0-notes",
                             "meetings-0-start_time", "time_zone")),
        "listing (mentor)": ("owner", "/my/listings/new?kind=mentor", mentor, ("experience", "availability")),
        "contact": ("visitor", f"/listings/{listing.slug}/contact",
                    {"name": "Sam", "email": "sam@example.org", "message": "Hello",
                     "started": world["token"]},
                    ("name", "email", "message", "how_to_reach")),
        "report": ("visitor", f"/listings/{listing.slug}/report", {"reason": "other"}, ("message", "email")),
        "review note": ("admin", f"/admin/listings/{world['pending'].id}/decide",
                        {"request_changes": "Request changes", "note": "Fix it"}, ("note",)),
        "unpublish note": ("admin", f"/admin/listings/{listing.id}/unpublish",
                           {"unpublish": "Unpublish", "note": "Gone"}, ("note",)),
        "report note": ("admin", f"/admin/reports/{report.id}/resolve",
                        {prefix + "dismiss": "Dismiss", prefix + "note": "Fine"}, (prefix + "note",)),
        "suspend reason": ("admin", f"/admin/users/{world['member'].id}/suspend", {"reason": "Spam"},
                           ("reason",)),
        "second factor": ("admin", "/admin/2fa", {"code": "123456"}, ("code",)),
    }


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
@pytest.mark.parametrize("text", NULS, ids=["nul", "name-nul", "email-nul", "sentence-nul", "controls"])
def test_every_form_field(world, text, request):
    """Each field on its own, the rest of the form valid, so the value meets every check and service
    behind it: a message next to the field, or the value kept; never a 500."""
    clients = {name: request.getfixturevalue(fixture) for name, fixture in
               (("visitor", "visitor"), ("owner", "owner_client"), ("admin", "admin_client"))}
    failures = []
    for name, (who, path, data, fields) in forms(world).items():
        for field in fields:
            response = clients[who].post(path, data={**data, field: text})
            if response.status_code >= 500:
                failures.append((name, field, response.status_code))
            elif (response.status_code in (200, 400, 422) and field not in SILENT_FIELDS and name != "sign in"
                  and not message_next_to(response.get_data(as_text=True), field)):
                failures.append((name, field, "refused without a message next to the field"))
            db.session.rollback()
            _put_back(world)
    assert failures == [], failures
    # Whatever was kept holds no NUL (PostgreSQL could not have stored it; SQLite must not either).
    for column in (Listing.name, Listing.description, Listing.summary, Report.message, User.display_name):
        kept = [value for value in db.session.scalars(select(column)) if "\x00" in (value or "")]
        assert not kept, (str(column), kept)


def _put_back(world) -> None:
    from sqlalchemy import update

    db.session.execute(update(Listing).where(Listing.id == world["pending"].id).values(status="pending"))
    db.session.execute(update(Listing).where(Listing.id == world["listing"].id).values(status="published"))
    db.session.execute(update(Report).where(Report.id == world["report"].id).values(status=REPORT_OPEN))
    db.session.execute(update(User).where(User.id == world["member"].id).values(suspended_at=None))
    db.session.commit()


@pytest.mark.parametrize("text", NULS, ids=["nul", "name-nul", "email-nul", "sentence-nul", "controls"])
def test_every_lookup_by_a_typed_value(world, visitor, admin_client, text):
    """Query parameters and path parts that are looked up in the database."""
    before = row_counts()
    slug = text.replace("\x00", "%00").replace("\x01", "%01").replace("\x1f", "%1F").replace("\x7f", "%7F")
    gets = [
        (visitor, "/search", dict.fromkeys(("near", "q", "topic", "audience", "language", "tz"), text)),
        (visitor, "/api/v1/listings", dict.fromkeys(("near", "q", "topic", "audience", "language"), text)),
        (visitor, f"/listings/{world['listing'].slug}", {"tz": text}),
        (admin_client, "/admin/audit", {"listing": text, "actor": text, "action": text}),
        (admin_client, "/admin/users", {"q": text, "filter": text}),
        (visitor, "/account/sign-in", {"next": text}),
    ]
    for path in (f"/listings/{slug}", f"/listings/{slug}.ics", f"/listings/{slug}/contact",
                 f"/listings/{slug}/report", f"/listings/{slug}/report/thanks", f"/api/v1/listings/{slug}",
                 f"/areas/us/{slug}/", f"/areas/us/ny/{slug}/", f"/still-meeting/{slug}",
                 f"/account/confirm/{slug}", f"/account/reset/{slug}", f"/account/email/confirm/{slug}"):
        gets.append((visitor, path, {}))
    failures = [(path, client.get(path, query_string=args).status_code) for client, path, args in gets]
    errors = [(path, status) for path, status in failures if status >= 500]
    assert errors == [], errors
    assert row_counts() == before
