"""Every owner route, swept from the URL map: strangers get 404, visitors are sent to sign in.

New routes in the `owner` blueprint are picked up automatically, so none can ship unprotected.
"""

from __future__ import annotations

import pytest
from flask import current_app, url_for
from sqlalchemy import select

from directory.extensions import db
from directory.listings.models import Listing

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
VICTIM_STATUSES = ("draft", "published", "pending", "paused", "withdrawn")


def owner_routes() -> list[tuple[str, str, bool]]:
    """(endpoint, method, takes a listing id) for every route of the owner blueprint."""
    routes = []
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("owner."):
            for method in sorted(rule.methods - SKIPPED_METHODS):
                routes.append((rule.endpoint, method, "listing_id" in rule.arguments))
    return routes


def call(client, endpoint: str, method: str, listing: Listing):
    with current_app.test_request_context():
        values = {"listing_id": listing.id} if "listing_id" in _arguments(endpoint) else {}
        url = url_for(endpoint, **values)
    response = client.open(url, method=method, data={"name": "Hijacked", "save_draft": "Save draft"})
    return url, response


def _arguments(endpoint: str) -> set[str]:
    return next(rule.arguments for rule in current_app.url_map.iter_rules() if rule.endpoint == endpoint)


@pytest.fixture
def victim_listings(make_user, make_listing):
    owner = make_user("owner@example.org")
    return [make_listing(owner, status=status, name=f"Private {status} listing")
            for status in VICTIM_STATUSES]


def test_the_sweep_covers_every_owner_action(app_context):
    endpoints = {endpoint for endpoint, _, _ in owner_routes()}
    assert {"owner.dashboard", "owner.create", "owner.edit", "owner.submit", "owner.pause", "owner.resume",
            "owner.withdraw", "owner.delete", "owner.reconfirm"} <= endpoints
    assert ("owner.edit", "POST", True) in owner_routes()


def test_visitors_are_sent_to_sign_in_on_every_owner_route(app, client, victim_listings):
    listing = victim_listings[0]
    for endpoint, method, _ in owner_routes():
        url, response = call(client, endpoint, method, listing)
        assert response.status_code == 302, (method, url)
        with app.test_request_context():
            assert response.headers["Location"].startswith(url_for("accounts.sign_in")), (method, url)
    assert_untouched(victim_listings)


def test_another_member_gets_404_on_every_route_of_someone_elses_listing(app, client, make_user,
                                                                          victim_listings):
    stranger = make_user("stranger@example.org")
    client.sign_in(stranger)
    checked = 0
    for listing in victim_listings:
        for endpoint, method, takes_id in owner_routes():
            url, response = call(client, endpoint, method, listing)
            if takes_id:
                assert response.status_code == 404, (method, url, listing.status)
                checked += 1
            else:
                # The stranger's own pages: they never mention someone else's listing.
                assert response.status_code in (200, 302), (method, url)
                assert listing.name not in response.get_data(as_text=True), (method, url)
    assert checked >= 5 * 9
    assert_untouched(victim_listings)
    # Nothing was created in the stranger's name either, except by the create form itself.
    assert all(item.owner_id != stranger.id or item.name == "Hijacked"
               for item in db.session.scalars(select(Listing)))


def test_an_admin_may_open_someone_elses_listing(client, make_user, victim_listings):
    client.sign_in(make_user("admin@example.org", admin=True))
    draft = victim_listings[0]
    response = client.get(f"/my/listings/{draft.id}/edit")
    assert response.status_code == 200
    assert draft.name in response.get_data(as_text=True)


def test_a_missing_listing_is_404_too(client, make_user):
    client.sign_in(make_user())
    assert client.get("/my/listings/999999/edit").status_code == 404
    assert client.post("/my/listings/999999/pause").status_code == 404


def test_a_suspended_owner_is_signed_out(app, client, make_user, make_listing):
    from directory.timeutil import utcnow

    owner = make_user("suspended@example.org")
    listing = make_listing(owner, status="draft")
    client.sign_in(owner)
    owner.suspended_at = utcnow()
    db.session.commit()
    response = client.get(f"/my/listings/{listing.id}/edit")
    assert response.status_code == 302
    with app.test_request_context():
        assert response.headers["Location"].startswith(url_for("accounts.sign_in"))


def test_state_changes_need_post(client, make_user, make_listing):
    owner = make_user("owner2@example.org")
    listing = make_listing(owner, status="published")
    client.sign_in(owner)
    for action in ("submit", "pause", "resume", "reconfirm"):
        assert client.get(f"/my/listings/{listing.id}/{action}").status_code == 405
    db.session.refresh(listing)
    assert listing.status == "published"


def assert_untouched(listings: list[Listing]) -> None:
    """Each listing still has the name and status its factory gave it ('Private <status> listing')."""
    expected = {listing.id: (f"Private {status} listing", status)
                for listing, status in zip(listings, VICTIM_STATUSES, strict=True)}
    db.session.expire_all()
    found = {listing.id: (listing.name, listing.status)
             for listing in db.session.scalars(select(Listing).where(Listing.id.in_(expected)))}
    assert found == expected


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_every_owner_form_carries_a_csrf_token_and_posts_without_one_fail(client, make_user, make_listing):
    import re

    owner = make_user("owner3@example.org")
    listing = make_listing(owner, status="published")
    client.sign_in(owner)
    assert client.post(f"/my/listings/{listing.id}/pause").status_code == 400
    db.session.refresh(listing)
    assert listing.status == "published"

    dashboard = client.get("/my/listings").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf_token" '
                       r'value="([^"]+)"', dashboard)
    assert f"/my/listings/{listing.id}/pause" in [action for action, _ in forms]
    token = dict(forms)[f"/my/listings/{listing.id}/pause"]
    assert client.post(f"/my/listings/{listing.id}/pause", data={"csrf_token": token}).status_code == 302
    db.session.refresh(listing)
    assert listing.status == "paused"

    form_page = client.get("/my/listings/new?kind=group").get_data(as_text=True)
    token = re.search(r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', form_page)
    assert token, "the listing form has no CSRF token"
    data = {"name": "With a token", "save_draft": "Save draft"}
    assert client.post("/my/listings/new?kind=group", data=data).status_code == 400
    with_token = {**data, "csrf_token": token.group(1)}
    assert client.post("/my/listings/new?kind=group", data=with_token).status_code == 302
