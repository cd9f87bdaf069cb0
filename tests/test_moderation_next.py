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
