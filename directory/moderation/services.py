"""The moderation state machine: every transition is one call that changes the item and writes one audit row.

    draft ─submit→ pending ─approve→ published ─pause→ paused ─resume→ published
                     │                   ├─unpublish→ unpublished (admin, with a reason)
                     │                   ├─expire→ expired ─reconfirm→ published
                     │                   └─withdraw→ withdrawn (owner; from any state)
                     ├─reject→ rejected ──────────┐
                     └─request_changes→ changes_requested ─submit→ pending

Decisions are conditional UPDATEs (`... WHERE id = :id AND status = :expected`): when two admins act on
the same item at once, the second one matches no row and gets AlreadyDecided instead of a second decision.
Each call commits (database.commit); the owner is mailed after the commit, so a mail failure never undoes
a decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session, object_session

from ..accounts.models import ROLE_ADMIN, ROLE_MEMBER, User
from ..accounts.services import find_user, hash_password, signed_in
from ..database import commit, count_by, rows_matched
from ..extensions import db
from ..listings import snapshots
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
from ..mail import MailError, send_mail
from ..timeutil import utcnow
from ..urls import external_url, row_id
from .models import (
    REPORT_DISMISSED,
    REPORT_OPEN,
    REPORT_REASONS,
    REPORT_RESOLVED,
    REVISION_APPROVED,
    REVISION_CHANGES_REQUESTED,
    REVISION_PENDING,
    REVISION_REJECTED,
    REVISION_SUPERSEDED,
    ModerationEvent,
    Report,
    Revision,
)

logger = logging.getLogger(__name__)

# Audit actions: one ModerationEvent.action per kind of call.
ACTION_SUBMIT = "submit"
ACTION_APPROVE = "approve"
ACTION_REJECT = "reject"
ACTION_REQUEST_CHANGES = "request_changes"
ACTION_UNPUBLISH = "unpublish"
ACTION_PAUSE = "pause"
ACTION_RESUME = "resume"
ACTION_WITHDRAW = "withdraw"
ACTION_RECONFIRM = "reconfirm"
ACTION_EXPIRE = "expire"
ACTION_PROPOSE_REVISION = "propose_revision"
ACTION_APPROVE_REVISION = "approve_revision"
ACTION_REJECT_REVISION = "reject_revision"
ACTION_REQUEST_REVISION_CHANGES = "request_revision_changes"
ACTION_DISMISS_REPORT = "dismiss_report"
ACTION_REPORT_EDIT_REQUEST = "report_edit_request"
ACTION_SUSPEND = "suspend"
ACTION_UNSUSPEND = "unsuspend"
ACTION_ROLE_CHANGE = "role_change"
ACTION_ADMIN_SIGN_IN = "admin_sign_in"  # on accounts' signed_in signal (see audit_admin_sign_in)
ACTION_TWO_FACTOR_ENABLED = "two_factor_enabled"
ACTION_ACCOUNT_DELETED = "account_deleted"  # by datarights; the row says nothing about whose
# Imports from other directories (interop/sources): the reason names the source.
ACTION_IMPORTED = "imported"
ACTION_SOURCE_CHANGED = "source_changed"
ACTION_SOURCE_REVISION = "source_revision"
ACTION_SOURCE_GONE = "source_gone"
ACTION_SOURCE_BACK = "source_back"
ACTION_CLAIM_REQUESTED = "claim_requested"
ACTION_CLAIM_APPROVED = "claim_approved"
ACTION_CLAIM_REJECTED = "claim_rejected"

ACTION_LABELS = {
    ACTION_SUBMIT: "Submitted for review",
    ACTION_APPROVE: "Approved",
    ACTION_REJECT: "Rejected",
    ACTION_REQUEST_CHANGES: "Changes requested",
    ACTION_UNPUBLISH: "Unpublished",
    ACTION_PAUSE: "Paused",
    ACTION_RESUME: "Resumed",
    ACTION_WITHDRAW: "Withdrawn",
    ACTION_RECONFIRM: "Reconfirmed",
    ACTION_EXPIRE: "Expired (not confirmed)",
    ACTION_PROPOSE_REVISION: "Edit proposed",
    ACTION_APPROVE_REVISION: "Edit approved",
    ACTION_REJECT_REVISION: "Edit rejected",
    ACTION_REQUEST_REVISION_CHANGES: "Edit: changes requested",
    ACTION_DISMISS_REPORT: "Report dismissed",
    ACTION_REPORT_EDIT_REQUEST: "Edit requested (report)",
    ACTION_SUSPEND: "Account suspended",
    ACTION_UNSUSPEND: "Suspension lifted",
    ACTION_ROLE_CHANGE: "Role changed",
    ACTION_ADMIN_SIGN_IN: "Admin signed in",
    ACTION_TWO_FACTOR_ENABLED: "Two-step sign-in turned on",
    ACTION_ACCOUNT_DELETED: "Account deleted",
    ACTION_IMPORTED: "Imported",
    ACTION_SOURCE_CHANGED: "Updated from its source",
    ACTION_SOURCE_REVISION: "Edit from its source",
    ACTION_SOURCE_GONE: "Gone from its source",
    ACTION_SOURCE_BACK: "Back in its source",
    ACTION_CLAIM_REQUESTED: "Claim asked for",
    ACTION_CLAIM_APPROVED: "Claim approved",
    ACTION_CLAIM_REJECTED: "Claim refused",
}

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

    def __init__(self, message: str = "That edit changes nothing."):
        super().__init__(message)


class AlreadyDecided(ModerationError):
    """Someone else decided this item between loading it and acting on it."""

    def __init__(self, message: str = "This was already decided by another admin. Please reload the page."):
        super().__init__(message)


# ---------------------------------------------------------------------------------------------- helpers


def _session(obj: Any) -> Session:
    """The session the object lives in (tests use two), else the request's."""
    return object_session(obj) or db.session()


