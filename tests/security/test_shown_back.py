"""Stored strings shown back: no 500, no live markup, on every page and in every e-mail that shows them.

The strings are stored through the service layer (the forms' own sweeps are in test_bad_input_forms.py;
these pages must hold even for data that reached the database another way: imports, older rules).
Where a page shows one listing, every string gets its own listing and its own render (the public listing
page); where a page lists many items (dashboard, queue, audit log, reports, search results, users), one
render shows them all at once, compared with the same page listing as many benign items.
"""

from __future__ import annotations

import json
from datetime import time
from itertools import islice

import pytest
from sqlalchemy import delete, select, update

from directory.accounts import services as account_services
from directory.accounts.models import User
from directory.contact import services as contact_services
from directory.contact.models import ContactMessage
from directory.extensions import db
from directory.listings.models import Listing, Meeting
from directory.moderation import audit_views, revisions, user_views
from directory.moderation.models import REPORT_OPEN, ModerationEvent, Report
from tests.factories import make_topic, make_user

from .helpers import BENIGN, check_page, clear_mail, describe, is_html, mail_html, needs_parse
from .markup import assert_quiet_baseline, could_be_markup, injected, is_script_url, scan
from .payloads import bad_text, tally, xss

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

# Column sizes: a string longer than its column could never have been stored, so it is cut to fit here.
LIMITS = {"name": 120, "summary": 300, "cost_details": 200, "website": 500, "phone": 40, "address_line": 200,
          "city": 100, "online_url": 500, "availability": 200, "notes": 200}
# The fields of one listing a revision's diff or an admin's review page shows side by side.
TEXT_FIELDS = ("name", "summary", "description", "cost_details", "website", "phone", "address_line",
               "online_url", "experience", "availability")


def fit(text: str, field: str) -> str:
    return text[:LIMITS[field]] if field in LIMITS else text


def listing_values(values: dict[str, str], kind: str) -> dict:
    """A published hybrid listing in Manhattan whose text fields hold `values` (field -> text)."""
    data = {field: fit(values.get(field, BENIGN), field) for field in TEXT_FIELDS}
    data.update(
        kind=kind, status="published", format="hybrid", cost="paid", phone_public=True,
        location_precision="exact", online_url_private=False, contact_email="organiser@example.org",
        city=fit(values.get("city", "New York"), "city"), region="NY", postal_code="10001", country="US",
        latitude=40.7506, longitude=-73.9972, time_zone="America/New_York",
        moderation_note=values.get("moderation_note", BENIGN),
    )
    return data


_slugs = iter(range(10**9))


def build_listing(owner: User, values: dict[str, str], kind: str = "group") -> Listing:
    """Add (not commit) one listing; meeting notes hold the `notes` value for groups."""
    from directory.timeutil import utcnow

    data = listing_values(values, kind)
    listing = Listing(slug=f"shown-back-{next(_slugs)}", owner=owner, last_confirmed_at=utcnow(),
                      published_at=utcnow(), **data)
    listing.topics = [make_topic("grief")]
    listing.languages = ["en"]
    if kind == "group":
        listing.meetings = [Meeting(weekday=1, start_time=time(19, 0), duration_minutes=90,
                                    recurrence="weekly", notes=fit(values.get("notes", BENIGN), "notes"))]
    db.session.add(listing)
    return listing


def everywhere(text: str) -> dict[str, str]:
    values = dict.fromkeys((*TEXT_FIELDS, "city", "notes", "moderation_note"), text)
    if text == BENIGN:  # the benign twin has working links, as a hostile http(s) string would
        values.update(website="https://benign.example.org/", online_url="https://meet.example.org/benign")
    return values


def chunks(strings, size: int):
    iterator = iter(strings)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -------------------------------------------------------------------------------------------- the public page


