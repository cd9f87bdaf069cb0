"""Rate limits on the account forms: the limits come from config, the counters from Flask-Limiter's storage
(Redis when REDIS_URL is set, so every worker process shares them)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

from ..extensions import limiter

logger = logging.getLogger(__name__)

SIGN_IN_ENDPOINT = "accounts.sign_in"

def configured(key: str) -> Callable[[], str]:
    """A limit read from config (defaults in config.py) at request time, so tests can set their own."""

    def limit() -> str:
        return str(current_app.config[key])

    limit.__name__ = f"limit_{key.lower()}"
    return limit


def _normalise(email: str | None) -> str:
    return (email or "").strip().lower()


def account_key_for(email: str | None) -> str:
    return "account:" + _normalise(email)


def submitted_account() -> str:
    """Key on the address typed into the form: guessing at one account is slowed whatever the IP."""
    return account_key_for(request.form.get("email"))


def signed_in_account() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address() or "unknown"


def clear_sign_in_limits(email: str) -> None:
    """Forget one account's sign-in counter, so a successful password reset lets its owner straight in."""
    if not limiter.enabled or not current_app.config["RATELIMIT_ENABLED"]:
        return
    # The storage key as the limiter makes it: the site's prefix first, when it has one.
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    identifiers = (prefix, account_key_for(email), SIGN_IN_ENDPOINT) if prefix else (
        account_key_for(email), SIGN_IN_ENDPOINT)
    try:
        for item in parse_many(configured("RATELIMIT_SIGN_IN_ACCOUNT")()):
            limiter.limiter.clear(item, *identifiers)
    except Exception:  # noqa: BLE001 - a storage hiccup must not undo a password reset
        logger.warning("could not clear the sign-in rate limit of an account", exc_info=True)


# One allowance for every form that checks the current password (here and in datarights): guesses spread
# over them count together.
account_changes = limiter.shared_limit(configured("RATELIMIT_ACCOUNT_CHANGES"), scope="account-changes",
                                       methods=["POST"], key_func=signed_in_account)