def _require_admin(admin: User | None) -> None:
    if admin is None or not admin.is_admin:
        raise ModerationError("Only an admin can do that.")
    if admin.is_suspended:
        raise ModerationError("A suspended account cannot moderate.")


def _require_owner_or_admin(listing: Listing, actor: User | None) -> None:
    if actor is None:
        raise ModerationError("Please sign in first.")
    if actor.is_suspended:
        raise ModerationError("This account is suspended.")
    if actor.is_admin or (listing.owner_id is not None and listing.owner_id == actor.id):
        return
    raise ModerationError("Only the listing's owner can do that.")


def _require_reason(reason: str | None, what: str = "a reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ModerationError(f"Please give {what}; the owner will see it.")
    if len(text) > MAX_REASON_LENGTH:
        raise ModerationError(f"Please keep it under {MAX_REASON_LENGTH} characters.")
    return text


def record(action: str, actor: User | None, *, session: Session | None = None,
           listing: Listing | None = None, revision: Revision | None = None, report: Report | None = None,
           target_user: User | None = None, reason: str = "", **ids: int | None) -> ModerationEvent:
    """Add one audit row to the current transaction; the service that called it commits.

    Never pass passwords or tokens in `reason`: the audit log is shown to every admin.
    `ids` accepts listing_id / revision_id / report_id / target_user_id when only the id is at hand.
    """
    event = ModerationEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        listing_id=listing.id if listing is not None else ids.get("listing_id"),
        revision_id=revision.id if revision is not None else ids.get("revision_id"),
        report_id=report.id if report is not None else ids.get("report_id"),
        target_user_id=target_user.id if target_user is not None else ids.get("target_user_id"),
        reason=(reason or "")[:MAX_REASON_LENGTH],
        created_at=utcnow(),
    )
    (session or db.session).add(event)
    return event


