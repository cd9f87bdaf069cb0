"""The mail that tells an owner what an admin decided. It is queued in the outbox in the decision's own
transaction and tried after the commit: a mail failure never undoes a decision, and a decision never
loses its mail."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from ..listings.models import Listing
from ..outbox import OutboxMessage, deliver, queue_mail
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


def queue_decision(listing: Listing, action: str, reason: str = "", *, published: bool,
                   session: Session | None = None) -> OutboxMessage | None:
    """Queue the owner's mail about a decision in the decision's own transaction (`session`); the caller
    commits, then deliver()s it. `published`: the listing is public once the decision is saved."""
    owner = listing.owner
    if owner is None or action not in DECISION_MAIL:
        return None
    subject, headline = DECISION_MAIL[action]
    return queue_mail(
        owner.email,
        subject,
        "moderation_decision",
        session=session,
        headline=headline.format(name=listing.name),
        listing=listing,
        owner=owner,
        reason=reason,
        action=action,
        dashboard_url=external_url("owner.dashboard"),
        listing_url=external_url("listings.detail", slug=listing.slug) if published else None,
    )


def deliver_decision(mail: OutboxMessage | None) -> None:
    """Try the queued decision mail once, after the commit; what fails waits in the outbox."""
    if mail is not None:
        deliver(mail)
