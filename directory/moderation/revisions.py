"""Edits to an approved listing: kept for review while the approved version stays public, then decided.

At most one edit per listing waits: a new one supersedes the last.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, or_, select, update

from .. import data_version
from ..accounts.models import User
from ..database import commit, rows_matched
from ..extensions import db
from ..i18n import gettext
from ..listings import snapshots
from ..listings.models import STATUS_PUBLISHED, Listing
from ..timeutil import utcnow
from .audit import (
    ACTION_APPROVE_REVISION,
    ACTION_PROPOSE_REVISION,
    ACTION_REJECT_REVISION,
    ACTION_REQUEST_REVISION_CHANGES,
    record,
)
from .cascade import supersede_pending_revisions
from .decision_mail import deliver_decision, queue_decision
from .models import (
    REVISION_APPROVED,
    REVISION_CHANGES_REQUESTED,
    REVISION_PENDING,
    REVISION_REJECTED,
    REVISION_SUPERSEDED,
    ModerationEvent,
    Revision,
)
from .rules import (
    APPROVED_STATUSES,
    AlreadyDecided,
    ModerationError,
    NothingToReview,
    require_admin,
    require_owner_or_admin,
    require_reason,
    session_of,
    who,
)

logger = logging.getLogger(__name__)


def pending_revision(listing: Listing) -> Revision | None:
    """The edit waiting for review, if any (at most one: a new one supersedes the last)."""
    return session_of(listing).scalar(
        select(Revision)
        .where(Revision.listing_id == listing.id, Revision.status == REVISION_PENDING)
        .order_by(Revision.created_at.desc(), Revision.id.desc())
        .limit(1)
    )


def propose_revision(listing: Listing, actor: User, data: dict[str, Any]) -> Revision:
    """Keep an edit to an approved listing for review; the approved version stays public meanwhile.

    `data` is a snapshot (or part of one, merged over the current content; see listings.snapshots.snapshot).
    """
    require_owner_or_admin(listing, actor)
    if not actor.is_confirmed:
        raise ModerationError(gettext("Please confirm your e-mail address before editing a listing."))
    if listing.status not in APPROVED_STATUSES:
        raise ModerationError(gettext("This listing is edited directly, not through a review."))
    current = snapshots.snapshot(listing)
    allowed = {*snapshots.EDITABLE_FIELDS, "topics", "audiences", "languages", "meetings"}
    unknown = set(data) - allowed
    if unknown:
        raise ModerationError(gettext("Unknown fields: %(fields)s.", fields=", ".join(sorted(unknown))))
    proposed = {**current, **data}
    if not snapshots.diff(current, proposed):
        raise NothingToReview()
    session = session_of(listing)
    supersede_pending_revisions(session, listing.id)
    revision = Revision(listing_id=listing.id, author_id=actor.id, data=proposed, status=REVISION_PENDING,
                        note="", created_at=utcnow())
    session.add(revision)
    session.flush()
    record(ACTION_PROPOSE_REVISION, actor, session=session, listing=listing, revision=revision)
    commit(session)
    logger.info("revision %s proposed for listing %s by %s", revision.id, listing.id, who(actor))
    return revision


def pending_revision_ids(listing_ids: list[int]) -> set[int]:
    """Which of these listings have an edit waiting for review (one query for a whole dashboard)."""
    if not listing_ids:
        return set()
    return set(db.session.scalars(
        select(Revision.listing_id)
        .where(Revision.listing_id.in_(listing_ids), Revision.status == REVISION_PENDING)
    ))


def revisions_by(user: User) -> list[Revision]:
    written = select(Revision).where(Revision.author_id == user.id).order_by(Revision.id)
    return list(db.session.scalars(written))


def delete_revisions(user: User, listing_ids: list[int]) -> None:
    """Forget the edits a person wrote and every edit of their listings (their account is being deleted)."""
    written = Revision.author_id == user.id
    if listing_ids:
        written = or_(written, Revision.listing_id.in_(listing_ids))
    db.session.execute(delete(Revision).where(written).execution_options(synchronize_session=False))
    commit()


def revision_diff(revision: Revision) -> list[tuple[str, Any, Any]]:
    """(field, published value, proposed value) for each changed field."""
    return snapshots.diff(snapshots.snapshot(revision.listing), revision.data)


def _decide_revision(revision: Revision, admin: User, *, target: str, action: str, note: str = "",
                     publish: bool = False) -> ModerationEvent:
    """Claim a pending revision with a conditional UPDATE (`publish` makes it the listing's content), record
    the decision, commit, then tell the owner."""
    require_admin(admin)
    session = session_of(revision)
    if revision.status != REVISION_PENDING:
        raise AlreadyDecided() if revision.status != REVISION_SUPERSEDED else ModerationError(
            gettext("The owner replaced this edit with a newer one. Please review that one."))
    result = session.execute(
        update(Revision)
        .where(Revision.id == revision.id, Revision.status == REVISION_PENDING)
        .values(status=target, decided_at=utcnow(), decided_by_id=admin.id, note=note)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided()
    listing = revision.listing
    if publish:
        snapshots.apply_snapshot(listing, revision.data)
        listing.last_confirmed_at = utcnow()
        listing.moderation_note = ""
        data_version.bump(session)
    event = record(action, admin, session=session, listing=listing, revision=revision, reason=note)
    mail = queue_decision(listing, action, note, published=listing.status == STATUS_PUBLISHED,
                          session=session)
    commit(session)
    session.refresh(revision)
    logger.info("revision %s of listing %s: %s by %s", revision.id, listing.id, action, who(admin))
    deliver_decision(mail)
    return event


def approve_revision(revision: Revision, admin: User) -> ModerationEvent:
    """Make the edit the public version. The owner just looked at it, so it counts as a confirmation."""
    return _decide_revision(revision, admin, target=REVISION_APPROVED, action=ACTION_APPROVE_REVISION,
                            publish=True)


def reject_revision(revision: Revision, admin: User, reason: str) -> ModerationEvent:
    reason = require_reason(reason)
    return _decide_revision(revision, admin, target=REVISION_REJECTED, action=ACTION_REJECT_REVISION,
                            note=reason)


def request_revision_changes(revision: Revision, admin: User, note: str) -> ModerationEvent:
    note = require_reason(note, note=True)
    return _decide_revision(revision, admin, target=REVISION_CHANGES_REQUESTED,
                            action=ACTION_REQUEST_REVISION_CHANGES, note=note)


def revision_author(revision: Revision) -> User | None:
    return db.session.get(User, revision.author_id) if revision.author_id else None
