"""Signing in: finding the account, checking the password, pausing after failures, ending sessions."""

from __future__ import annotations

import logging
from datetime import timedelta

from blinker import Namespace
from flask import current_app
from sqlalchemy import select, update

from ..database import commit
from ..extensions import db
from ..timeutil import utcnow
from .devices import forget_devices
from .errors import SIGN_IN_FAILED, SIGN_IN_REFUSED, SignInError
from .models import User
from .passwords import check_password_hash

logger = logging.getLogger(__name__)

# Sent with the User as each sign-in is recorded, before its commit. Features above accounts listen
# here rather than accounts calling up to them.
signed_in = Namespace().signal("signed-in")


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def find_user(email: str | None) -> User | None:
    address = normalise_email(email)
    if not address or "\x00" in address:  # no address holds a NUL, and PostgreSQL refuses one in a query
        return None
    return db.session.scalar(select(User).where(User.email == address))


def _delay_after(failures: int) -> int:
    """Seconds an account waits after this many failures in a row: none, then 30 s doubling to 15 min."""
    config = current_app.config
    threshold = int(config["SIGN_IN_FAILURES_BEFORE_DELAY"])
    if failures < threshold:
        return 0
    base = int(config["SIGN_IN_DELAY_SECONDS"])
    cap = int(config["SIGN_IN_MAX_DELAY_SECONDS"])
    delay: int = base * 2 ** min(failures - threshold, 16)  # a power of 2 with an exponent of 0 or more
    return min(cap, delay)


def _record_failure(user_id: int) -> None:
    """Count a failure atomically (two workers may count at once) and start the pause when due."""
    failures = db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    delay = _delay_after(failures)
    if delay:
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(locked_until=utcnow() + timedelta(seconds=delay))
            .execution_options(synchronize_session=False)
        )
        logger.info("user %s: %s failed sign-ins, paused for %s s", user_id, failures, delay)
    commit()


def authenticate(email: str, password: str) -> User:
    """The account for this address and password, or SignInError with one message for every failure
    (unknown address, wrong password, paused account), so the form can't tell who has an account."""
    user = find_user(email)
    stored = user.password_hash if user is not None else None
    # Hashing takes a good fraction of a second. On SQLite a POST holds the write lock from BEGIN, so end
    # the read first rather than make every other writer queue behind the hash.
    db.session.rollback()
    correct, rehashed = check_password_hash(stored, password)  # always hashes, known address or not
    if user is None:
        raise SignInError(SIGN_IN_FAILED)
    if user.locked_until is not None and user.locked_until > utcnow():
        db.session.rollback()  # drop a rehash: this attempt changes nothing
        raise SignInError(SIGN_IN_FAILED)
    if not correct:
        user_id = user.id
        db.session.rollback()
        _record_failure(user_id)
        raise SignInError(SIGN_IN_FAILED)
    if user.is_suspended:
        db.session.rollback()
        raise SignInError(SIGN_IN_REFUSED)
    if rehashed:
        user.password_hash = rehashed
        logger.info("password hash of user %s upgraded to current parameters", user.id)
    return user


def record_sign_in(user: User) -> None:
    """After login_user: note the time, forget earlier failures, and tell `signed_in`'s receivers (the
    audit log notes an admin's sign-in) in the same transaction."""
    user.last_login_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    signed_in.send(user)
    commit()
    logger.info("user %s signed in", user.id)


def end_all_sessions(user: User) -> None:
    """Sign out everywhere: every device session ends, and every cookie carries the old version."""
    forget_devices(user.id)
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    commit()
    db.session.refresh(user)
    logger.info("user %s signed out on every device", user.id)