def test_listing_page_and_api_for_every_string(visitor, owner, record_property):
    """One listing per string, the string in every text field (groups and mentors in turn)."""
    strings = bad_text()
    benign = {kind: build_listing(owner, everywhere(BENIGN), kind) for kind in ("group", "mentor")}
    listings = [build_listing(owner, everywhere(text), "group" if index % 2 == 0 else "mentor")
                for index, text in enumerate(strings)]
    benign_slugs = {kind: listing.slug for kind, listing in benign.items()}
    targets = [(listing.slug, listing.kind) for listing in listings]
    db.session.commit()
    # The test reads no listing back: a session holding eight hundred of them would expire them all at the
    # commit before each request, a third of the test's time.
    db.session.expunge_all()
    baselines = {}
    for kind, slug in benign_slugs.items():
        page = visitor.get(f"/listings/{slug}")
        assert page.status_code == 200
        baselines[kind] = scan(page.get_data(as_text=True))
        assert_quiet_baseline(baselines[kind])

    failures, api_checked = [], 0
    for text, (slug, kind) in zip(strings, targets, strict=True):
        page = visitor.get(f"/listings/{slug}")
        if page.status_code != 200:
            failures.append((text, f"listing page status {page.status_code}"))
            continue
        if could_be_markup(text):
            problems = injected(page.get_data(as_text=True), baselines[kind], [text])
            if problems:
                failures.append((text, problems[:3]))
        if ":" in text:  # only a string with a colon can carry a scheme
            api_checked += 1
            response = visitor.get(f"/api/v1/listings/{slug}")
            if response.status_code != 200:
                failures.append((text, f"API status {response.status_code}"))
                continue
            body = json.loads(response.get_data(as_text=True))
            for key in ("website", "online_url"):
                if body.get(key) is not None and not body[key].lower().startswith(("http://", "https://")):
                    failures.append((text, f"API {key} {body[key]!r}"))
    tally("public listing page (one render per string)", record_property, strings=len(strings),
          api_documents=api_checked)
    assert not failures, describe(failures)


# --------------------------------------------------------------------------------------- pages that list many


@pytest.mark.config(SEARCH_PER_PAGE=2000)
def test_pages_that_list_every_string_at_once(visitor, owner, admin, admin_client, gazetteer, monkeypatch,
                                              record_property):
    """Search results, dashboard, areas, admin queue, users, reports, audit log and kept messages, each
    listing every XSS payload at once (the public listing page above takes every string)."""
    monkeypatch.setattr(audit_views, "AUDIT_PER_PAGE", 5000)
    monkeypatch.setattr(user_views, "USERS_PER_PAGE", 5000)
    strings = list(dict.fromkeys(xss()))

    def fill(texts: list[str], who: User) -> tuple[list[Listing], list[User]]:
        listings = [build_listing(who, everywhere(text)) for text in texts]
        users = [User(email=f"user{index}-{who.id}@example.org", password_hash="x", display_name=text[:80],
                      suspension_reason=text[:500]) for index, text in enumerate(texts)]
        db.session.add_all(users)
        db.session.flush()
        for listing, text, user in zip(listings, texts, users, strict=True):
            db.session.add(Report(listing_id=listing.id, reason="other", message=text, email="r@example.org",
                                  status=REPORT_OPEN))
            db.session.add(ModerationEvent(action="reject", actor_id=admin.id, listing_id=listing.id,
                                           target_user_id=user.id, reason=text))
            db.session.add(ContactMessage(listing_id=listing.id, sender_name=text[:80],
                                          sender_email="sender@example.org", how_to_reach=text[:200],
                                          message=text))
        db.session.commit()
        return listings, users

    pages = {
        "search results": lambda who, listings: visitor.get("/search?near=10001&radius=1"),
        "area page": lambda who, listings: visitor.get("/areas/us/ny/"),
        "owner dashboard": lambda who, listings: _as(who, "/my/listings"),
        "admin users": lambda who, listings: admin_client.get("/admin/users"),
        "admin reports": lambda who, listings: admin_client.get("/admin/reports"),
        "audit log": lambda who, listings: admin_client.get("/admin/audit"),
        "kept contact messages": lambda who, listings: admin_client.get(
            f"/admin/listings/{listings[0].id}/messages"),
    }
    benign_owner = make_user("benign-owner@example.org")
    benign_listings, benign_users = fill([BENIGN] * len(strings), benign_owner)
    baselines = {}
    for name, fetch in pages.items():
        response = fetch(benign_owner, benign_listings)
        assert response.status_code == 200, name
        baselines[name] = response.get_data(as_text=True)
    _set_status(benign_listings, "pending")
    baselines["admin queue"] = admin_client.get("/admin/").get_data(as_text=True)
    _remove(benign_listings, benign_users)

    listings, _ = fill(list(strings), owner)
    for name, fetch in pages.items():
        response = fetch(owner, listings)
        assert response.status_code == 200, name
        check_page(name, response.get_data(as_text=True), baselines[name], strings,
                   record_property=record_property)
    _set_status(listings, "pending")
    queue = admin_client.get("/admin/")
    assert queue.status_code == 200
    check_page("admin queue", queue.get_data(as_text=True), baselines["admin queue"], strings,
               record_property=record_property)


