"""Signed, expiring links for e-mail confirmation, password reset and e-mail change.

Each purpose has its own salt, so a token made for one can never be used for another. Each payload
carries a piece of the account's state that the action changes (the unconfirmed address, a
fingerprint of the password hash, the current address), which makes every link work once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..i18n import lazy_gettext

PURPOSE_CONFIRM = "confirm-email"
PURPOSE_RESET = "reset-password"
PURPOSE_EMAIL_CHANGE = "change-email"

# The config key that says how long each kind of link lives, in seconds.
MAX_AGE = {
    PURPOSE_CONFIRM: "ACCOUNT_CONFIRM_MAX_AGE",
    PURPOSE_RESET: "RESET_LINK_MAX_AGE",
    PURPOSE_EMAIL_CHANGE: "EMAIL_CHANGE_MAX_AGE",
}


BAD_LINK = lazy_gettext("This link is not valid. It may have been copied incompletely.")


class TokenError(Exception):
    """The link is broken, expired, already used or for another purpose; the message says which."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"directory.accounts.{purpose}")


def max_age(purpose: str) -> int:
    return int(current_app.config[MAX_AGE[purpose]])


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> dict[str, Any]:
    """The payload of a valid, unexpired token for this purpose; TokenError otherwise."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except SignatureExpired as error:
        raise TokenError(lazy_gettext("This link has expired. Please ask for a new one.")) from error
    except BadSignature as error:
        raise TokenError(BAD_LINK) from error
    if not isinstance(payload, dict):
        raise TokenError(BAD_LINK)
    return payload


def password_fingerprint(password_hash: str, session_version: int) -> str:
    """Changes whenever the password (or the session version) does, so a reset link works once."""
    return hashlib.sha256(f"{password_hash}:{session_version}".encode()).hexdigest()[:32]
