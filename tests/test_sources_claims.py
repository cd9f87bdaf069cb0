"""Claiming an imported listing: an admin approves, or the person confirms an address the source listed."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.interop.sources import claims, registry, services
from directory.listings.models import Listing
from directory.moderation.models import ModerationEvent

from .feeds import FeedServer
from .test_sources_import import kept, meeting, serve

pytestmark = pytest.mark.config(SOURCES_ALLOW_PRIVATE=True)


@pytest.fixture
def imported(geo):
    """A trusted source with one group, and a function that serves new rows for it."""
    with FeedServer() as feeds:
        rows = [meeting("a")]
        source = kept(serve(feeds, "/f.json", rows), trusted=True)
        services.sync(source)

        def publish(new_rows):
            serve(feeds, "/f.json", new_rows)
            return services.sync(source)

        yield db.session.scalars(select(Listing)).one(), publish


def test_a_waiting_claim_is_in_the_admin_navigation_and_leads_to_the_claims(app, imported, make_user):
    listing, _ = imported
    admin = app.test_client(user=make_user(admin=True))
    assert "waiting" not in admin.get("/").get_data(as_text=True)
    claims.request_claim(listing, make_user(), "I am the group's secretary.")
    db.session.commit()
    assert 'href="/admin/claims">Admin (1 claim waiting)' in admin.get("/").get_data(as_text=True)
    assert 'aria-label="1 claims waiting">1</span>' in admin.get("/admin/sources").get_data(as_text=True)
    assert 'href="/admin/claims">Administración (1 reclamación en espera)' in admin.get(
        "/?lang=es").get_data(as_text=True)


def test_admin_approves_a_claim_and_syncs_stop_overwriting(imported, make_user):
    listing, publish = imported
    member, admin = make_user(), make_user(admin=True)
    with pytest.raises(claims.ClaimError, match="how you are connected"):
        claims.request_claim(listing, member, "  ")
    claim = claims.request_claim(listing, member, "I am the group's secretary.")
    assert claim.status == "pending" and listing.owner_id is None
    assert claims.pending_claims() == [claim]
    with pytest.raises(claims.ClaimError, match="already asked"):
        claims.request_claim(listing, member, "Again")
    claims.approve_claim(claim, admin)
    assert (claim.status, listing.owner_id) == ("approved", member.id)
    assert not registry.record_of(listing.id).following
    with pytest.raises(claims.ClaimError, match="already has an owner"):
        claims.request_claim(listing, make_user(), "Me too")
    publish([meeting("a", time="20:00", address="1 Other St")])
    db.session.refresh(listing)
    assert listing.meetings[0].start_time.strftime("%H:%M") == "12:00"  # theirs now: left alone
    publish([])  # gone from the source: an owned listing is not paused either
    db.session.refresh(listing)
    assert listing.status == "published"
    actions = db.session.scalars(select(ModerationEvent.action).order_by(ModerationEvent.id)).all()
    assert actions == ["imported", "claim_requested", "claim_approved"]


def test_admin_refuses_a_claim_with_a_reason(imported, make_user):
    listing, _ = imported
    member, admin = make_user(), make_user(admin=True)
    claim = claims.request_claim(listing, member, "Mine")
    with pytest.raises(claims.ClaimError, match="give a reason"):
        claims.reject_claim(claim, admin, "")
    claims.reject_claim(claim, admin, "The intergroup does not know you.")
    assert (claim.status, claim.note) == ("rejected", "The intergroup does not know you.")
    assert listing.owner_id is None
    with pytest.raises(claims.ClaimError, match="only an admin|Only an admin"):
        claims.approve_claim(claims.request_claim(listing, member, "Please"), member)


def test_claim_is_automatic_for_the_address_the_source_lists(imported, make_user):
    listing, publish = imported
    secretary = make_user("secretary@example.org")
    claim = claims.request_claim(listing, secretary, "", keep_following=True)
    assert (claim.status, listing.owner_id) == ("approved", secretary.id)
    assert registry.record_of(listing.id).following
    publish([meeting("a", time="20:00")])  # they chose to keep following the source
    db.session.refresh(listing)
    assert listing.meetings[0].start_time.strftime("%H:%M") == "20:00"


def test_an_unconfirmed_account_cannot_claim(imported, make_user):
    listing, _ = imported
    with pytest.raises(claims.ClaimError, match="confirm your e-mail"):
        claims.request_claim(listing, make_user("secretary@example.org", confirmed=False), "")


def test_claim_by_a_link_sent_to_the_listed_address(imported, make_user, sent_mail):
    listing, _ = imported
    member = make_user("someone@else.org")
    with pytest.raises(claims.ClaimError, match="Choose one of the addresses"):
        claims.send_claim_link(listing, member, "someone@else.org")
    claims.send_claim_link(listing, member, "secretary@example.org")
    message = sent_mail()[-1]
    assert message["To"] == "secretary@example.org"
    link = re.search(r"http://localhost/claims/confirm/(\S+)", message.get_body(("plain",)).get_content())
    token = link.group(1)
    with pytest.raises(claims.ClaimError, match="another account"):
        claims.confirm_claim_link(token, make_user())
    with pytest.raises(claims.ClaimError, match="not valid"):
        claims.confirm_claim_link(token[:-3] + "abc", member)
    claims.confirm_claim_link(token, member)
    assert listing.owner_id == member.id
    approved = select(ModerationEvent.reason).where(ModerationEvent.action == "claim_approved")
    reason = db.session.scalars(approved).one()
    assert reason == "s•••@example.org confirmed"
    assert json.dumps(reason)
