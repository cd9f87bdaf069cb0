"""Every text field of every form meets the BLNS strings and the XSS payloads: no 500, no live markup.

One request per string per form: the string goes into every text field of the form at once, and the
page that comes back (the form shown again with its messages) is compared with the same page for
benign strings (see markup.py). Where several forms share one field definition, validator chain and
service, the strings are dealt among them so each goes through one of them: the four reasons an admin
writes, the three admin filters, the password and delete forms; groups and mentors take turns on the
listing form (each sends the other kind's fields too). Successful submissions store the strings; the
pages and e-mails that show stored values back are checked in test_shown_back.py.
"""

from __future__ import annotations

import time

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select, update

from directory.accounts.models import User
from directory.contact import services as contact_services
from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation.models import REPORT_OPEN, Report
from tests.factories import make_listing, make_topic, make_user

from .helpers import BENIGN_STRINGS, describe, mail_html, sweep
from .markup import assert_quiet_baseline, could_be_markup, injected, is_script_url, scan, urls
from .payloads import bad_text, naughty_strings, tally, unique, xss
from .test_overlong import message_next_to

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

GROUP_TEXT_FIELDS = (
    "name", "summary", "description", "experience", "availability", "cost_details", "address_line",
    "location", "latitude", "longitude", "website", "phone", "contact_email", "online_url", "time_zone",
    "geocoded_for", "geocoded_time_zone",
)
MEETING_TEXT_FIELDS = ("start_time", "duration_minutes", "anchor_date", "notes")


# ------------------------------------------------------------------------------------------- accounts


def test_register_form(visitor, record_property):
    def send(text):
        return visitor.post("/account/register",
                            data={"display_name": text, "email": text, "password": text, "confirm": text})

    sweep("register form", bad_text(), send, record_property=record_property)


def test_sign_in_form(visitor, owner, record_property):
    def send(text):
        return visitor.post("/account/sign-in", data={"email": text, "password": text, "remember": text})

    statuses = sweep("sign-in form", bad_text(), send, record_property=record_property)
    assert set(statuses) == {200}  # nobody was signed in by a string


def test_forgot_password_form(visitor, record_property):
    def send(text):
        return visitor.post("/account/forgot", data={"email": text})

    sweep("forgot-password form", bad_text(), send, record_property=record_property)


def test_account_change_forms(owner_client, owner, record_property):
    """The e-mail change form gets every string; the password and delete forms, which show nothing back
    and share its current-password field, take every string between them."""
    def post(path, fields):
        return lambda text: owner_client.post(path, data=dict.fromkeys(fields, text))

    sweep("account e-mail change form", bad_text(), post("/account/email", ("new_email", "current_password")),
          record_property=record_property)
    password, delete = dealt(bad_text(), 2)
    sweep("account password form", password,
          post("/account/password", ("current_password", "password", "confirm")),
          record_property=record_property)
    sweep("account delete form", delete, post("/account/delete", ("current_password",)),
          record_property=record_property)
    assert db.session.get(User, owner.id) is not None  # no string was the password


# ------------------------------------------------------------------------------------------- owner listings


def owner_form(text: str, kind: str, turn: int = 0) -> dict:
    """Every text field of the listing form (and of one meeting row) set to `text`.

    Turns alternate between saving a draft and submitting for review (which checks completeness too),
    and between a fortnightly and a monthly meeting, whose day and week of the month get `text` as well.
    """
    data = dict.fromkeys(GROUP_TEXT_FIELDS, text)
    data.update(format="in_person", cost="paid", topics=["grief"], languages=["en"], audiences=[text])
    data["submit_review" if turn % 2 else "save_draft"] = "Send"
    if kind == "group":
        data.update({f"meetings-0-{name}": text for name in MEETING_TEXT_FIELDS})
        data.update({"meetings-0-weekday": text if turn % 4 >= 2 else "1", "meetings-0-week_of_month": text,
                     "meetings-0-recurrence": "monthly" if turn % 2 else "biweekly"})
    return data