def _transition(listing: Listing, *, sources: Iterable[str], target: str, action: str, actor: User | None,
                reason: str = "", review: bool = False, values: dict[str, Any] | None = None,
                also: Callable[[Session], Any] | None = None, **event_fields: Any) -> ModerationEvent:
    """Move a listing from one of `sources` to `target` with one conditional UPDATE, and record it.

    `review` marks admin decisions on a pending item: finding it already decided is AlreadyDecided.
    `also` runs in the same transaction once the listing is claimed (e.g. closing its reports).
    """
    sources = tuple(sources)
    session = _session(listing)
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
        raise ModerationError("This listing changed meanwhile. Please reload the page.")
    if also is not None:
        also(session)
    event = record(action, actor, session=session, listing=listing, reason=reason, **event_fields)
    commit(session)
    session.refresh(listing)
    logger.info("listing %s: %s by %s (%s -> %s)", listing.id, action, _who(actor), sources, target)
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


def _who(user: User | None) -> str:
    return f"user {user.id}" if user is not None else "the system"


# ---------------------------------------------------------------------------------------------- mail


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


# ---------------------------------------------------------------------------------------------- listings


def submit(listing: Listing, actor: User) -> ModerationEvent:
    """The owner asks for review (first time, or again after changes were requested or it was rejected)."""
    _require_owner_or_admin(listing, actor)
    if not actor.is_confirmed:
        raise ModerationError("Please confirm your e-mail address before submitting a listing.")
    now = utcnow()
    return _transition(
        listing,
        sources=(STATUS_DRAFT, STATUS_CHANGES_REQUESTED, STATUS_REJECTED),
        target=STATUS_PENDING,
        action=ACTION_SUBMIT,
        actor=actor,
        values={"submitted_at": now},
    )


def approve(listing: Listing, admin: User) -> ModerationEvent:
    """Publish a pending listing; its confirmation clock starts now."""
    _require_admin(admin)
    now = utcnow()
    event = _transition(
        listing,
        sources=(STATUS_PENDING,),
        target=STATUS_PUBLISHED,
        action=ACTION_APPROVE,
        actor=admin,
        review=True,
        values={"published_at": now, "last_confirmed_at": now, "moderation_note": ""},
    )
    notify_owner(listing, ACTION_APPROVE)
    return event


def reject(listing: Listing, admin: User, reason: str) -> ModerationEvent:
    _require_admin(admin)
    reason = _require_reason(reason)
    event = _transition(
        listing,
        sources=(STATUS_PENDING,),
        target=STATUS_REJECTED,
        action=ACTION_REJECT,
        actor=admin,
        reason=reason,
        review=True,
        values={"moderation_note": reason},
    )
    notify_owner(listing, ACTION_REJECT, reason)
    return event


def request_changes(listing: Listing, admin: User, note: str) -> ModerationEvent:
    _require_admin(admin)
    note = _require_reason(note, "a note saying what to change")
    event = _transition(
        listing,
        sources=(STATUS_PENDING,),
        target=STATUS_CHANGES_REQUESTED,
        action=ACTION_REQUEST_CHANGES,
        actor=admin,
        reason=note,
        review=True,
        values={"moderation_note": note},
    )
    notify_owner(listing, ACTION_REQUEST_CHANGES, note)
    return event


def unpublish(listing: Listing, admin: User, reason: str, *, report: Report | None = None) -> ModerationEvent:
    """Take an approved listing out of public view; pending edits die with it."""
    _require_admin(admin)
    reason = _require_reason(reason)

    def close_related(session: Session) -> None:
        _supersede_pending_revisions(session, listing.id)
        if report is not None:
            _resolve_open_reports(session, listing.id, admin, REPORT_RESOLVED)

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
        report=report,
    )
    notify_owner(listing, ACTION_UNPUBLISH, reason)
    return event


