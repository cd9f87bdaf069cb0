"""Account rules: registration, sign-in, passwords, e-mail changes, and the account's part of its data.

Services raise AccountError subclasses with messages fit to show; views turn them into form errors.
Each service that changes state commits once and sends its mail after the commit, so SQLite's write
lock is never held while a mail server is talking.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from blinker import Namespace
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from ..database import commit
from ..extensions import db
from ..mail import MailError, send_mail
from ..timeutil import utcnow
from ..urls import external_url
from . import ratelimits
from .models import User
from .tokens import (
    PURPOSE_CONFIRM,
    PURPOSE_EMAIL_CHANGE,
    PURPOSE_RESET,
    TokenError,
    make_token,
    max_age,
    password_fingerprint,
    read_token,
)

logger = logging.getLogger(__name__)

# zxcvbn's matching grows much faster than linearly with length; past this many characters the
# password is long enough that its opening decides whether it is a guessable pattern.
ZXCVBN_MAX_LENGTH = 72

SIGN_IN_FAILED = (
    "We couldn't sign you in with that e-mail address and password. Please check both and try again. "
    "After several failed attempts, an account pauses sign-in for a few minutes; "
    "resetting the password ends the pause."
)
SIGN_IN_REFUSED = (
    "This account can't sign in at the moment. If you think this is a mistake, please contact us."
)
LINK_USED = "This link has already been used, or it was replaced by a newer one."
ADDRESS_TAKEN = "Another account uses that e-mail address now, so it can't be moved to yours."


# Sent with the User as each sign-in is recorded, before its commit. Features above accounts listen
# here rather than accounts calling up to them.
signed_in = Namespace().signal("signed-in")


class AccountError(Exception):
    """An account rule was broken; the message is fit to show the person."""


class SignInError(AccountError):
    """Sign-in refused. The message never says whether the address has an account."""


class PasswordError(AccountError):
    """The new password is too short, too long or too easy to guess."""


class CurrentPasswordError(AccountError):
    """The current password, asked for before a sensitive change, was wrong."""


class EmailError(AccountError):
    """The new e-mail address cannot be used."""



# --- loading and hashing -------------------------------------------------------------------------


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries a session version, so old cookies die when it changes."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or user.is_suspended:
        return None
    return user


def password_hasher() -> PasswordHasher:
    """argon2id with the library's recommended cost; tests may ask for the cheapest profile."""
    if current_app.config.get("PASSWORD_HASH_CHEAP"):
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


@lru_cache(maxsize=4)
def _dummy_hash(cheap: bool) -> str:
    hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if cheap else PasswordHasher()
    return hasher.hash("no account has this password")


def check_password_hash(stored: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a fresh hash when the stored one used older parameters). With no stored hash it checks a
    dummy, so an unknown address takes as long as a known one."""
    hasher = password_hasher()
    if stored is None:
        stored, known = _dummy_hash(bool(current_app.config.get("PASSWORD_HASH_CHEAP"))), False
    else:
        known = True
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if not known:
        return False, None
    return True, (hasher.hash(password) if hasher.check_needs_rehash(stored) else None)


def verify_password(user: User | None, password: str) -> bool:
    """True when `password` is the user's. When the hash was made with older parameters it is replaced
    (the caller commits)."""
    correct, rehashed = check_password_hash(user.password_hash if user is not None else None, password)
    if correct and rehashed and user is not None:
        user.password_hash = rehashed
        logger.info("password hash of user %s upgraded to current parameters", user.id)
    return correct


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def find_user(email: str | None) -> User | None:
    address = normalise_email(email)
    if not address or "\x00" in address:  # no address holds a NUL, and PostgreSQL refuses one in a query
        return None
    return db.session.scalar(select(User).where(User.email == address))


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why this password can't be used, or None. Length and guessability only: no composition rules."""
    minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
    maximum = int(current_app.config["PASSWORD_MAX_LENGTH"])
    if len(password) < minimum:
        return f"Use at least {minimum} characters. A few unusual words together make a good password."
    if len(password) > maximum:
        return f"Use at most {maximum} characters."
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=_personal_words(email, display_name),
                    max_length=ZXCVBN_MAX_LENGTH)
    if result["score"] >= int(current_app.config["PASSWORD_MIN_SCORE"]):
        return None
    feedback = result.get("feedback") or {}
    parts = [feedback.get("warning") or "It follows a pattern that is quick to guess."]
    parts.extend(feedback.get("suggestions") or [])
    parts = [part if part.endswith((".", "!", "?")) else part + "." for part in parts]
    return "This password is too easy to guess. " + " ".join(parts)