def _as(user: User, path: str):
    from flask import current_app

    client = current_app.test_client()
    client.sign_in(user)
    return client.get(path)


def _set_status(listings: list[Listing], status: str) -> None:
    ids = [item.id for item in listings]
    db.session.execute(update(Listing).where(Listing.id.in_(ids)).values(status=status))
    db.session.commit()


def _remove(listings: list[Listing], users: list[User]) -> None:
    """Take the benign twin's rows away, so the hostile page lists only its own."""
    ids = [item.id for item in listings]
    for model in (ContactMessage, Report, ModerationEvent):
        db.session.execute(delete(model).where(model.listing_id.in_(ids)))
    for listing in listings:
        db.session.delete(listing)
    for user in users:
        db.session.delete(user)
    db.session.commit()


# ----------------------------------------------------------------------------------------- admin review pages


def test_admin_review_and_diff_pages(owner, admin, admin_client, record_property):
    """A listing's review page and an edit's field-by-field diff, one string per field, every string once."""
    strings = bad_text()
    width = len(TEXT_FIELDS)
    groups = list(chunks(strings, width))
    benign = build_listing(owner, everywhere(BENIGN), "mentor")
    listings = [build_listing(owner, dict(zip(TEXT_FIELDS, group, strict=False)), "mentor")
                for group in groups]
    db.session.commit()

    def revise(listing: Listing, texts: list[str]):
        data = {field: fit(text, field) for field, text in zip(TEXT_FIELDS, texts, strict=False)}
        data["phone_public"] = False  # so an edit never "changes nothing"
        return revisions.propose_revision(listing, owner, data)

    benign_revision = revise(benign, [BENIGN + " after"] * width)
    review_baseline = scan(admin_client.get(f"/admin/listings/{benign.id}").get_data(as_text=True))
    diff_baseline = scan(admin_client.get(f"/admin/revisions/{benign_revision.id}").get_data(as_text=True))
    assert_quiet_baseline(review_baseline)
    assert_quiet_baseline(diff_baseline)

    failures = []
    for group, listing in zip(groups, listings, strict=True):
        # The edit shows the group's strings after the listing's own (the next group's) before.
        revision = revise(listing, group[1:] + group[:1])
        for path, baseline in ((f"/admin/listings/{listing.id}", review_baseline),
                               (f"/admin/revisions/{revision.id}", diff_baseline)):
            response = admin_client.get(path)
            if response.status_code != 200:
                failures.append((group[0], f"{path}: status {response.status_code}"))
            elif needs_parse(group):
                problems = injected(response.get_data(as_text=True), baseline, group)
                if problems:
                    failures.append((group[0], f"{path}: {problems[:3]}"))
    tally("admin review and diff pages", record_property, strings=len(strings), pages=2 * len(groups))
    assert not failures, describe(failures)


