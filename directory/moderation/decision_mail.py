"""The mail that tells an owner what an admin decided. It is queued in the outbox in the decision's own
transaction and tried after the commit: a mail failure never undoes a decision, and a decision never
loses its mail."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from ..i18n import lazy_gettext
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


# (subject, headline) per decision, read in the owner's language; the mail fills the headline's %(name)s.
DECISION_MAIL = {
    ACTION_APPROVE: (
        lazy_gettext("Your listing is published"),
        lazy_gettext("An admin approved “%(name)s”. It is now public."),
    ),
    ACTION_REJECT: (
        lazy_gettext("Your listing was not approved"),
        lazy_gettext("An admin did not approve “%(name)s”."),
    ),
    ACTION_REQUEST_CHANGES: (
        lazy_gettext("Changes needed before your listing is published"),
        lazy_gettext("An admin asks for changes to “%(name)s” before it can be published."),
    ),
    ACTION_UNPUBLISH: (
        lazy_gettext("Your listing was unpublished"),
        lazy_gettext("An admin unpublished “%(name)s”. It is no longer public."),
    ),
    ACTION_APPROVE_REVISION: (
        lazy_gettext("Your edit is live"),
        lazy_gettext("An admin approved your edit to “%(name)s”. It is now public."),
    ),
    ACTION_REJECT_REVISION: (
        lazy_gettext("Your edit was not approved"),
        lazy_gettext("An admin did not approve your edit to “%(name)s”. The earlier version stays public."),
    ),
    ACTION_REQUEST_REVISION_CHANGES: (
        lazy_gettext("Changes needed to your edit"),
        lazy_gettext("An admin asks for changes to your edit of “%(name)s”. "
                     "The earlier version stays public meanwhile."),
    ),
    ACTION_REPORT_EDIT_REQUEST: (
        lazy_gettext("Please update your listing"),
        lazy_gettext("A visitor reported that “%(name)s” may be out of date. "
                     "It stays public; please check and update it."),
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
        language=owner.language,
        headline=headline,
        listing_name=listing.name,
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