def pause(listing: Listing, actor: User) -> ModerationEvent:
    """The owner hides a published listing for a while (holidays, a full group)."""
    _require_owner_or_admin(listing, actor)
    return _transition(listing, sources=(STATUS_PUBLISHED,), target=STATUS_PAUSED, action=ACTION_PAUSE,
                       actor=actor)


def resume(listing: Listing, actor: User) -> ModerationEvent:
    """Back to public without a new review: the content was approved and has not changed."""
    _require_owner_or_admin(listing, actor)
    return _transition(listing, sources=(STATUS_PAUSED,), target=STATUS_PUBLISHED, action=ACTION_RESUME,
                       actor=actor)


def withdraw(listing: Listing, actor: User, *, via: str = "") -> ModerationEvent:
    """The owner ends a listing for good, from any state; pending edits go with it."""
    _require_owner_or_admin(listing, actor)
    sources = [status for status in STATUSES if status != STATUS_WITHDRAWN]
    return _transition(
        listing, sources=sources, target=STATUS_WITHDRAWN, action=ACTION_WITHDRAW, actor=actor,
        reason=f"via {via}" if via else "",
        also=lambda session: _supersede_pending_revisions(session, listing.id),
    )


def reconfirm(listing: Listing, actor: User | None = None, via: str = "link") -> ModerationEvent:
    """The owner says the listing is still right: restart its clock; an expired one returns to search."""
    if actor is not None and via != "link":
        _require_owner_or_admin(listing, actor)
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
        commit(session)
    if expired:
        logger.info("%s stale listings expired", len(expired))
    return expired


# ---------------------------------------------------------------------------------------------- revisions


def _supersede_pending_revisions(session: Session, listing_id: int, keep: int | None = None) -> int:
    statement = update(Revision).where(Revision.listing_id == listing_id, Revision.status == REVISION_PENDING)
    if keep is not None:
        statement = statement.where(Revision.id != keep)
    statement = statement.values(status=REVISION_SUPERSEDED, decided_at=utcnow())
    result = session.execute(statement.execution_options(synchronize_session=False))
    return rows_matched(result)


def pending_revision(listing: Listing) -> Revision | None:
    """The edit waiting for review, if any (at most one: a new one supersedes the last)."""
    return _session(listing).scalar(
        select(Revision)
        .where(Revision.listing_id == listing.id, Revision.status == REVISION_PENDING)
        .order_by(Revision.created_at.desc(), Revision.id.desc())
        .limit(1)
    )


def propose_revision(listing: Listing, actor: User, data: dict[str, Any]) -> Revision:
    """Keep an edit to an approved listing for review; the approved version stays public meanwhile.

    `data` is a snapshot (or part of one, merged over the current content; see listings.snapshots.snapshot).
    """
    _require_owner_or_admin(listing, actor)
    if not actor.is_confirmed:
        raise ModerationError("Please confirm your e-mail address before editing a listing.")
    if listing.status not in APPROVED_STATUSES:
        raise ModerationError(
            f"A listing that is {listing.status.replace('_', ' ')} is edited directly, not through a review."
        )
    current = snapshots.snapshot(listing)
    allowed = {*snapshots.EDITABLE_FIELDS, "topics", "audiences", "languages", "meetings"}
    unknown = set(data) - allowed
    if unknown:
        raise ModerationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    proposed = {**current, **data}
    if not snapshots.diff(current, proposed):
        raise NothingToReview()
    session = _session(listing)
    _supersede_pending_revisions(session, listing.id)
    revision = Revision(listing_id=listing.id, author_id=actor.id, data=proposed, status=REVISION_PENDING,
                        note="", created_at=utcnow())
    session.add(revision)
    session.flush()
    record(ACTION_PROPOSE_REVISION, actor, session=session, listing=listing, revision=revision)
    commit(session)
    logger.info("revision %s proposed for listing %s by %s", revision.id, listing.id, _who(actor))
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


