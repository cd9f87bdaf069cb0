"""The public 'Report a problem' form and the admins' reports queue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation.models import ModerationEvent, Report


def reports() -> list[Report]:
    return list(db.session.scalars(select(Report).order_by(Report.id)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(ModerationEvent.action).order_by(ModerationEvent.id)))


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", admin=True)


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.org", display_name="Organiser")


def test_anyone_can_report_a_published_listing(client, make_listing, owner):
    listing = make_listing(owner, name="Tuesday Circle")
    page = client.get(f"/listings/{listing.slug}/report")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for label in ("Wrong time or place", "No longer meets", "Inappropriate", "Something else"):
        assert label in text
    response = client.post(f"/listings/{listing.slug}/report", data={
        "reason": "no_longer_meets", "message": "The church hall is closed.", "email": "Visitor@Example.org"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/listings/{listing.slug}/report/thanks")
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    [report] = reports()
    assert (report.reason, report.message, report.email, report.status) == (
        "no_longer_meets", "The church hall is closed.", "visitor@example.org", "open")
    assert audit_actions() == []  # a report is not a decision


def test_the_email_is_optional_and_the_reason_is_required(client, make_listing, owner):
    listing = make_listing(owner)
    missing = client.post(f"/listings/{listing.slug}/report", data={"message": "kept text"})
    assert missing.status_code == 400
    text = missing.get_data(as_text=True)
    assert "Please choose what is wrong." in text and "kept text" in text
    bad_email = client.post(f"/listings/{listing.slug}/report",
                            data={"reason": "other", "email": "not-an-email"})
    assert bad_email.status_code == 400
    assert client.post(f"/listings/{listing.slug}/report", data={"reason": "other"}).status_code == 302
    assert client.post(f"/listings/{listing.slug}/report", data={"reason": "made-up"}).status_code == 400
    assert len(reports()) == 1


@pytest.mark.parametrize("status", ["draft", "pending", "paused", "unpublished", "withdrawn", "expired"])
def test_only_published_listings_can_be_reported(client, make_listing, owner, status):
    listing = make_listing(owner, status=status)
    assert client.get(f"/listings/{listing.slug}/report").status_code == 404
    assert client.post(f"/listings/{listing.slug}/report", data={"reason": "other"}).status_code == 404
    assert client.get("/listings/no-such-listing/report").status_code == 404
    assert reports() == []


@pytest.mark.config(RATELIMIT_ENABLED=True, REPORT_RATE_LIMIT="2 per hour")
def test_reports_are_rate_limited(client, make_listing, owner):
    listing = make_listing(owner)
    url = f"/listings/{listing.slug}/report"
    assert [client.post(url, data={"reason": "other"}).status_code for _ in range(3)] == [302, 302, 429]
    assert client.get(url).status_code == 200  # reading the form is not limited
    assert len(reports()) == 2


def test_reports_queue_puts_several_no_longer_meets_first(client, make_listing, owner, admin):
    older = make_listing(owner, name="Old report")
    gone = make_listing(owner, name="Gone group")
    for listing, reason in [(older, "wrong_details"), (gone, "no_longer_meets"), (gone, "no_longer_meets")]:
        client.post(f"/listings/{listing.slug}/report", data={"reason": reason})
    client.sign_in(admin)
    page = client.get("/admin/reports").get_data(as_text=True)
    assert page.index("Gone group") < page.index("Old report")
    assert "2 open “no longer meets” reports" in page


def test_dismiss_closes_only_that_report(client, make_listing, owner, admin):
    listing = make_listing(owner)
    for _ in range(2):
        client.post(f"/listings/{listing.slug}/report", data={"reason": "other"})
    first, second = reports()
    client.sign_in(admin)
    response = client.post(f"/admin/reports/{first.id}/resolve",
                           data={f"report-{first.id}-dismiss": "Dismiss"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [report.status for report in reports()] == ["dismissed", "open"]
    assert db.session.get(Listing, listing.id).status == "published"
    assert audit_actions() == ["dismiss_report"]
    # Acting twice on the same report is refused, and writes nothing.
    client.post(f"/admin/reports/{first.id}/resolve", data={f"report-{first.id}-dismiss": "Dismiss"})
    assert audit_actions() == ["dismiss_report"]
    assert second.id


def test_edit_request_mails_the_owner_and_keeps_the_listing_published(client, make_listing, owner, admin,
                                                                       sent_mail):
    listing = make_listing(owner)
    for _ in range(2):
        client.post(f"/listings/{listing.slug}/report", data={"reason": "wrong_details"})
    report = reports()[0]
    client.sign_in(admin)
    prefix = f"report-{report.id}"
    refused = client.post(f"/admin/reports/{report.id}/resolve", data={f"{prefix}-request_edit": "x"})
    assert refused.status_code == 400 and "owner needs to know why" in refused.get_data(as_text=True)
    client.post(f"/admin/reports/{report.id}/resolve", data={
        f"{prefix}-request_edit": "x", f"{prefix}-note": "The meeting moved to Thursdays, please update."})
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "published"
    assert [report.status for report in reports()] == ["resolved", "resolved"]
    mail = sent_mail()[-1]
    assert mail["To"] == owner.email
    assert "moved to Thursdays" in mail.get_body(("plain",)).get_content()
    assert audit_actions() == ["report_edit_request"]


def test_unpublish_from_a_report(client, make_listing, owner, admin, sent_mail):
    listing = make_listing(owner)
    client.post(f"/listings/{listing.slug}/report", data={"reason": "inappropriate"})
    report = reports()[0]
    client.sign_in(admin)
    prefix = f"report-{report.id}"
    client.post(f"/admin/reports/{report.id}/resolve",
                data={f"{prefix}-unpublish": "x", f"{prefix}-note": "Spam."})
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == "unpublished"
    assert reports()[0].status == "resolved"
    [event] = db.session.scalars(select(ModerationEvent)).all()
    assert (event.action, event.report_id, event.reason) == ("unpublish", report.id, "Spam.")
    assert "Spam." in sent_mail()[-1].get_body(("plain",)).get_content()
    assert client.get(f"/listings/{listing.slug}/report").status_code == 404
