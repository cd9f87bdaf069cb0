"""Export and delete everything the site holds about one person, through each feature's own services."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from ..accounts import services as accounts
from ..accounts.models import User
from ..accounts.passwords import require_current_password
from ..contact import services as contact
from ..database import one_transaction
from ..listings import services as listings
from ..listings.models import STATUS_WITHDRAWN
from ..listings.snapshots import snapshot
from ..moderation import audit, revisions
from ..moderation import services as moderation
from ..outbox import forget_recipient
from ..timeutil import utcnow

logger = logging.getLogger(__name__)

iso = accounts.iso


def export_person(user: User) -> dict[str, Any]:
    """Everything the site holds about this person, as JSON-safe data (never the password hash)."""
    owned = sorted(listings.listings_owned_by(user), key=lambda listing: listing.id)
    listing_ids = [listing.id for listing in owned]
    held = contact.held_counts(listing_ids)
    return {
        "exported_at": iso(utcnow()),
        "site": current_app.config["SITE_NAME"],
        "account": accounts.account_record(user),
        "listings": [
            {
                "id": listing.id,
                "kind": listing.kind,
                "slug": listing.slug,
                "status": listing.status,
                "created_at": iso(listing.created_at),
                "updated_at": iso(listing.updated_at),
                "submitted_at": iso(listing.submitted_at),
                "published_at": iso(listing.published_at),
                "last_confirmed_at": iso(listing.last_confirmed_at),
                "moderation_note": listing.moderation_note,
                "content": snapshot(listing),
                "contact_messages": {
                    "relayed_in_total": listing.contact_count,
                    "held_now": held.get(listing.id, 0),
                },
            }
            for listing in owned
        ],
        "revisions": [
            {
                "id": revision.id,
                "listing_id": revision.listing_id,
                "status": revision.status,
                "note": revision.note,
                "created_at": iso(revision.created_at),
                "decided_at": iso(revision.decided_at),
                "proposed": revision.data,
            }
            for revision in revisions.revisions_by(user)
        ],
        "moderation_events": [
            {
                "action": event.action,
                "listing_id": event.listing_id,
                "about_my_account": event.target_user_id == user.id,
                "reason": event.reason,
                "at": iso(event.created_at),
            }
            for event in audit.events_about(user, listing_ids)
        ],
    }


def delete_person(user: User, password: str) -> None:
    """Delete an account, all at once or not at all: its listings are withdrawn through moderation (an
    audit row each) and stripped of their contact details, its edits and the messages kept for it are
    deleted, so is the outbox's mail to its address, and the audit log notes that an account was deleted,
    not whose. The notice goes after."""
    require_current_password(user, password)
    address, name, language = user.email, user.display_name, user.language
    owned = listings.listings_owned_by(user)
    with one_transaction():
        for listing in owned:
            if listing.status != STATUS_WITHDRAWN:
                moderation.withdraw(listing, user, via="account deletion")
            listings.forget_owner(listing)
        listing_ids = [listing.id for listing in owned]
        contact.delete_messages_for(listing_ids)
        revisions.delete_revisions(user, listing_ids)
        forget_recipient(address)
        audit.record(audit.ACTION_ACCOUNT_DELETED, None)
        accounts.delete_user(user)
    logger.info("an account was deleted; %s listings withdrawn", len(owned))
    accounts.send_deletion_notice(address, name, language)