def events_about(user: User, listing_ids: list[int]) -> list[ModerationEvent]:
    """The audit rows about a person: about their account or one of these (their) listings, oldest first."""
    about = ModerationEvent.target_user_id == user.id
    if listing_ids:
        about = or_(about, ModerationEvent.listing_id.in_(listing_ids))
    return list(db.session.scalars(select(ModerationEvent).where(about).order_by(ModerationEvent.id)))


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


def _decide_revision(revision: Revision, admin: User, *, target: str, action: str, note: str = "") -> Session:
    """Claim a pending revision with a conditional UPDATE; the caller records and commits."""
    _require_admin(admin)
    session = _session(revision)
    if revision.status != REVISION_PENDING:
        raise AlreadyDecided() if revision.status != REVISION_SUPERSEDED else ModerationError(
            "The owner replaced this edit with a newer one. Please review that one."
        )
    result = session.execute(
        update(Revision)
        .where(Revision.id == revision.id, Revision.status == REVISION_PENDING)
        .values(status=target, decided_at=utcnow(), decided_by_id=admin.id, note=note)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided()
    return session


def approve_revision(revision: Revision, admin: User) -> ModerationEvent:
    """Make the edit the public version. The owner just looked at it, so it counts as a confirmation."""
    session = _decide_revision(revision, admin, target=REVISION_APPROVED, action=ACTION_APPROVE_REVISION)
    listing = revision.listing
    snapshots.apply_snapshot(listing, revision.data)
    listing.last_confirmed_at = utcnow()
    listing.moderation_note = ""
    event = record(ACTION_APPROVE_REVISION, admin, session=session, listing=listing, revision=revision)
    commit(session)
    session.refresh(revision)
    logger.info("revision %s of listing %s approved by %s", revision.id, listing.id, _who(admin))
    notify_owner(listing, ACTION_APPROVE_REVISION)
    return event


def reject_revision(revision: Revision, admin: User, reason: str) -> ModerationEvent:
    reason = _require_reason(reason)
    session = _decide_revision(revision, admin, target=REVISION_REJECTED, action=ACTION_REJECT_REVISION,
                               note=reason)
    event = record(ACTION_REJECT_REVISION, admin, session=session, listing=revision.listing,
                   revision=revision, reason=reason)
    commit(session)
    session.refresh(revision)
    logger.info("revision %s rejected by %s", revision.id, _who(admin))
    notify_owner(revision.listing, ACTION_REJECT_REVISION, reason)
    return event


def request_revision_changes(revision: Revision, admin: User, note: str) -> ModerationEvent:
    note = _require_reason(note, "a note saying what to change")
    session = _decide_revision(revision, admin, target=REVISION_CHANGES_REQUESTED,
                               action=ACTION_REQUEST_REVISION_CHANGES, note=note)
    event = record(ACTION_REQUEST_REVISION_CHANGES, admin, session=session, listing=revision.listing,
                   revision=revision, reason=note)
    commit(session)
    session.refresh(revision)
    logger.info("changes requested on revision %s by %s", revision.id, _who(admin))
    notify_owner(revision.listing, ACTION_REQUEST_REVISION_CHANGES, note)
    return event


# ---------------------------------------------------------------------------------------------- reports


def create_report(listing: Listing, reason: str, message: str = "", email: str = "") -> Report:
    """A visitor says a published listing is wrong. Not a decision, so no audit row."""
    if listing.status != STATUS_PUBLISHED:
        raise ModerationError("Only published listings can be reported.")
    if reason not in REPORT_REASONS:
        raise ModerationError("Please choose a reason.")
    report = Report(listing_id=listing.id, reason=reason, message=(message or "").strip()[:MAX_REASON_LENGTH],
                    email=(email or "").strip().lower(), status=REPORT_OPEN, created_at=utcnow())
    session = _session(listing)
    session.add(report)
    commit(session)
    logger.info("report %s on listing %s (%s)", report.id, listing.id, reason)
    return report


def _resolve_open_reports(session: Session, listing_id: int, admin: User, status: str) -> int:
    result = session.execute(
        update(Report)
        .where(Report.listing_id == listing_id, Report.status == REPORT_OPEN)
        .values(status=status, resolved_at=utcnow(), resolved_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)


def _claim_report(report: Report, admin: User, status: str) -> Session:
    _require_admin(admin)
    session = _session(report)
    if report.status != REPORT_OPEN:
        raise AlreadyDecided()
    result = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == REPORT_OPEN)
        .values(status=status, resolved_at=utcnow(), resolved_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided()
    return session


def dismiss_report(report: Report, admin: User, reason: str = "") -> ModerationEvent:
    """Nothing to do: only this report closes, the listing stays as it is."""
    session = _claim_report(report, admin, REPORT_DISMISSED)
    event = record(ACTION_DISMISS_REPORT, admin, session=session, listing_id=report.listing_id, report=report,
                   reason=(reason or "").strip())
    commit(session)
    session.refresh(report)
    logger.info("report %s dismissed by %s", report.id, _who(admin))
    return event


def report_request_edit(report: Report, admin: User, note: str) -> ModerationEvent:
    """Ask the owner to fix their listing; it stays published. Closes every open report on it."""
    note = _require_reason(note, "a note saying what to change")
    listing = report.listing
    if listing.status not in APPROVED_STATUSES:
        raise ModerationError("This listing is no longer public; dismiss the report instead.")
    session = _claim_report(report, admin, REPORT_RESOLVED)
    _resolve_open_reports(session, report.listing_id, admin, REPORT_RESOLVED)
    listing.moderation_note = note
    event = record(ACTION_REPORT_EDIT_REQUEST, admin, session=session, listing=listing, report=report,
                   reason=note)
    commit(session)
    session.refresh(report)
    logger.info("edit requested on listing %s after report %s by %s", listing.id, report.id, _who(admin))
    notify_owner(listing, ACTION_REPORT_EDIT_REQUEST, note)
    return event


def report_unpublish(report: Report, admin: User, reason: str) -> ModerationEvent:
    """Unpublish the reported listing; every open report on it is resolved with that one decision."""
    _require_admin(admin)
    _require_reason(reason)
    if report.status != REPORT_OPEN:
        raise AlreadyDecided()
    return unpublish(report.listing, admin, reason, report=report)


def open_report_counts() -> dict[int, int]:
    """listing id -> number of open 'no longer meets' reports (several move a listing to the top)."""
    rows = db.session.execute(
        select(Report.listing_id, func.count())
        .where(Report.status == REPORT_OPEN, Report.reason == "no_longer_meets")
        .group_by(Report.listing_id)
    )
    return {listing_id: count for listing_id, count in rows}


# ---------------------------------------------------------------------------------------------- users


def suspend_user(user: User, admin: User, reason: str) -> ModerationEvent:
    """Lock the account out at once (sessions end) and take its listings out of the search."""
    _require_admin(admin)
    reason = _require_reason(reason)
    if user.id == admin.id:
        raise ModerationError("You cannot suspend your own account.")
    session = _session(user)
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.suspended_at.is_(None))
        .values(suspended_at=utcnow(), suspension_reason=reason[:500],
                session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided("This account is already suspended.")
    event = record(ACTION_SUSPEND, admin, session=session, target_user=user, reason=reason)
    commit(session)
    session.refresh(user)
    logger.info("user %s suspended by %s", user.id, _who(admin))
    try:
        send_mail(user.email, "Your account is suspended", "moderation_suspended", user=user, reason=reason)
    except MailError:
        logger.warning("suspension mail for user %s could not be sent", user.id)
    return event


def unsuspend_user(user: User, admin: User, reason: str = "") -> ModerationEvent:
    _require_admin(admin)
    session = _session(user)
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.suspended_at.is_not(None))
        .values(suspended_at=None, suspension_reason=None)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided("This account is not suspended.")
    event = record(ACTION_UNSUSPEND, admin, session=session, target_user=user, reason=(reason or "").strip())
    commit(session)
    session.refresh(user)
    logger.info("suspension of user %s lifted by %s", user.id, _who(admin))
    return event


@signed_in.connect
def audit_admin_sign_in(user: User) -> None:
    """Every admin sees who signed in with admin rights; the sign-in's own commit saves the row."""
    if user.is_admin:
        record(ACTION_ADMIN_SIGN_IN, user)


def enable_two_factor(admin: User, secret: str) -> ModerationEvent:
    """Keep an admin's TOTP secret, once a code from it checked out; every admin sees it in the audit log."""
    admin.totp_secret = secret
    event = record(ACTION_TWO_FACTOR_ENABLED, admin, target_user=admin)
    commit()
    logger.info("user %s turned on two-step sign-in", admin.id)
    return event


def make_admin(email: str, name: str, password: str | None) -> tuple[User, str]:
    """An admin account for `email` (create-admin): created, or an existing account promoted, its password
    replaced when one is given. Returns the account and what happened: created, promoted or unchanged."""
    user = find_user(email)
    outcome = "promoted"
    if user is None:
        user = User(email=email, password_hash=hash_password(password or ""), display_name=name[:80],
                    role=ROLE_MEMBER, confirmed_at=utcnow())
        db.session.add(user)
        db.session.flush()
        outcome = "created"
    else:
        if password:
            user.password_hash = hash_password(password)
            user.session_version = (user.session_version or 1) + 1  # other sessions end with the old password
        if user.confirmed_at is None:
            user.confirmed_at = utcnow()
    if user.role == ROLE_ADMIN:
        commit()
        return user, "unchanged"
    set_role(user, ROLE_ADMIN, actor=None, reason="member → admin (create-admin command)")
    return user, outcome


def set_role(user: User, role: str, actor: User | None = None, reason: str = "") -> ModerationEvent | None:
    """Change a user's role (create-admin uses it). No change, no audit row."""
    if role not in (ROLE_ADMIN, ROLE_MEMBER):
        raise ModerationError("Unknown role.")
    if user.role == role:
        return None
    session = _session(user)
    before = user.role
    user.role = role
    event = record(ACTION_ROLE_CHANGE, actor, session=session, target_user=user,
                   reason=reason or f"{before} → {role}")
    commit(session)
    logger.info("user %s role %s -> %s by %s", user.id, before, role, _who(actor))
    return event


# ---------------------------------------------------------------------------------------------- queue


def queue_listings() -> list[Listing]:
    """New listings waiting for review, oldest first."""
    return list(
        db.session.scalars(
            select(Listing)
            .where(Listing.status == STATUS_PENDING)
            .order_by(func.coalesce(Listing.submitted_at, Listing.created_at), Listing.id)
        )
    )


def queue_revisions() -> list[Revision]:
    """Edits waiting for review, oldest first."""
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.status == REVISION_PENDING)
            .order_by(Revision.created_at, Revision.id)
        )
    )


