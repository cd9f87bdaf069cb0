"""What every moderation call checks first: who may act, that a reason was given, and the errors it raises.

The errors' messages are fit to show the user; views flash them as they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, object_session

from ..accounts.models import User
from ..extensions import db
from ..i18n import gettext
from ..listings.models import (
    STATUS_CHANGES_REQUESTED,
    STATUS_EXPIRED,
    STATUS_PAUSED,
    STATUS_PUBLISHED,
    STATUS_REJECTED,
    STATUS_UNPUBLISHED,
    STATUS_WITHDRAWN,
    Listing,
)

# Statuses in which a listing has been approved once, so edits go through a revision.
APPROVED_STATUSES = (STATUS_PUBLISHED, STATUS_PAUSED, STATUS_EXPIRED)
# After a review decision: finding one of these where "pending" was expected means someone else decided.
DECIDED_STATUSES = (
    STATUS_PUBLISHED,
    STATUS_REJECTED,
    STATUS_CHANGES_REQUESTED,
    STATUS_UNPUBLISHED,
    STATUS_WITHDRAWN,
    STATUS_PAUSED,
    STATUS_EXPIRED,
)
MAX_REASON_LENGTH = 2000


class ModerationError(Exception):
    """A moderation rule was broken; the message is fit to show the user."""


class NothingToReview(ModerationError):
    """A proposed edit changes nothing, so there is nothing for an admin to look at."""

    def __init__(self, message: str | None = None):
        super().__init__(message or gettext("That edit changes nothing."))


class AlreadyDecided(ModerationError):
    """Someone else decided this item between loading it and acting on it."""

    def __init__(self, message: str | None = None):
        super().__init__(message or gettext(
            "This was already decided by another admin. Please reload the page."))


def session_of(obj: Any) -> Session:
    """The session the object lives in (tests use two), else the request's."""
    return object_session(obj) or db.session()


def require_admin(admin: User | None) -> None:
    if admin is None or not admin.is_admin:
        raise ModerationError(gettext("Only an admin can do that."))
    if admin.is_suspended:
        raise ModerationError(gettext("A suspended account cannot moderate."))


def require_owner_or_admin(listing: Listing, actor: User | None) -> None:
    if actor is None:
        raise ModerationError(gettext("Please sign in first."))
    if actor.is_suspended:
        raise ModerationError(gettext("This account is suspended."))
    if actor.is_admin or (listing.owner_id is not None and listing.owner_id == actor.id):
        return
    raise ModerationError(gettext("Only the listing's owner can do that."))


def require_reason(reason: str | None, *, note: bool = False) -> str:
    """The reason (or, with `note`, the note saying what to change) an admin gave, which the owner reads."""
    text = (reason or "").strip()
    if not text:
        raise ModerationError(
            gettext("Please give a note saying what to change; the owner will see it.") if note
            else gettext("Please give a reason; the owner will see it."))
    if len(text) > MAX_REASON_LENGTH:
        raise ModerationError(gettext("Please keep it under %(limit)s characters.", limit=MAX_REASON_LENGTH))
    return text


def who(user: User | None) -> str:
    """Whoever acted, as a log line names them (never an address: logs leave the database)."""
    return f"user {user.id}" if user is not None else "the system"