def _personal_words(email: str, display_name: str) -> list[str]:
    """What a guesser tries first: the address and its pieces, the name and its words, the site's words."""
    address = normalise_email(email)
    local, _, domain = address.partition("@")
    name = display_name.strip().lower()
    words = [address, local, *re.split(r"[._+\-]+", local), domain, *domain.split(".")[:-1],
             name, name.replace(" ", ""), *name.split(),
             *current_app.config["SITE_NAME"].lower().split(),
             "mentor", "support", "group", "directory"]
    return list(dict.fromkeys(word for word in words if len(word) >= 3))


def _require_good_password(password: str, *, email: str, display_name: str) -> None:
    problem = password_problem(password, email=email, display_name=display_name)
    if problem:
        raise PasswordError(problem)


def _set_password(user: User, password: str) -> None:
    """New hash and a new session version: every other session and remember cookie ends."""
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    user.failed_logins = 0
    user.locked_until = None


def _mail(to: str, subject: str, template: str, **context: Any) -> bool:
    """Send one account mail; a mail server that is down is logged, not shown as an error page."""
    try:
        send_mail(to, subject, f"accounts/{template}", **context)
    except MailError:
        logger.warning("account mail %s could not be sent", template)
        return False
    return True


def _hours(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def mask_email(email: str) -> str:
    """'s***@example.org': enough for the owner to recognise, not enough to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# --- registration and confirmation -----------------------------------------------------------------


def register(email: str, password: str, display_name: str) -> User | None:
    """Create an unconfirmed account and mail its confirmation link.

    An address that already has an account gets a "someone tried to register" mail instead, and the
    caller answers both the same way, so the form can't be used to learn who has an account.
    """
    address = normalise_email(email)
    name = " ".join(display_name.split())
    _require_good_password(password, email=address, display_name=name)
    password_hash = hash_password(password)  # hashed in both cases, so both take as long
    existing = find_user(address)
    if existing is None:
        user = User(email=address, password_hash=password_hash, display_name=name)
        db.session.add(user)
        try:
            commit()
        except IntegrityError:  # registered by a parallel request a moment ago
            db.session.rollback()
            existing = find_user(address)
        else:
            logger.info("user %s registered", user.id)
            send_confirmation(user)
            return user
    if existing is not None:
        _mail(existing.email, "Someone tried to register with your e-mail address", "register_attempt",
              name=existing.display_name,
              sign_in_url=external_url("accounts.sign_in"),
              forgot_url=external_url("accounts.forgot"))
    return None


def send_confirmation(user: User) -> bool:
    token = make_token(PURPOSE_CONFIRM, {"uid": user.id, "email": user.email})
    return _mail(user.email, "Please confirm your e-mail address", "confirm",
                 name=user.display_name,
                 confirm_url=external_url("accounts.confirm", token=token),
                 valid_for=_hours(max_age(PURPOSE_CONFIRM)))


def _user_from(payload: dict[str, Any]) -> User:
    user_id = payload.get("uid")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise TokenError("This link is not valid any more: the account no longer exists.")
    return user


def check_confirmation(token: str) -> User:
    """The account a confirmation link is for, while the link can still be used."""
    payload = read_token(PURPOSE_CONFIRM, token)
    user = _user_from(payload)
    if user.email != payload.get("email") or user.confirmed_at is not None:
        raise TokenError(LINK_USED)
    return user


def confirm_email(token: str) -> User:
    user = check_confirmation(token)
    user.confirmed_at = utcnow()
    commit()
    logger.info("user %s confirmed their e-mail address", user.id)
    return user


# --- signing in ----------------------------------------------------------------------------------


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
    """Sign out everywhere: every session cookie and remember cookie carries the old version."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    commit()
    db.session.refresh(user)
    logger.info("user %s signed out on every device", user.id)


# --- passwords -------------------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link to an account's address. An address with no account gets a short note saying
    so, which takes as long as the real thing and tells the person at the screen nothing."""
    user = find_user(email)
    if user is None:
        _mail(normalise_email(email), "Password reset request", "reset_unknown",
              register_url=external_url("accounts.register"))
        return
    token = make_token(PURPOSE_RESET, {"uid": user.id,
                                       "fp": password_fingerprint(user.password_hash, user.session_version)})
    _mail(user.email, "Reset your password", "reset",
          name=user.display_name,
          reset_url=external_url("accounts.reset", token=token),
          valid_for=_hours(max_age(PURPOSE_RESET)))
    logger.info("password reset link sent to user %s", user.id)


def check_reset(token: str) -> User:
    """The account a reset link is for, while it can still be used (the password has not changed since)."""
    payload = read_token(PURPOSE_RESET, token)
    user = _user_from(payload)
    if payload.get("fp") != password_fingerprint(user.password_hash, user.session_version):
        raise TokenError(LINK_USED)
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link: ends every session, lifts any sign-in pause, and (since the
    link arrived by e-mail) confirms the address."""
    user = check_reset(token)
    _require_good_password(password, email=user.email, display_name=user.display_name)
    _set_password(user, password)
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
    commit()
    ratelimits.clear_sign_in_limits(user.email)
    logger.info("user %s reset their password", user.id)
    _password_changed_notice(user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current):
        raise CurrentPasswordError("That is not your current password.")
    _require_good_password(new, email=user.email, display_name=user.display_name)
    _set_password(user, new)
    commit()
    logger.info("user %s changed their password", user.id)
    _password_changed_notice(user)


def _password_changed_notice(user: User) -> None:
    _mail(user.email, "Your password was changed", "password_changed",
          name=user.display_name,
          forgot_url=external_url("accounts.forgot"))


# --- changing the e-mail address -----------------------------------------------------------------


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is opened.

    An address another account uses gets a note instead, and the person asking is told the same thing
    either way.
    """
    if not verify_password(user, password):
        raise CurrentPasswordError("That is not your current password.")
    address = normalise_email(new_email)
    if address == user.email:
        raise EmailError("That is already your e-mail address.")
    commit()  # keep a rehashed password
    if find_user(address) is not None:
        _mail(address, "Someone tried to use your e-mail address", "email_taken",
              sign_in_url=external_url("accounts.sign_in"))
        return
    token = make_token(PURPOSE_EMAIL_CHANGE, {"uid": user.id, "old": user.email, "new": address})
    _mail(address, "Please confirm your new e-mail address", "email_change",
          name=user.display_name,
          confirm_url=external_url("accounts.email_confirm", token=token),
          valid_for=_hours(max_age(PURPOSE_EMAIL_CHANGE)))
    logger.info("user %s asked to change their e-mail address", user.id)


def check_email_change(token: str) -> tuple[User, str]:
    """(account, new address) for an e-mail change link that can still be used."""
    payload = read_token(PURPOSE_EMAIL_CHANGE, token)
    user = _user_from(payload)
    new = payload.get("new")
    if user.email != payload.get("old") or not isinstance(new, str):
        raise TokenError(LINK_USED)
    if find_user(new) is not None:
        raise TokenError(ADDRESS_TAKEN)
    return user, new


def confirm_email_change(token: str) -> User:
    """Move the account to the new address (now proven) and tell the old one."""
    user, new = check_email_change(token)
    old = user.email
    user.email = new
    user.confirmed_at = utcnow()
    try:
        commit()
    except IntegrityError as error:
        db.session.rollback()
        raise TokenError(ADDRESS_TAKEN) from error
    logger.info("user %s changed their e-mail address", user.id)
    _mail(old, "Your e-mail address was changed", "email_changed",
          name=user.display_name, new_email=mask_email(new),
          forgot_url=external_url("accounts.forgot"))
    return user


# --- the account's own part of a person's data (datarights does the rest) ------------------------


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as exports write it."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def account_record(user: User) -> dict[str, Any]:
    """What the account itself holds about its person, as JSON-safe data (never the password hash)."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "created_at": iso(user.created_at),
        "confirmed_at": iso(user.confirmed_at),
        "last_login_at": iso(user.last_login_at),
        "suspended_at": iso(user.suspended_at),
        "suspension_reason": user.suspension_reason,
        "failed_sign_ins_in_a_row": user.failed_logins,
        "sign_in_paused_until": iso(user.locked_until),
        "two_factor_enabled": bool(user.totp_secret),
    }


def require_current_password(user: User, password: str) -> None:
    if not verify_password(user, password):
        raise CurrentPasswordError("That is not your current password.")


def delete_user(user: User) -> None:
    """Remove the account row; what other features hold about it is theirs to remove first."""
    db.session.delete(user)
    commit()


def send_deletion_notice(address: str, name: str) -> None:
    _mail(address, "Your account was deleted", "deleted", name=name)