def open_reports() -> list[Report]:
    """Open reports, oldest first, except that listings with several 'no longer meets' reports come first."""
    reports = list(
        db.session.scalars(
            select(Report).where(Report.status == REPORT_OPEN).order_by(Report.created_at, Report.id)
        )
    )
    gone = {listing_id: count for listing_id, count in open_report_counts().items() if count > 1}
    # Stable sort: listings with several "no longer meets" reports first (most first), else oldest first.
    return sorted(reports, key=lambda report: -gone.get(report.listing_id, 0))


def counts() -> dict[str, int]:
    """What waits for an admin: shown in the admin navigation."""
    listings = db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.status == STATUS_PENDING)
    )
    revisions = db.session.scalar(
        select(func.count()).select_from(Revision).where(Revision.status == REVISION_PENDING)
    )
    reports = db.session.scalar(select(func.count()).select_from(Report).where(Report.status == REPORT_OPEN))
    return {"listings": listings or 0, "revisions": revisions or 0, "reports": reports or 0,
            "queue": (listings or 0) + (revisions or 0)}


def stale_cutoffs(now: datetime | None = None) -> dict[str, datetime]:
    now = now or utcnow()
    config = current_app.config
    return {
        "remind": now - timedelta(days=config["REMINDER_AFTER_DAYS"]),
        "stale": now - timedelta(days=config["STALE_AFTER_DAYS"]),
        "expire": now - timedelta(days=config["EXPIRE_AFTER_DAYS"]),
    }


