"""What admins do to accounts: suspend and lift, roles, an admin's second factor, and finding accounts."""

from __future__ import annotations

import logging

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, func, or_, select, update

from .. import data_version
from ..accounts.models import ROLE_ADMIN, ROLE_MEMBER, User
from ..accounts.passwords import hash_password
from ..accounts.signin import find_user
from ..alerts.services import queue_matches
from ..database import commit, count_by, rows_matched
from ..extensions import db
from ..i18n import gettext, lazy_gettext
from ..listings.models import STATUS_PUBLISHED, Listing
from ..outbox import deliver, queue_mail
from ..timeutil import utcnow
from .access import matching_step
from .audit import ACTION_ROLE_CHANGE, ACTION_SUSPEND, ACTION_TWO_FACTOR_ENABLED, ACTION_UNSUSPEND, record
from .models import ModerationEvent
from .rules import AlreadyDecided, ModerationError, require_admin, require_reason, session_of, who

logger = logging.getLogger(__name__)


def suspend_user(user: User, admin: User, reason: str) -> ModerationEvent:
    """Lock the account out at once (sessions end) and take its listings out of the search."""
    require_admin(admin)
    reason = require_reason(reason)
    if user.id == admin.id:
        raise ModerationError(gettext("You cannot suspend your own account."))
    session = session_of(user)
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.suspended_at.is_(None))
        .values(suspended_at=utcnow(), suspension_reason=reason[:500],
                session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided(gettext("This account is already suspended."))
    event = record(ACTION_SUSPEND, admin, session=session, target_user=user, reason=reason)
    mail = queue_mail(user.email, lazy_gettext("Your account is suspended"), "moderation_suspended",
                      session=session, language=user.language, user=user, reason=reason)
    data_version.bump(session)  # its listings leave the search
    commit(session)
    session.refresh(user)
    logger.info("user %s suspended by %s", user.id, who(admin))
    deliver(mail)
    return event


def unsuspend_user(user: User, admin: User, reason: str = "") -> ModerationEvent:
    require_admin(admin)
    session = session_of(user)
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.suspended_at.is_not(None))
        .values(suspended_at=None, suspension_reason=None)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided(gettext("This account is not suspended."))
    event = record(ACTION_UNSUSPEND, admin, session=session, target_user=user, reason=(reason or "").strip())
    # Its published listings are public again: people waiting for a group near one hear of it, as when a
    # listing is published or resumed (an alert told of it before the suspension is not told again).
    for listing in session.scalars(select(Listing).where(Listing.owner_id == user.id,
                                                         Listing.status == STATUS_PUBLISHED)):
        queue_matches(session, listing)
    data_version.bump(session)
    commit(session)
    session.refresh(user)
    logger.info("suspension of user %s lifted by %s", user.id, who(admin))
    return event


def accept_two_factor_code(admin: User, code: str) -> bool:
    """Whether a code from the admin's own TOTP secret is good now and newer than the last one accepted.
    The step is kept in the same statement that checks it, so a code seen over a shoulder or replayed by
    a second request is refused even within its 30 seconds."""
    step = matching_step(admin.totp_secret or "", code)
    if step is None:
        return False
    accepted = rows_matched(db.session.execute(
        update(User)
        .where(User.id == admin.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ))
    commit()
    if not accepted:
        logger.warning("admin 2FA code reused for user %s", admin.id)
    return bool(accepted)


def enable_two_factor(admin: User, secret: str, step: int) -> ModerationEvent:
    """Keep an admin's TOTP secret, once a code from it (of time step `step`, now spent) checked out;
    every admin sees it in the audit log."""
    admin.totp_secret = secret
    admin.totp_last_step = step
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
        raise ModerationError(gettext("Unknown role."))
    if user.role == role:
        return None
    session = session_of(user)
    before = user.role
    user.role = role
    event = record(ACTION_ROLE_CHANGE, actor, session=session, target_user=user,
                   reason=reason or f"{before} → {role}")
    commit(session)
    logger.info("user %s role %s -> %s by %s", user.id, before, role, who(actor))
    return event


def search_user_filter(query: str) -> ColumnElement[bool]:
    """A WHERE clause for the users page search (e-mail or display name)."""
    like = f"%{query.strip().lower()}%"
    return or_(func.lower(User.email).like(like), func.lower(User.display_name).like(like))


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