# ---------------------------------------------------------------------------------------- e-mails and account


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
def test_contact_mail_and_account_pages(app, owner, mail_folder, record_property):
    """The contact relay's mail to the organiser (XSS list, every field; the visitor's copy is shown on a
    page, not mailed) and the account page and confirmation mail for each XSS payload as a display name."""
    strings = list(dict.fromkeys(xss()))
    listing = build_listing(owner, everywhere(BENIGN))
    listing.online_url_private = True
    listing.online_url = "https://meet.example.org/benign"
    db.session.commit()

    def relay(text: str):
        with app.test_request_context("/", method="POST"):
            contact_services.send_contact_message(listing, name=text[:80], email="visitor@example.org",
                                                  message=text, how_to_reach=text[:200])
        db.session.commit()

    relay(BENIGN)
    baselines = {subject_kind(subject): scan(html) for subject, html in mail_html(mail_folder)}
    assert len(baselines) == 1
    for baseline in baselines.values():
        assert_quiet_baseline(baseline)
    clear_mail(mail_folder)
    for text in strings:
        relay(text)
    failures = []
    messages = mail_html(mail_folder)
    assert len(messages) == len(strings)
    for subject, html in messages:
        problems = injected(html, baselines[subject_kind(subject)], strings)
        if problems:
            failures.append((subject, problems[:3]))
    tally("contact relay e-mails (to the organiser)", record_property, strings=len(strings),
          emails=len(messages))
    assert not failures, describe(failures)

    clear_mail(mail_folder)
    client = app.test_client()
    users = [User(email=f"shown{index}@example.org", password_hash="-",  # noqa: S106 - never signs in
                  display_name=" ".join(text.split())[:80]) for index, text in enumerate([BENIGN, *strings])]
    db.session.add_all(users)
    db.session.commit()
    account_baseline = None
    for index, user in enumerate(users):
        client.sign_in(user)
        with app.test_request_context("/"):
            account_services.send_confirmation(user)
        page = client.get("/account")
        assert page.status_code == 200, user.display_name
        if account_baseline is None:
            account_baseline = scan(page.get_data(as_text=True))
            assert_quiet_baseline(account_baseline)
            continue
        problems = injected(page.get_data(as_text=True), account_baseline, [strings[index - 1]])
        if problems:
            failures.append((user.display_name, problems[:3]))
    confirmations = mail_html(mail_folder)
    mail_baseline = scan(confirmations[0][1])
    for subject, html in confirmations[1:]:
        problems = injected(html, mail_baseline, strings)
        if problems:
            failures.append((subject, problems[:3]))
    tally("account page and confirmation e-mail (display name)", record_property, strings=len(strings),
          emails=len(confirmations))
    assert not failures, describe(failures)


def subject_kind(subject: str) -> str:
    return "copy" if subject.startswith("Your message to") else "owner"


def test_stored_script_urls_never_become_links(visitor, owner, record_property):
    """Links stored by some other way than the form (an import, an older rule) still never run script."""
    hostile = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
               "\x01javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
               "javascript://example.org/%0aalert(1)", "//evil.example/x", "ftp://example.org/x",
               "https:evil.example", "http:/evil.example", "/relative"]
    checked = 0
    for url in hostile:
        listing = build_listing(owner, {**everywhere(BENIGN), "website": url, "online_url": url})
        db.session.commit()
        page = visitor.get(f"/listings/{listing.slug}")
        assert page.status_code == 200
        from .markup import urls

        links = [value for tag, attribute, value in urls(page.get_data(as_text=True)) if attribute == "href"]
        assert not [value for value in links if is_script_url(value)], (url, links)
        assert url.strip() not in links or url.strip().lower().startswith(("http://", "https://")), links
        body = json.loads(visitor.get(f"/api/v1/listings/{listing.slug}").get_data(as_text=True))
        assert body["website"] is None and body["online_url"] is None, (url, body)
        checked += 1
    tally("stored script URLs on the listing page and in the API", record_property, urls=checked)


def test_private_join_link_on_the_sent_page_is_never_a_script_link(app, owner):
    """The "sent" page shows a private join link: only an http(s) one may become a link there."""
    listing = build_listing(owner, everywhere(BENIGN))
    listing.online_url = "javascript:alert(document.domain)"
    listing.online_url_private = True
    db.session.commit()
    with app.test_request_context("/", method="POST"):
        assert contact_services.join_url_for_visitor(listing) == ""
    listing.online_url = "https://meet.example.net/j/1"
    db.session.commit()
    with app.test_request_context("/", method="POST"):
        assert contact_services.join_url_for_visitor(listing) == "https://meet.example.net/j/1"


def test_the_benign_twin_would_catch_markup(visitor, owner):
    """The check itself: a page that did show a payload as markup is caught (guards against a checker
    that passes everything)."""
    listing = build_listing(owner, everywhere(BENIGN))
    db.session.commit()
    page = visitor.get(f"/listings/{listing.slug}").get_data(as_text=True)
    baseline = scan(page)
    payload = '<img src=x onerror=alert(1)>'
    broken = page.replace("</main>", payload + "</main>", 1)
    assert injected(broken, baseline, [payload])
    assert not injected(page, baseline, [payload])
    assert injected(page.replace("</main>", '<a href="javascript:alert(1)">x</a></main>', 1), baseline, [])
    assert injected(page.replace('<main', '<main onclick="x()"', 1), baseline, [])
    assert not is_html(visitor.get(f"/api/v1/listings/{listing.slug}"))
    assert db.session.scalar(select(Listing.id).where(Listing.id == listing.id))
