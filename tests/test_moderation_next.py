"""'Approve and open the next one': an admin working through the queue goes from one listing to the next."""

from __future__ import annotations

from directory.extensions import db


def test_approve_and_open_the_next_one_walks_the_queue(client, make_user, make_listing):
    owner = make_user()
    first = make_listing(owner, status="pending", name="First")
    second = make_listing(owner, status="pending", name="Second")
    client.sign_in(make_user(admin=True))
    page = client.get(f"/admin/listings/{first.id}").get_data(as_text=True)
    assert 'value="Approve and open the next one"' in page

    response = client.post(f"/admin/listings/{first.id}/decide", data={"approve_next": "1"})
    assert response.headers["Location"] == f"/admin/listings/{second.id}"
    response = client.post(f"/admin/listings/{second.id}/decide", data={"approve_next": "1"})
    assert response.headers["Location"] == "/admin/"  # nothing else waits
    db.session.expire_all()
    assert first.status == second.status == "published"


def test_plain_approve_still_returns_to_the_queue(client, make_user, make_listing):
    owner = make_user()
    first = make_listing(owner, status="pending")
    make_listing(owner, status="pending")
    client.sign_in(make_user(admin=True))
    response = client.post(f"/admin/listings/{first.id}/decide", data={"approve": "1"})
    assert response.headers["Location"] == "/admin/"


def test_a_report_says_how_many_reported_and_the_owners_history(client, make_user, make_listing):
    from directory.moderation.models import REPORT_DISMISSED, Report

    owner = make_user()
    listing = make_listing(owner, status="published", name="Reported")
    make_listing(owner, status="unpublished")
    for number in range(3):
        db.session.add(Report(listing_id=listing.id, reason="closed", message=f"Shut {number}."))
    db.session.add(Report(listing_id=listing.id, reason="other", status=REPORT_DISMISSED))
    db.session.commit()
    client.sign_in(make_user(admin=True))
    page = " ".join(client.get("/admin/reports").get_data(as_text=True).split())
    assert "3 people have reported this listing." in page
    assert "Its owner has 2 listings, 1 rejected or unpublished, and 1 earlier report dealt with." in page
