"""The one gate in front of every admin page: signed in, an admin, and (when required) a second factor."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

import pyotp
from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from ..extensions import login_manager

# Session key: the Flask-Login id (user id + session version) whose TOTP code was checked in this session.
TWO_FACTOR_SESSION_KEY = "admin_2fa"


def two_factor_required() -> bool:
    return bool(current_app.config.get("ADMIN_REQUIRE_2FA"))


def two_factor_passed() -> bool:
    """This session entered a valid code for this very account (and session version)."""
    return session.get(TWO_FACTOR_SESSION_KEY) == current_user.get_id()


def mark_two_factor_passed() -> None:
    session[TWO_FACTOR_SESSION_KEY] = current_user.get_id()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30-second time step a TOTP code belongs to, allowing one step of clock drift either way;
    None when it matches none. The caller refuses a step at or before the last one it accepted."""
    digits = "".join((code or "").split())
    if not secret or not digits.isdigit() or len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.fromtimestamp(time.time() if now is None else now, tz=UTC))
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def provisioning_uri(secret: str, email: str) -> str:
    issuer = current_app.config["SITE_NAME"]
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _sign_in_redirect():
    """Anonymous visitors go to the sign-in page (with `next`)."""
    return login_manager.unauthorized()


def admin_required(view: Callable[..., Any] | None = None, *, second_factor: bool = True):
    """Anonymous: sign-in redirect. Not an admin: 403. An admin without a needed TOTP: set up or verify it.

    `second_factor=False` is only for the pages that set up and check the second factor themselves.
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return _sign_in_redirect()
            if not current_user.is_admin:
                abort(403)
            if second_factor and two_factor_required() and not two_factor_passed():
                endpoint = ".two_factor" if current_user.totp_secret else ".two_factor_setup"
                target = request.full_path if request.method == "GET" else None
                return redirect(url_for(f"moderation{endpoint}", next=target))
            return function(*args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate
