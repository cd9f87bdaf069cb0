"""The template-injection list: typed into every field the site shows back, never evaluated.

`{{7*7}}` must come back as `{{7*7}}` (HTML-escaped where it is HTML), never as 49: each payload is
looked for, exactly as it was typed (after the documented clean-up: trimming, whitespace collapsed in
a display name, addresses broken up in relayed mail), on the page or in the mail that shows it.
"""

from __future__ import annotations

import email
import time
from email import policy

import pytest
import time_machine
from markupsafe import escape
from sqlalchemy import select

from directory.accounts.models import User
from directory.contact import services as contact_services
from directory.contact.forms import clean_message
from directory.extensions import db
from directory.listings.models import Listing
from tests.factories import make_listing, make_topic

from .helpers import clear_mail, describe
from .payloads import tally, template_injection

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

STRONG_PASSWORD = "vole quartz lantern 83"  # noqa: S105 - a test account's password


def appears(html: str, text: str) -> bool:
    return str(escape(text)) in html


def read_mail(folder) -> list:
    files = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns) if folder.exists() else []
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]


def listing_form(text: str) -> dict:
    """A complete online group whose name, summary and description are `text`, sent for review."""
    return {
        "name": text[:120], "summary": text[:300], "description": text, "cost": "free", "topics": ["grief"],
        "languages": ["en"], "format": "online", "time_zone": "America/New_York",
        "contact_email": "organiser@example.org", "contact_enabled": "y",
        "meetings-0-weekday": "1", "meetings-0-start_time": "19:00", "meetings-0-duration_minutes": "90",
        "meetings-0-recurrence": "weekly", "meetings-0-notes": text[:200],
        "submit_review": "Submit for review",
    }


def test_listing_fields_through_the_owner_form_and_the_admin(owner_client, admin_client, visitor, owner,
                                                             record_property):
    make_topic("grief")
    failures = []
    for text in template_injection():
        created = owner_client.post("/my/listings/new?kind=group", data=listing_form(text))
        if created.status_code != 302:
            failures.append((text, f"owner form: {created.status_code}"))
            continue
        listing = db.session.scalars(select(Listing).order_by(Listing.id.desc())).first()
        if listing.status != "pending":
            failures.append((text, f"not sent for review: {listing.status}"))
            continue
        approved = admin_client.post(f"/admin/listings/{listing.id}/decide", data={"approve": "Approve"})
        page = visitor.get(f"/listings/{listing.slug}")
        html = page.get_data(as_text=True)
        if approved.status_code != 302 or page.status_code != 200:
            failures.append((text, f"approve {approved.status_code}, page {page.status_code}"))
        for shown in {text[:120].strip(), text[:300].strip(), text.strip(), text[:200].strip()}:
            if shown and not appears(html, shown):
                failures.append((text, f"listing page does not show {shown[:40]!r} as typed"))
    dashboard = owner_client.get("/my/listings").get_data(as_text=True)
    for text in template_injection():
        if text[:120].strip() and not appears(dashboard, text[:120].strip()):
            failures.append((text, "dashboard does not show the name as typed"))
    tally("template injection: owner form, admin approval, listing page, dashboard", record_property,
          payloads=len(template_injection()))
    assert not failures, describe(failures)


def test_display_name_through_registration(app, mail_folder, record_property):
    failures = []
    for index, text in enumerate(template_injection()):
        visitor = app.test_client()
        address = f"ssti{index}@example.org"
        response = visitor.post("/account/register", data={
            "display_name": text, "email": address, "password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD})
        expected = " ".join(text.split())
        user = db.session.scalar(select(User).where(User.email == address))
        if len(text.strip()) > 80:
            refused = response.status_code == 200 and user is None
            if not refused or "at most 80 characters" not in response.text:
                failures.append((text, f"an over-long name was not refused: {response.status_code}"))
            continue
        if response.status_code != 303 or user is None:
            failures.append((text, f"registration: {response.status_code}"))
            continue
        if user.display_name != expected:
            failures.append((text, f"stored as {user.display_name!r}"))
        visitor.sign_in(user)
        if not appears(visitor.get("/account").get_data(as_text=True), expected):
            failures.append((text, "account page does not show the name as typed"))
    for message in read_mail(mail_folder):
        plain, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
        user = db.session.scalar(select(User).where(User.email == str(message["To"])))
        if not (user.display_name in plain and appears(html, user.display_name)):
            failures.append((user.display_name, "confirmation mail does not show the name as typed"))
    tally("template injection: display name (register, account page, confirmation mail)", record_property,
          payloads=len(template_injection()))
    assert not failures, describe(failures)


def test_report_message_in_the_admin_reports_page(visitor, admin_client, record_property):
    listing = make_listing()
    failures = []
    for text in template_injection():
        response = visitor.post(f"/listings/{listing.slug}/report", data={"reason": "other", "message": text})
        if response.status_code != 302:
            failures.append((text, f"report form: {response.status_code}"))
    page = admin_client.get("/admin/reports").get_data(as_text=True)
    for text in template_injection():
        if text.strip() and not appears(page, text.strip()):
            failures.append((text, "reports page does not show the message as typed"))
    tally("template injection: report message (admin reports page)", record_property,
          payloads=len(template_injection()))
    assert not failures, describe(failures)


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
def test_contact_message_in_the_mail(visitor, mail_folder, record_property):
    listing = make_listing(contact_email="organiser@example.org")
    with time_machine.travel(time.time() - 60, tick=False):
        token = contact_services.form_token(listing.slug)
    failures = []
    for text in template_injection():
        clear_mail(mail_folder)
        response = visitor.post(f"/listings/{listing.slug}/contact",
                                data={"name": "Sam", "email": "sam@example.org", "message": text,
                                      "how_to_reach": text[:200], "started": token})
        if response.status_code != 303:
            failures.append((text, f"contact form: {response.status_code}"))
            continue
        expected = contact_services.defang(clean_message(text))
        for message in read_mail(mail_folder):
            if str(message["To"]) != "organiser@example.org":
                continue
            plain, html = (message.get_body((kind,)).get_content() for kind in ("plain", "html"))
            if expected not in plain or not appears(html, expected):
                failures.append((text, "relayed mail does not show the message as typed"))
    tally("template injection: contact message (relayed mail)", record_property,
          payloads=len(template_injection()))
    assert not failures, describe(failures)
