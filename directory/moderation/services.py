"""A listing's moderation states: every transition is one call that changes it and writes one audit row.

    draft ─submit→ pending ─approve→ published ─pause→ paused ─resume→ published
                     │                   ├─unpublish→ unpublished (admin, with a reason) ─submit→ pending
                     │                   ├─expire→ expired ─reconfirm→ published
                     │                   └─withdraw→ withdrawn (owner; from any state)
                     ├─reject→ rejected ──────────┐
                     └─request_changes→ changes_requested ─submit→ pending

Decisions are conditional UPDATEs (`... WHERE id = :id AND status = :expected`): when two admins act on
the same item at once, the second one matches no row and gets AlreadyDecided instead of a second decision.
Each call commits (database.commit); the owner is mailed after the commit, so a mail failure never undoes
a decision.

Edits, reports and accounts have modules of their own (revisions, reports, users); they share
rules.py's checks and audit.py's `record`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import data_version
from ..accounts.models import User
from ..alerts.services import queue_matches
from ..database import commit, rows_matched
from ..extensions import db
from ..i18n import gettext
from ..listings.models import (
    STATUS_CHANGES_REQUESTED,
    STATUS_DRAFT,
    STATUS_EXPIRED,
    STATUS_PAUSED,
    STATUS_PENDING,
    STATUS_PUBLISHED,
    STATUS_REJECTED,
    STATUS_UNPUBLISHED,
    STATUS_WITHDRAWN,
    STATUSES,
    Listing,
)
from ..timeutil import utcnow
from .audit import (
    ACTION_APPROVE,
    ACTION_EXPIRE,
    ACTION_PAUSE,
    ACTION_RECONFIRM,
    ACTION_REJECT,
    ACTION_REQUEST_CHANGES,
    ACTION_RESUME,
    ACTION_SUBMIT,
    ACTION_UNPUBLISH,
    ACTION_WITHDRAW,
    record,
)
from .cascade import resolve_open_reports, supersede_pending_revisions
from .decision_mail import deliver_decision, queue_decision
from .models import REPORT_RESOLVED, ModerationEvent, Report
from .rules import (
    APPROVED_STATUSES,
    DECIDED_STATUSES,
    AlreadyDecided,
    ModerationError,
    require_admin,
    require_owner_or_admin,
    require_reason,
    session_of,
    who,
)

logger = logging.getLogger(__name__)


def _transition(listing: Listing, *, sources: Iterable[str], target: str, action: str, actor: User | None,
                reason: str = "", review: bool = False, values: dict[str, Any] | None = None,
                also: Callable[[Session], Any] | None = None, notify: bool = False,
                **event_fields: Any) -> ModerationEvent:
    """Move a listing from one of `sources` to `target` with one conditional UPDATE, and record it.

    `review` marks admin decisions on a pending item: finding it already decided is AlreadyDecided.
    `also` runs in the same transaction once the listing is claimed (e.g. closing its reports).
    `notify` queues the owner's mail in that transaction too, and tries it after the commit.
    A listing that becomes public is matched against the alerts in the same transaction.
    """
    sources = tuple(sources)
    session = session_of(listing)
    if listing.status not in sources:
        if review and listing.status in DECIDED_STATUSES:
            raise AlreadyDecided()
        raise ModerationError(_forbidden_message(listing.status, action))
    now = utcnow()
    changes = {"status": target, "updated_at": now, **(values or {})}
    result = session.execute(
        update(Listing)
        .where(Listing.id == listing.id, Listing.status.in_(sources))
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        if review:
            raise AlreadyDecided()
        raise ModerationError(gettext("This listing changed meanwhile. Please reload the page."))
    if also is not None:
        also(session)
    if target == STATUS_PUBLISHED and listing.status != STATUS_PUBLISHED:
        # Published, resumed or back from expiry: people waiting for a group near it hear of it.
        queue_matches(session, listing, now)
    mail = (queue_decision(listing, action, reason, published=target == STATUS_PUBLISHED, session=session)
            if notify else None)
    event = record(action, actor, session=session, listing=listing, reason=reason, **event_fields)
    data_version.bump(session)
    commit(session)
    session.refresh(listing)
    logger.info("listing %s: %s by %s (%s -> %s)", listing.id, action, who(actor), sources, target)
    deliver_decision(mail)
    return event


def _forbidden_message(status: str, action: str) -> str:
    verbs = {
        ACTION_SUBMIT: "submitted for review",
        ACTION_APPROVE: "approved",
        ACTION_REJECT: "rejected",
        ACTION_REQUEST_CHANGES: "sent back for changes",
        ACTION_UNPUBLISH: "unpublished",
        ACTION_PAUSE: "paused",
        ACTION_RESUME: "resumed",
        ACTION_WITHDRAW: "withdrawn",
        ACTION_RECONFIRM: "reconfirmed",
    }
    return f"A listing that is {status.replace('_', ' ')} cannot be {verbs.get(action, action)}."


def submit(listing: Listing, actor: User) -> ModerationEvent:
    """The owner asks for review (first time, or again after changes were requested, a rejection or an
    unpublish)."""
    require_owner_or_admin(listing, actor)
    if not actor.is_confirmed:
        raise ModerationError(gettext("Please confirm your e-mail address before submitting a listing."))
    now = utcnow()
    return _transition(
        listing,
        sources=(STATUS_DRAFT, STATUS_CHANGES_REQUESTED, STATUS_REJECTED, STATUS_UNPUBLISHED),
        target=STATUS_PENDING,
        action=ACTION_SUBMIT,
        actor=actor,
        values={"submitted_at": now},
    )


def _review(listing: Listing, admin: User, *, target: str, action: str, note: str = "",
            values: dict[str, Any]) -> ModerationEvent:
    """An admin's decision on a pending listing; the owner's mail is queued with it."""
    return _transition(listing, sources=(STATUS_PENDING,), target=target, action=action, actor=admin,
                       reason=note, review=True, values=values, notify=True)


def approve(listing: Listing, admin: User) -> ModerationEvent:
    """Publish a pending listing; its confirmation clock starts now."""
    require_admin(admin)
    now = utcnow()
    return _review(listing, admin, target=STATUS_PUBLISHED, action=ACTION_APPROVE,
                   values={"published_at": now, "last_confirmed_at": now, "moderation_note": ""})


def reject(listing: Listing, admin: User, reason: str) -> ModerationEvent:
    require_admin(admin)
    reason = require_reason(reason)
    return _review(listing, admin, target=STATUS_REJECTED, action=ACTION_REJECT, note=reason,
                   values={"moderation_note": reason})


def request_changes(listing: Listing, admin: User, note: str) -> ModerationEvent:
    require_admin(admin)
    note = require_reason(note, note=True)
    return _review(listing, admin, target=STATUS_CHANGES_REQUESTED, action=ACTION_REQUEST_CHANGES, note=note,
                   values={"moderation_note": note})


def unpublish(listing: Listing, admin: User, reason: str, *, report: Report | None = None) -> ModerationEvent:
    """Take an approved listing out of public view; pending edits die with it."""
    require_admin(admin)
    reason = require_reason(reason)

    def close_related(session: Session) -> None:
        supersede_pending_revisions(session, listing.id)
        if report is not None:
            resolve_open_reports(session, listing.id, admin, REPORT_RESOLVED)

    event = _transition(
        listing,
        sources=APPROVED_STATUSES,
        target=STATUS_UNPUBLISHED,
        action=ACTION_UNPUBLISH,
        actor=admin,
        reason=reason,
        review=True,
        values={"moderation_note": reason},
        also=close_related,
        notify=True,
        report=report,
    )
    return event


def pause(listing: Listing, actor: User) -> ModerationEvent:
    """The owner hides a published listing for a while (holidays, a full group)."""
    require_owner_or_admin(listing, actor)
    return _transition(listing, sources=(STATUS_PUBLISHED,), target=STATUS_PAUSED, action=ACTION_PAUSE,
                       actor=actor)


def resume(listing: Listing, actor: User) -> ModerationEvent:
    """Back to public without a new review: the content was approved and has not changed."""
    require_owner_or_admin(listing, actor)
    return _transition(listing, sources=(STATUS_PAUSED,), target=STATUS_PUBLISHED, action=ACTION_RESUME,
                       actor=actor)


def withdraw(listing: Listing, actor: User, *, via: str = "") -> ModerationEvent:
    """The owner ends a listing for good, from any state; pending edits go with it."""
    require_owner_or_admin(listing, actor)
    sources = [status for status in STATUSES if status != STATUS_WITHDRAWN]
    return _transition(
        listing, sources=sources, target=STATUS_WITHDRAWN, action=ACTION_WITHDRAW, actor=actor,
        reason=f"via {via}" if via else "",
        also=lambda session: supersede_pending_revisions(session, listing.id),
    )


def reconfirm(listing: Listing, actor: User | None = None, via: str = "link") -> ModerationEvent:
    """The owner says the listing is still right: restart its clock; an expired one returns to search."""
    if actor is not None and via != "link":
        require_owner_or_admin(listing, actor)
    now = utcnow()
    target = STATUS_PUBLISHED if listing.status in (STATUS_PUBLISHED, STATUS_EXPIRED) else listing.status
    sources = (listing.status,) if listing.status in APPROVED_STATUSES else APPROVED_STATUSES
    return _transition(
        listing,
        sources=sources,
        target=target,
        action=ACTION_RECONFIRM,
        actor=actor,
        reason=f"via {via}" if via else "",
        values={"last_confirmed_at": now},
    )


def expire_stale(now: datetime | None = None) -> list[int]:
    """Published listings nobody confirmed for EXPIRE_AFTER_DAYS leave the search until reconfirmed.

    Returns the ids of the listings it expired (one audit row each).
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["EXPIRE_AFTER_DAYS"])
    session = db.session()
    ids = list(
        session.scalars(
            select(Listing.id).where(
                Listing.status == STATUS_PUBLISHED,
                func.coalesce(Listing.last_confirmed_at, Listing.published_at, Listing.created_at) <= cutoff,
            )
        )
    )
    expired: list[int] = []
    for listing_id in ids:
        result = session.execute(
            update(Listing)
            .where(Listing.id == listing_id, Listing.status == STATUS_PUBLISHED)
            .values(status=STATUS_EXPIRED, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_matched(result) == 1:
            record(ACTION_EXPIRE, None, session=session, listing_id=listing_id,
                   reason=f"not confirmed for {current_app.config['EXPIRE_AFTER_DAYS']} days")
            expired.append(listing_id)
            data_version.bump(session)
        commit(session)
    if expired:
        logger.info("%s stale listings expired", len(expired))
    return expired