def search_user_filter(query: str) -> ColumnElement[bool]:
    """A WHERE clause for the users page search (e-mail or display name)."""
    like = f"%{query.strip().lower()}%"
    return or_(func.lower(User.email).like(like), func.lower(User.display_name).like(like))


# ---------------------------------------------------------------------------------------------- admin pages

HISTORY_LENGTH = 30  # audit rows shown on a listing's or a user's page; the audit log has the rest


def listing_history(listing: Listing) -> list[ModerationEvent]:
    """The latest decisions on a listing, newest first."""
    return list(db.session.scalars(
        select(ModerationEvent)
        .where(ModerationEvent.listing_id == listing.id)
        .order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
        .limit(HISTORY_LENGTH)
    ))


def open_reports_on(listing: Listing) -> list[Report]:
    return list(db.session.scalars(
        select(Report).where(Report.listing_id == listing.id, Report.status == REPORT_OPEN)
        .order_by(Report.created_at)
    ))


def revision_author(revision: Revision) -> User | None:
    return db.session.get(User, revision.author_id) if revision.author_id else None


USER_FILTERS = {
    "suspended": User.suspended_at.is_not(None),
    "admins": User.role == ROLE_ADMIN,
}


def find_users(query: str, kind: str = "", *, per_page: int) -> Pagination:
    """A page of accounts, newest first: matching `query` (address or name), of a kind in USER_FILTERS."""
    statement = select(User).order_by(User.created_at.desc(), User.id.desc())
    if query:
        statement = statement.where(search_user_filter(query))
    if kind in USER_FILTERS:
        statement = statement.where(USER_FILTERS[kind])
    return db.paginate(statement, per_page=per_page, error_out=False)