def test_owner_listing_form(owner_client, gazetteer, record_property):
    """Every XSS payload in every field at once: groups and mentors in turn (each sends the other kind's
    fields too). The BLNS strings go through the next test, deeper."""
    make_topic("grief")
    turns = iter(range(10**6))

    def send(text):
        turn = next(turns)
        kind = "group" if turn % 2 == 0 else "mentor"
        data = owner_form(text, kind, turn // 2)
        if kind == "mentor":
            # Online: the place is not looked up (the search's `near` sends every string to that lookup).
            data.update({f"meetings-0-{name}": text for name in MEETING_TEXT_FIELDS}, format="online")
        return owner_client.post(f"/my/listings/new?kind={kind}", data=data)

    # Each benign string eight times: every kind, button and meeting row shape has its benign twin.
    sweep("owner listing form, every field (groups and mentors in turn)",
          unique(xss()), send,
          record_property=record_property, benign=[text for text in BENIGN_STRINGS for _ in range(8)])


def base_free_text() -> dict:
    """A complete online draft but for its free-text fields."""
    return {"cost": "paid", "topics": ["grief"], "languages": ["en"], "format": "online",
            "time_zone": "America/New_York", "contact_email": "organiser@example.org", "meets_video": "y",
            "meetings-0-weekday": "1", "meetings-0-start_time": "19:00", "meetings-0-duration_minutes": "90",
            "meetings-0-recurrence": "weekly", "save_draft": "Save draft"}


FREE_TEXT = {"group": ("name", "summary", "description", "cost_details", "meetings-0-notes"),
             "mentor": ("name", "summary", "description", "cost_details", "experience", "availability")}


def test_owner_listing_form_keeps_plain_strings_as_typed(owner_client, record_property):
    """Every BLNS string (unicode, emoji, numbers, right-to-left, controls, script tags...) in every
    free-text field of an otherwise complete draft, so it reaches the slug, the services and the database:
    kept exactly as typed (trimmed), or refused with a message next to a field, the form shown again
    without live markup. (The public pages showing what was kept are checked in test_shown_back.py.)"""
    make_topic("grief")
    strings = list(naughty_strings())
    baselines = {kind: scan(owner_client.post(f"/my/listings/new?kind={kind}",
                                              data={**base_free_text(), "name": ""}).get_data(as_text=True))
                 for kind in FREE_TEXT}
    base = base_free_text()
    failures, kept = [], 0
    for index, text in enumerate(strings):
        kind = "group" if index % 2 == 0 else "mentor"
        before = db.session.scalar(select(func.count(Listing.id)))
        response = owner_client.post(f"/my/listings/new?kind={kind}",
                                     data={**base, **dict.fromkeys(FREE_TEXT[kind], text)})
        if response.status_code == 302:
            kept += 1
            listing = db.session.scalars(select(Listing).order_by(Listing.id.desc()).limit(1)).one()
            stored = {"meetings-0-notes": listing.meetings[0].notes if listing.meetings else None}
            wrong = [field for field in FREE_TEXT[kind]
                     if stored.get(field, getattr(listing, field, None)) != text.strip()]
            if wrong:
                failures.append((text, f"not kept as typed: {wrong}"))
        elif response.status_code == 200:
            html = response.get_data(as_text=True)
            if db.session.scalar(select(func.count(Listing.id))) != before:
                failures.append((text, "refused, yet saved"))
            elif not any(message_next_to(html, field) for field in FREE_TEXT[kind]):
                failures.append((text, "refused without a message next to a field"))
            elif could_be_markup(text) and injected(html, baselines[kind], [text]):
                failures.append((text, injected(html, baselines[kind], [text])[:3]))
        else:
            failures.append((text, f"status {response.status_code}"))
    tally("owner listing form, free-text fields of a complete draft (BLNS)", record_property,
          strings=len(strings), kept=kept, refused=len(strings) - kept - len(failures))
    assert not failures, describe(failures)


# ----------------------------------------------------------------------------------------- contact and report


def started_token(slug: str) -> str:
    with time_machine.travel(time.time() - 60, tick=False):
        return contact_services.form_token(slug)


def test_contact_form(visitor, record_property):
    listing = make_listing(contact_email="organiser@example.org")
    token = started_token(listing.slug)

    def send(text):
        return visitor.post(f"/listings/{listing.slug}/contact",
                            data={"name": text, "email": text, "message": text, "how_to_reach": text,
                                  "started": token})

    sweep("contact form", bad_text(), send, record_property=record_property)


def test_report_form(visitor, record_property):
    listing = make_listing()

    def send(text):
        return visitor.post(f"/listings/{listing.slug}/report",
                            data={"reason": "wrong_details", "message": text, "email": text})

    sweep("report form", bad_text(), send, record_property=record_property)


# ------------------------------------------------------------------------------------------- admin decisions


def dealt(strings, hands: int) -> list[list[str]]:
    """Every string once, dealt in turn to `hands` surfaces."""
    return [list(strings[index::hands]) for index in range(hands)]


def test_admin_reason_fields(admin_client, mail_folder, record_property):
    """The four reasons an admin writes (request changes, unpublish, close a report, suspend) share one
    field definition, the same checks and the same service check, and end in the same audit log and
    owner mail: every XSS payload goes through one of them, in turn, through the service that stores it
    (over-long, control and NUL characters in them: test_overlong.py and test_nul_bytes.py)."""
    owner = make_user("listing-owner@example.org")
    pending = make_listing(owner, status="pending")
    published = make_listing(owner)
    report = Report(listing_id=published.id, reason="other", message="It moved.", status=REPORT_OPEN)
    member = make_user("member@example.org")
    db.session.add(report)
    db.session.commit()
    prefix = f"report-{report.id}-"

    def put_back(model, row_id, **values):
        """After a decision went through, the item is back where the next string finds it."""
        def undo():
            db.session.execute(update(model).where(model.id == row_id).values(**values))
            db.session.commit()
        return undo

    surfaces = {
        "admin review note (request changes)": (lambda text: admin_client.post(
            f"/admin/listings/{pending.id}/decide",
            data={"note": text, "request_changes": "Request changes"}),
            put_back(Listing, pending.id, status="pending")),
        "admin unpublish note": (lambda text: admin_client.post(
            f"/admin/listings/{published.id}/unpublish", data={"note": text, "unpublish": "Unpublish"}),
            put_back(Listing, published.id, status="published")),
        "admin report note": (lambda text: admin_client.post(
            f"/admin/reports/{report.id}/resolve",
            data={prefix + "note": text, prefix + "dismiss": "Dismiss"}),
            put_back(Report, report.id, status=REPORT_OPEN)),
        "admin suspend reason": (lambda text: admin_client.post(
            f"/admin/users/{member.id}/suspend", data={"reason": text}),
            put_back(User, member.id, suspended_at=None)),
    }
    hands = dealt(unique(xss()), len(surfaces))
    for (surface, (send, undo)), share in zip(surfaces.items(), hands, strict=True):
        sweep(surface, share, send, record_property=record_property, between=undo)
    _check_mail("decision and suspension e-mails (admin reasons)", mail_folder, record_property)


def test_admin_filters_and_second_factor(admin_client, admin, record_property):
    """The audit log's filters, the user search and the second-factor code: every string once among them."""
    admin.totp_secret = pyotp.random_base32()
    db.session.commit()
    surfaces = {
        "admin audit filters": lambda text: admin_client.get(
            "/admin/audit", query_string={"actor": text, "action": text, "listing": text}),
        "admin user search": lambda text: admin_client.get(
            "/admin/users", query_string={"q": text, "filter": text}),
        "admin second-factor code": lambda text: admin_client.post("/admin/2fa", data={"code": text}),
    }
    for (surface, send), share in zip(surfaces.items(), dealt(bad_text(), len(surfaces)), strict=True):
        sweep(surface, share, send, record_property=record_property)


def _check_mail(surface: str, mail_folder, record_property) -> None:
    """Every HTML part the sweeps made the site send, each against the first of its kind (same subject),
    which was sent for the benign string."""
    baselines = {}
    problems = []
    messages = mail_html(mail_folder)
    assert messages, "the sweeps sent no mail at all"
    for subject, html in messages:
        if subject not in baselines:
            baselines[subject] = scan(html)
            assert_quiet_baseline(baselines[subject])
            continue
        found = injected(html, baselines[subject], bad_text())
        if found:
            problems.append((subject, found[:3]))
    tally(surface, record_property, emails_checked=len(messages))
    assert not problems, problems[:10]


# ----------------------------------------------------------------------------------------- link fields

SCRIPT_LINKS = ["javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", " javascript:alert(1)",
                "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
                "javascript://example.org/%0aalert(1)", "//evil.example/x", "ftp://example.org/x"]


def test_link_fields_take_only_http_and_https(owner_client, owner, admin_client, visitor):
    """The website and the join link: a script scheme is refused next to the field and never saved; an
    https link is kept and, once an admin approved the listing, is the page's only way out to it."""
    make_topic("grief")
    base = {"name": "Link group", "summary": "A group.", "description": "We meet.", "cost": "free",
            "topics": ["grief"], "languages": ["en"], "format": "online", "time_zone": "America/New_York",
            "contact_email": "organiser@example.org", "meetings-0-weekday": "1",
            "meetings-0-start_time": "19:00", "meetings-0-duration_minutes": "90",
            "meetings-0-recurrence": "weekly"}
    for link in SCRIPT_LINKS:
        for field in ("website", "online_url"):
            response = owner_client.post("/my/listings/new?kind=group",
                                         data={**base, field: link, "save_draft": "Save draft"})
            assert response.status_code == 200, (field, link)
            assert message_next_to(response.get_data(as_text=True), field), (field, link)
    assert db.session.scalar(select(func.count(Listing.id))) == 0

    response = owner_client.post("/my/listings/new?kind=group", data={
        **base, "website": "https://dads.example.org/about", "online_url": "https://meet.example.org/dads",
        "submit_review": "Submit for review"})
    assert response.status_code == 302
    listing = db.session.scalars(select(Listing)).one()
    approved = admin_client.post(f"/admin/listings/{listing.id}/decide", data={"approve": "Approve"})
    assert approved.status_code == 302
    page = visitor.get(f"/listings/{listing.slug}").get_data(as_text=True)
    hrefs = [value for _, attribute, value in urls(page) if attribute == "href"]
    assert "https://dads.example.org/about" in hrefs and "https://meet.example.org/dads" in hrefs
    assert not [value for value in hrefs if is_script_url(value)]
    document = visitor.get(f"/api/v1/listings/{listing.slug}").get_json()
    assert (document["website"], document["online_url"]) == ("https://dads.example.org/about",
                                                             "https://meet.example.org/dads")
