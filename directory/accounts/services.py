"""Account rules: loading the signed-in user, and (later) registration, passwords and tokens."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from flask import current_app

from ..extensions import db
from .models import User


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
