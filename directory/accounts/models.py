"""Users: mentors, organisers and admins. Searching needs no account."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow

ROLE_MEMBER = "member"
ROLE_ADMIN = "admin"


class User(UserMixin, Model):  # type: ignore[misc]  # Flask-Login ships no types
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique index is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20), default=ROLE_MEMBER)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Indexed: every search lists the suspended owners, whose listings it leaves out.
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    # Part of the Flask-Login id: bumping it ends every session and remember cookie.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last 30-second TOTP step accepted: that code, and every earlier one, is refused from then on.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language the account reads the site and its e-mails in ('en', 'es'); None: not chosen yet.
    language: Mapped[str | None] = mapped_column(String(10))

    # The key of the device session this request came with (see devices.py); never stored on the row.
    device_key = None  # type: str | None

    def get_id(self) -> str:
        """Flask-Login's id, kept in the session and the remember cookie: a cookie works while its
        device session exists and the session version is unchanged."""
        return f"{self.id}:{self.session_version}:{self.device_key or ''}"

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_suspended

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class DeviceSession(Model):
    """One sign-in on one device: what the account page lists and what a cookie must still match.

    Only a digest of the key is stored, so a copy of the table opens no session; no IP address is kept.
    """

    __tablename__ = "device_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(80))  # "Chrome on Android", never the whole user agent
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Checked by the server at every request: the cookie's own expiry is the browser's to keep.
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<DeviceSession {self.id} of user {self.user_id}>"