def listing_counts(user_ids: list[int]) -> dict[int, int]:
    """user id -> how many listings they own (users with none are left out)."""
    return count_by(Listing.owner_id, user_ids)


def listings_of(user: User) -> list[Listing]:
    return list(db.session.scalars(select(Listing).where(Listing.owner_id == user.id).order_by(Listing.name)))


def user_history(user: User) -> list[ModerationEvent]:
    """The latest audit rows by or about an account, newest first."""
    return list(db.session.scalars(
        select(ModerationEvent)
        .where((ModerationEvent.target_user_id == user.id) | (ModerationEvent.actor_id == user.id))
        .order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
        .limit(HISTORY_LENGTH)
    ))


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == ROLE_ADMIN).order_by(User.email)))


def audit_page(*, actor_id: int | None = None, action: str | None = None, listing: str | None = None,
               per_page: int) -> Pagination:
    """A page of the audit log, newest first, by one admin, of one action, about one listing (id or slug)."""
    statement = select(ModerationEvent).order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
    if actor_id is not None:
        statement = statement.where(ModerationEvent.actor_id == actor_id)
    if action:
        statement = statement.where(ModerationEvent.action == action)
    if listing:
        listing_id = row_id(listing)
        if listing_id is not None:
            statement = statement.where(ModerationEvent.listing_id == listing_id)
        else:
            slug_ids = select(Listing.id).where(Listing.slug == listing.lower())
            statement = statement.where(ModerationEvent.listing_id.in_(slug_ids))
    return db.paginate(statement, per_page=per_page, error_out=False)
