"""Account flows that mail a link: registration, confirmation, password reset and change, e-mail change;
and the account's part of a person's data. Sign-in, device sessions and password rules have their own
modules (signin.py, devices.py, passwords.py).

Services raise AccountError subclasses (errors.py) with messages fit to show; views turn them into form
errors. Each service that changes state queues its mail in the outbox in the same transaction, commits once,
then tries the mail: SQLite's write lock is never held while a mail server is talking, and a mail server
that is down loses nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..database import commit
from ..extensions import db
from ..i18n import lazy_gettext, lazy_ngettext
from ..outbox import OutboxMessage, deliver, mask_address, queue_mail, send_mail
from ..timeutil import utcnow
from ..urls import external_url
from . import ratelimits
from .devices import forget_devices, list_devices
from .errors import ADDRESS_TAKEN, LINK_USED, EmailError
from .models import User
from .passwords import hash_password, require_current_password, require_good_password
from .signin import find_user, normalise_email
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

def _set_password(user: User, password: str) -> None:
    """New hash and a new session version: every other session and remember cookie ends."""
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    user.failed_logins = 0
    user.locked_until = None
    forget_devices(user.id)


def _mail(to: str, subject: Any, template: str, language: str | None = None, **context: Any) -> bool:
    """Queue one account mail on its own and try it at once: True when it left, False when it waits in
    the outbox (a mail server that is down is never an error page). `subject` is lazy, so it is read in
    `language`, the recipient's (without one, the page's)."""
    return send_mail(to, subject, f"accounts/{template}", language=language, **context)


def _queue(to: str, subject: Any, template: str, language: str | None = None,
           **context: Any) -> OutboxMessage:
    """Queue one account mail in the caller's transaction; deliver() it after the commit."""
    return queue_mail(to, subject, f"accounts/{template}", language=language, **context)


def _hours(seconds: int) -> Any:
    """How long a link works, read in the mail's language: '1 hour', '30 minutes'."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return lazy_ngettext("%(num)d hour", "%(num)d hours", hours)
    minutes = max(1, seconds // 60)
    return lazy_ngettext("%(num)d minute", "%(num)d minutes", minutes)


# --- registration and confirmation -----------------------------------------------------------------


def register(email: str, password: str, display_name: str, language: str | None = None) -> User | None:
    """Create an unconfirmed account and mail its confirmation link; `language` is the one the site was
    read in while registering, kept as the account's.

    An address that already has an account gets a "someone tried to register" mail instead, and the
    caller answers both the same way, so the form can't be used to learn who has an account.
    """
    address = normalise_email(email)
    name = " ".join(display_name.split())
    require_good_password(password, email=address, display_name=name)
    password_hash = hash_password(password)  # hashed in both cases, so both take as long
    existing = find_user(address)
    if existing is None:
        user = User(email=address, password_hash=password_hash, display_name=name, language=language)
        db.session.add(user)
        try:
            db.session.flush()  # the id, for the link
            mail = _queue_confirmation(user)  # stored with the account: never an account without its link
            commit()
        except IntegrityError:  # registered by a parallel request a moment ago
            db.session.rollback()
            existing = find_user(address)
        else:
            logger.info("user %s registered", user.id)
            deliver(mail)
            return user
    if existing is not None:
        _mail(existing.email, lazy_gettext("Someone tried to register with your e-mail address"),
              "register_attempt", language=existing.language,
              name=existing.display_name,
              sign_in_url=external_url("accounts.sign_in"),
              forgot_url=external_url("accounts.forgot"))
    return None


def _queue_confirmation(user: User) -> OutboxMessage:
    token = make_token(PURPOSE_CONFIRM, {"uid": user.id, "email": user.email})
    return _queue(user.email, lazy_gettext("Please confirm your e-mail address"), "confirm",
                  language=user.language, name=user.display_name,
                  confirm_url=external_url("accounts.confirm", token=token),
                  valid_for=_hours(max_age(PURPOSE_CONFIRM)))


def send_confirmation(user: User) -> bool:
    """A new confirmation link: True when it left, False when it waits in the outbox."""
    mail = _queue_confirmation(user)
    commit()
    return deliver(mail)


def _user_from(payload: dict[str, Any]) -> User:
    user_id = payload.get("uid")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise TokenError(lazy_gettext("This link is not valid any more: the account no longer exists."))
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


# --- passwords -------------------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link to an account's address. An address with no account gets a short note saying
    so, which takes as long as the real thing and tells the person at the screen nothing."""
    user = find_user(email)
    if user is None:
        # Nobody's account: the language of the page that asked.
        _mail(normalise_email(email), lazy_gettext("Password reset request"), "reset_unknown",
              register_url=external_url("accounts.register"))
        return
    token = make_token(PURPOSE_RESET, {"uid": user.id,
                                       "fp": password_fingerprint(user.password_hash, user.session_version)})
    _mail(user.email, lazy_gettext("Reset your password"), "reset", language=user.language,
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
    require_good_password(password, email=user.email, display_name=user.display_name)
    _set_password(user, password)
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
    notice = _password_changed_notice(user)
    commit()
    ratelimits.clear_sign_in_limits(user.email)
    logger.info("user %s reset their password", user.id)
    deliver(notice)
    return user


def change_password(user: User, current: str, new: str) -> None:
    require_current_password(user, current)
    require_good_password(new, email=user.email, display_name=user.display_name)
    _set_password(user, new)
    notice = _password_changed_notice(user)
    commit()
    logger.info("user %s changed their password", user.id)
    deliver(notice)


def _password_changed_notice(user: User) -> OutboxMessage:
    return _queue(user.email, lazy_gettext("Your password was changed"), "password_changed",
                  language=user.language, name=user.display_name,
                  forgot_url=external_url("accounts.forgot"))


# --- changing the e-mail address -----------------------------------------------------------------


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is opened.

    An address another account uses gets a note instead, and the person asking is told the same thing
    either way.
    """
    require_current_password(user, password)
    address = normalise_email(new_email)
    if address == user.email:
        raise EmailError(lazy_gettext("That is already your e-mail address."))
    commit()  # keep a rehashed password
    other = find_user(address)
    if other is not None:
        _mail(address, lazy_gettext("Someone tried to use your e-mail address"), "email_taken",
              language=other.language, sign_in_url=external_url("accounts.sign_in"))
        return
    token = make_token(PURPOSE_EMAIL_CHANGE, {"uid": user.id, "old": user.email, "new": address})
    _mail(address, lazy_gettext("Please confirm your new e-mail address"), "email_change",
          language=user.language, name=user.display_name,
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
    notice = _queue(old, lazy_gettext("Your e-mail address was changed"), "email_changed",
                    language=user.language, name=user.display_name, new_email=mask_address(new),
                    forgot_url=external_url("accounts.forgot"))
    try:
        commit()
    except IntegrityError as error:
        db.session.rollback()
        raise TokenError(ADDRESS_TAKEN) from error
    logger.info("user %s changed their e-mail address", user.id)
    deliver(notice)
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
        "signed_in_devices": [{"device": device.device, "signed_in_at": iso(device.created_at),
                               "last_seen_at": iso(device.last_seen_at)} for device in list_devices(user)],
    }


def delete_user(user: User) -> None:
    """Remove the account row and its device sessions; what other features hold about it is theirs to
    remove first."""
    forget_devices(user.id)
    db.session.delete(user)
    commit()


def send_deletion_notice(address: str, name: str, language: str | None = None) -> None:
    _mail(address, lazy_gettext("Your account was deleted"), "deleted", language=language, name=name)
