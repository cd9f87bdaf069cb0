"""Device sessions: one record per sign-in, so signing out really ends a session and a remember cookie.

Flask-Login's id carries the user, the session version and a random device key. The loader accepts a
session or remember cookie only while the key's record exists and has not expired, so a copied cookie
dies with its sign-out, with "sign out everywhere", and after its lifetime whatever the browser keeps.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from flask import Flask, Response, current_app, g
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..database import commit, rows_matched
from ..extensions import db
from ..i18n import N_, gettext
from ..timeutil import utcnow
from .models import DeviceSession, User

logger = logging.getLogger(__name__)

# How stale "last seen" may get before a request writes it again: one write per device every few minutes,
# not one per request.
SEEN_EVERY = timedelta(minutes=5)

# (pattern in the user agent, name shown), first match wins: Edge and Opera also say "Chrome", Chrome
# also says "Safari".
BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"), (r"Chrome/|CriOS/|Chromium/", "Chrome"), (r"Safari/", "Safari"),
)
SYSTEMS = (
    (r"Android", "Android"), (r"iPhone|iPad|iPod", "iOS"), (r"Windows", "Windows"), (r"CrOS", "ChromeOS"),
    (r"Mac OS X|Macintosh", "macOS"), (r"Linux", "Linux"),
)


ANY_BROWSER = N_("A browser")


def describe_device(user_agent: str | None) -> str:
    """A coarse name such as "Chrome on Android": enough to recognise one's own device, nothing more.
    Stored in English; `device_label` says it in the page's language."""
    text = user_agent or ""
    browser = next((name for pattern, name in BROWSERS if re.search(pattern, text)), ANY_BROWSER)
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, text)), None)
    return f"{browser} on {system}" if system else browser


def device_label(stored: str) -> str:
    """A stored device name as the page's language says it: "Chrome on Android", "Chrome en Android"."""
    browser, on, system = stored.partition(" on ")
    browser = gettext(ANY_BROWSER) if browser == ANY_BROWSER else browser
    return gettext("%(browser)s on %(system)s", browser=browser, system=system) if on else browser


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    key = "REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"
    value = current_app.config[key]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def open_device(user: User, user_agent: str | None, *, remember: bool) -> None:
    """Record a sign-in on this device and give `user` its key (login_user stores it in the cookies).
    A "keep me signed in" record lives REMEMBER_COOKIE_DURATION, any other PERMANENT_SESSION_LIFETIME."""
    now = utcnow()
    key = secrets.token_urlsafe(24)
    db.session.execute(delete(DeviceSession).where(DeviceSession.user_id == user.id,
                                                   DeviceSession.expires_at <= now))
    db.session.add(DeviceSession(user_id=user.id, key_digest=_digest(key), device=describe_device(user_agent),
                                 created_at=now, last_seen_at=now, expires_at=now + _lifetime(remember)))
    commit()
    user.device_key = key


def load_user(identity: str) -> User | None:
    """Flask-Login's loader: the user, while the version matches and the device session is alive."""
    user_id, version, key = (identity.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not version.isdigit() or not key:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or user.is_suspended:
        return None
    device = db.session.scalar(select(DeviceSession).where(DeviceSession.key_digest == _digest(key),
                                                           DeviceSession.user_id == user.id))
    now = utcnow()
    if device is None or device.expires_at <= now:
        return None
    user.device_key = key
    if now - device.last_seen_at >= SEEN_EVERY:
        g.device_seen = device.id
    return user


def note_seen(response: Response) -> Response:
    """After the view: move a device's "last seen" on, in a transaction of its own (whatever the view
    left uncommitted is thrown away at teardown anyway). A failure here never fails the page."""
    device_id = g.pop("device_seen", None)
    if device_id is not None:
        try:
            db.session.rollback()
            db.session.execute(update(DeviceSession).where(DeviceSession.id == device_id)
                               .values(last_seen_at=utcnow()).execution_options(synchronize_session=False))
            commit()
        except SQLAlchemyError as error:
            db.session.rollback()
            logger.warning("last-seen time of a device not saved: %s", error.__class__.__name__)
    return response


def register_device_sessions(app: Flask) -> None:
    app.after_request(note_seen)


def current_device(user: User) -> DeviceSession | None:
    if not user.device_key:
        return None
    digest = _digest(user.device_key)
    return db.session.scalar(select(DeviceSession).where(DeviceSession.key_digest == digest))


def list_devices(user: User) -> list[DeviceSession]:
    """The account's live device sessions, most recently seen first."""
    return list(db.session.scalars(
        select(DeviceSession)
        .where(DeviceSession.user_id == user.id, DeviceSession.expires_at > utcnow())
        .order_by(DeviceSession.last_seen_at.desc(), DeviceSession.id.desc())
    ))


def end_device(user: User, device_id: int | None = None) -> bool:
    """End one device session of this user (by default the current one); False when there was none."""
    query = delete(DeviceSession).where(DeviceSession.user_id == user.id)
    if device_id is not None:
        query = query.where(DeviceSession.id == device_id)
    elif user.device_key:
        query = query.where(DeviceSession.key_digest == _digest(user.device_key))
    else:
        return False
    ended = rows_matched(db.session.execute(query.execution_options(synchronize_session=False)))
    commit()
    if ended:
        logger.info("user %s ended a device session", user.id)
    return bool(ended)


def forget_devices(user_id: int) -> None:
    """Every device session of an account, gone (the caller commits): password changes, sign out
    everywhere, deletion."""
    db.session.execute(delete(DeviceSession).where(DeviceSession.user_id == user_id)
                       .execution_options(synchronize_session=False))
