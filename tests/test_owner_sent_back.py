"""A listing an admin sent back (changes requested, rejected, unpublished) is mended and sent again from one
place: its card offers "Edit and send for review again", and the form shows the admin's reason above it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.listings.models import Listing
from directory.moderation import services as moderation
from directory.moderation.models import ModerationEvent
from tests.factories import make_topic
from tests.test_owner_listings import group_form, page_text


@pytest.fixture
def people(make_user):
    make_topic("grief", "Grief and loss")
    return make_user("owner@example.org"), make_user("admin@example.org", admin=True)


def sent_back(make_listing, owner, admin, how: str) -> Listing:
    if how == "unpublished":
        listing = make_listing(owner=owner, status="published", name="Dayton Dads Circle")
        moderation.unpublish(listing, admin, "The meeting place has closed; say where you meet now.")
    else:
        listing = make_listing(owner=owner, status="pending", name="Dayton Dads Circle")
        moderation.request_changes(listing, admin, "The meeting place has closed; say where you meet now.")
    return listing


@pytest.mark.parametrize("how", ["changes_requested", "unpublished"])
def test_the_card_offers_to_edit_and_send_again_with_the_reason(client, make_listing, people, how):
    owner, admin = people
    listing = sent_back(make_listing, owner, admin, how)
    client.sign_in(owner)
    card = client.get("/my/listings").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" role="button" class="">Edit and send for review again', card)
    assert link and link.group(1) == f"/my/listings/{listing.id}/edit"

    form = page_text(client.get(link.group(1)))
    assert form.index("The meeting place has closed") < form.index("About the group")
    assert "Send for review again" in client.get(link.group(1)).get_data(as_text=True)

    response = client.post(link.group(1), data=group_form(submit_review="Send for review again"))
    assert response.status_code == 302
    db.session.expire_all()
    assert listing.status == "pending" and listing.name == "Dayton Dads Circle"
    submits = select(func.count()).where(ModerationEvent.listing_id == listing.id,
                                         ModerationEvent.action == "submit")
    assert db.session.scalar(submits) == 1


def test_an_unpublished_listing_kept_as_a_draft_stays_unpublished(client, make_listing, people):
    owner, admin = people
    listing = sent_back(make_listing, owner, admin, "unpublished")
    client.sign_in(owner)
    client.post(f"/my/listings/{listing.id}/edit", data=group_form(name="New name", save_draft="Save draft"))
    db.session.expire_all()
    assert (listing.status, listing.name) == ("unpublished", "New name")
    assert client.application.test_client().get(f"/listings/{listing.slug}").status_code == 410  # not public


def test_a_withdrawn_listing_still_cannot_be_edited(client, make_listing, people):
    owner, _ = people
    listing = make_listing(owner=owner, status="withdrawn")
    client.sign_in(owner)
    response = client.get(f"/my/listings/{listing.id}/edit")
    assert response.status_code == 302 and response.headers["Location"].startswith("/my/listings")
