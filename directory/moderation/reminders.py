"""Keeping listings current: "still meeting?" reminders with a signed one-time link, and expiry.

The link works without signing in, so it is signed (own salt), expires, and carries the listing's
last_confirmed_at and reminder_sent_at: answering changes one of them, which kills the link.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, func, or_, select, update

from ..accounts.models import User
from ..database import commit, rows_matched
from ..extensions import db
from ..i18n import gettext, lazy_gettext
from ..listings.freshness import freshness
from ..listings.models import STATUS_EXPIRED, STATUS_PAUSED, STATUS_PUBLISHED, Listing
from ..outbox import send_mail
from ..timeutil import utcnow
from ..urls import external_url
from . import services
from .rules import ModerationError

logger = logging.getLogger(__name__)

TOKEN_SALT = "directory.moderation.still-meeting"  # noqa: S105 - a salt, not a secret  # nosec B105
# Listings whose owner can answer the link: an expired one comes back with "yes".
ANSWERABLE = (STATUS_PUBLISHED, STATUS_PAUSED, STATUS_EXPIRED)


class LinkError(ModerationError):
    """The reminder link is broken, expired or already used; the message says which."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def link_max_age() -> int:
    return int(current_app.config["RECONFIRM_LINK_DAYS"]) * 24 * 3600


def make_token(listing: Listing) -> str:
    """A link for the listing's current reminder; it dies when either timestamp changes."""
    return _serializer().dumps(
        {"l": listing.id, "c": _stamp(listing.last_confirmed_at), "r": _stamp(listing.reminder_sent_at)}
    )


def read_token(token: str) -> Listing:
    """The listing a valid, unused, unexpired link is for; LinkError otherwise."""
    try:
        payload: Any = _serializer().loads(token, max_age=link_max_age())
    except SignatureExpired as error:
        raise LinkError(gettext("This link has expired. Please sign in to confirm your listing.")) from error
    except BadSignature as error:
        raise LinkError(gettext("This link is not valid. It may have been copied incompletely.")) from error
    if not isinstance(payload, dict) or not isinstance(payload.get("l"), int):
        raise LinkError(gettext("This link is not valid. It may have been copied incompletely."))
    listing = db.session.get(Listing, payload["l"])
    if (
        listing is None
        or listing.status not in ANSWERABLE
        or _stamp(listing.last_confirmed_at) != payload.get("c")
        or _stamp(listing.reminder_sent_at) != payload.get("r")
    ):
        raise LinkError(gettext("This link was already used, or the listing changed since. Thank you!"))
    return listing


def _confirmed_expression() -> ColumnElement[datetime]:
    return func.coalesce(Listing.last_confirmed_at, Listing.published_at, Listing.created_at)


def due_listing_ids(now: datetime) -> list[int]:
    """Published listings of active owners, unconfirmed for REMINDER_AFTER_DAYS, not yet reminded."""
    cutoff = now - timedelta(days=int(current_app.config["REMINDER_AFTER_DAYS"]))
    confirmed = _confirmed_expression()
    return list(
        db.session.scalars(
            select(Listing.id)
            .join(User, User.id == Listing.owner_id)
            .where(
                Listing.status == STATUS_PUBLISHED,
                User.suspended_at.is_(None),
                confirmed <= cutoff,
                or_(Listing.reminder_sent_at.is_(None), Listing.reminder_sent_at < confirmed),
            )
            .order_by(Listing.id)
        )
    )


def _claim(listing_id: int, now: datetime, *, expired: bool = False) -> bool:
    """Mark the reminder as sent first, so a second run (or a parallel one) never sends it again."""
    statement = update(Listing).where(Listing.id == listing_id)
    if not expired:
        confirmed = _confirmed_expression()
        statement = statement.where(
            Listing.status == STATUS_PUBLISHED,
            or_(Listing.reminder_sent_at.is_(None), Listing.reminder_sent_at < confirmed),
        )
    result = db.session.execute(
        statement.values(reminder_sent_at=now, updated_at=Listing.updated_at)
        .execution_options(synchronize_session=False)
    )
    commit()
    return rows_matched(result) == 1


def _mail(listing: Listing, *, expired: bool) -> None:
    owner = listing.owner
    if listing.kind == "mentor":
        subject = (lazy_gettext("Your listing left the search: still mentoring?") if expired
                   else lazy_gettext("Are you still mentoring?"))
    elif expired:
        subject = lazy_gettext("Your listing left the search: is it still meeting?")
    else:
        subject = lazy_gettext("Is your group still meeting?")
    send_mail(
        owner.email,
        subject,
        "moderation_reminder",
        language=owner.language,
        name=owner.display_name,
        listing=listing,
        expired=expired,
        link=external_url("moderation.still_meeting", token=make_token(listing)),
        link_days=link_max_age() // (24 * 3600),
        freshness=freshness(listing),
    )


def _remind(listing_id: int, now: datetime, *, expired: bool = False) -> bool:
    if not _claim(listing_id, now, expired=expired):
        return False
    listing = db.session.get_one(Listing, listing_id)
    db.session.refresh(listing)
    if listing.owner is None or listing.owner.is_suspended:
        return False
    # Queued in the outbox: a mail server that is down delays the reminder, never loses it.
    _mail(listing, expired=expired)
    logger.info("reminder queued for listing %s (expired=%s)", listing_id, expired)
    return True


def send_reminders(now: datetime | None = None) -> int:
    """E-mail each due owner once. Safe to run again: a sent reminder is never sent twice."""
    now = now or utcnow()
    return sum(1 for listing_id in due_listing_ids(now) if _remind(listing_id, now))


def expire_and_notify(now: datetime | None = None) -> list[int]:
    """Expire stale listings and send each owner a fresh link that brings the listing back."""
    now = now or utcnow()
    expired = services.expire_stale(now)
    for listing_id in expired:
        _remind(listing_id, now, expired=True)
    return expired
