"""The mail that tells an owner what an admin decided. It is sent after the commit: a mail failure never
undoes a decision."""

from __future__ import annotations

import logging

from ..listings.models import STATUS_PUBLISHED, Listing
from ..mail import MailError, send_mail
from ..urls import external_url
from .audit import (
    ACTION_APPROVE,
    ACTION_APPROVE_REVISION,
    ACTION_REJECT,
    ACTION_REJECT_REVISION,
    ACTION_REPORT_EDIT_REQUEST,
    ACTION_REQUEST_CHANGES,
    ACTION_REQUEST_REVISION_CHANGES,
    ACTION_UNPUBLISH,
)

logger = logging.getLogger(__name__)


DECISION_MAIL = {
    ACTION_APPROVE: ("Your listing is published", "An admin approved “{name}”. It is now public."),
    ACTION_REJECT: ("Your listing was not approved", "An admin did not approve “{name}”."),
    ACTION_REQUEST_CHANGES: (
        "Changes needed before your listing is published",
        "An admin asks for changes to “{name}” before it can be published.",
    ),
    ACTION_UNPUBLISH: (
        "Your listing was unpublished",
        "An admin unpublished “{name}”. It is no longer public.",
    ),
    ACTION_APPROVE_REVISION: (
        "Your edit is live",
        "An admin approved your edit to “{name}”. It is now public.",
    ),
    ACTION_REJECT_REVISION: (
        "Your edit was not approved",
        "An admin did not approve your edit to “{name}”. The earlier version stays public.",
    ),
    ACTION_REQUEST_REVISION_CHANGES: (
        "Changes needed to your edit",
        "An admin asks for changes to your edit of “{name}”. The earlier version stays public meanwhile.",
    ),
    ACTION_REPORT_EDIT_REQUEST: (
        "Please update your listing",
        "A visitor reported that “{name}” may be out of date. It stays public; please check and update it.",
    ),
}


def notify_owner(listing: Listing, action: str, reason: str = "") -> bool:
    """Mail the owner about a decision. Returns False (and logs) when it could not be sent."""
    owner = listing.owner
    if owner is None or action not in DECISION_MAIL:
        return False
    subject, headline = DECISION_MAIL[action]
    try:
        send_mail(
            owner.email,
            subject,
            "moderation_decision",
            headline=headline.format(name=listing.name),
            listing=listing,
            owner=owner,
            reason=reason,
            action=action,
            dashboard_url=external_url("owner.dashboard"),
            listing_url=(external_url("listings.detail", slug=listing.slug)
                         if listing.status == STATUS_PUBLISHED else None),
        )
    except MailError:
        logger.warning("decision mail for listing %s could not be sent", listing.id)
        return False
    return True
