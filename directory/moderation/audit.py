"""The audit log: one row per decision, written in the transaction of the change it records, and read back.

Every admin reads the whole log, so a row never holds a password or a token.
"""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..accounts.models import ROLE_ADMIN, User
from ..accounts.signin import signed_in
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..listings.models import Listing
from ..timeutil import utcnow
from ..urls import row_id
from .models import ModerationEvent, Report, Revision
from .rules import MAX_REASON_LENGTH

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
ACTION_MAIL_QUEUED_AGAIN = "mail_queued_again"  # the reason names the message's kind, never its recipient
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
    ACTION_SUBMIT: _l("Submitted for review"),
    ACTION_APPROVE: _l("Approved"),
    ACTION_REJECT: _l("Rejected"),
    ACTION_REQUEST_CHANGES: _l("Changes requested"),
    ACTION_UNPUBLISH: _l("Unpublished"),
    ACTION_PAUSE: _l("Paused"),
    ACTION_RESUME: _l("Resumed"),
    ACTION_WITHDRAW: _l("Withdrawn"),
    ACTION_RECONFIRM: _l("Reconfirmed"),
    ACTION_EXPIRE: _l("Expired (not confirmed)"),
    ACTION_PROPOSE_REVISION: _l("Edit proposed"),
    ACTION_APPROVE_REVISION: _l("Edit approved"),
    ACTION_REJECT_REVISION: _l("Edit rejected"),
    ACTION_REQUEST_REVISION_CHANGES: _l("Edit: changes requested"),
    ACTION_DISMISS_REPORT: _l("Report dismissed"),
    ACTION_REPORT_EDIT_REQUEST: _l("Edit requested (report)"),
    ACTION_SUSPEND: _l("Account suspended"),
    ACTION_UNSUSPEND: _l("Suspension lifted"),
    ACTION_ROLE_CHANGE: _l("Role changed"),
    ACTION_ADMIN_SIGN_IN: _l("Admin signed in"),
    ACTION_TWO_FACTOR_ENABLED: _l("Two-step sign-in turned on"),
    ACTION_ACCOUNT_DELETED: _l("Account deleted"),
    ACTION_MAIL_QUEUED_AGAIN: _l("Mail sent again"),
    ACTION_IMPORTED: _l("Imported"),
    ACTION_SOURCE_CHANGED: _l("Updated from its source"),
    ACTION_SOURCE_REVISION: _l("Edit from its source"),
    ACTION_SOURCE_GONE: _l("Gone from its source"),
    ACTION_SOURCE_BACK: _l("Back in its source"),
    ACTION_CLAIM_REQUESTED: _l("Claim asked for"),
    ACTION_CLAIM_APPROVED: _l("Claim approved"),
    ACTION_CLAIM_REJECTED: _l("Claim refused"),
}


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


@signed_in.connect
def audit_admin_sign_in(user: User) -> None:
    """Every admin sees who signed in with admin rights; the sign-in's own commit saves the row."""
    if user.is_admin:
        record(ACTION_ADMIN_SIGN_IN, user)


HISTORY_LENGTH = 30  # audit rows shown on a listing's or a user's page; the audit log has the rest


def listing_history(listing: Listing) -> list[ModerationEvent]:
    """The latest decisions on a listing, newest first."""
    return list(db.session.scalars(
        select(ModerationEvent)
        .where(ModerationEvent.listing_id == listing.id)
        .order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
        .limit(HISTORY_LENGTH)
    ))


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


def events_about(user: User, listing_ids: list[int]) -> list[ModerationEvent]:
    """The audit rows about a person: about their account or one of these (their) listings, oldest first."""
    about = ModerationEvent.target_user_id == user.id
    if listing_ids:
        about = or_(about, ModerationEvent.listing_id.in_(listing_ids))
    return list(db.session.scalars(select(ModerationEvent).where(about).order_by(ModerationEvent.id)))


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
