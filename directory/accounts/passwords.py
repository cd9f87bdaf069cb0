"""Passwords: argon2id hashes that upgrade themselves, and the length and guessability rules.

Kept apart from the flows that use them (sign-in, reset, change) so each of those reads one rule.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

from ..i18n import N_, gettext, lazy_gettext
from .errors import CurrentPasswordError, PasswordError
from .models import User

logger = logging.getLogger(__name__)

# zxcvbn's matching grows much faster than linearly with length; past this many characters the
# password is long enough that its opening decides whether it is a guessable pattern.
ZXCVBN_MAX_LENGTH = 72

# zxcvbn's feedback, which it writes in English only: marked here so the catalogue carries each sentence,
# and translated where the feedback is shown.
ZXCVBN_FEEDBACK = (
    N_("Add another word or two. Uncommon words are better."),
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Dates are often easy to guess."),
    N_("Avoid dates and years that are associated with you."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


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


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why this password can't be used, or None. Length and guessability only: no composition rules."""
    minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
    maximum = int(current_app.config["PASSWORD_MAX_LENGTH"])
    if len(password) < minimum:
        return gettext("Use at least %(num)d characters. A few unusual words together make a good password.",
                       num=minimum)
    if len(password) > maximum:
        return gettext("Use at most %(num)d characters.", num=maximum)
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=_personal_words(email, display_name),
                    max_length=ZXCVBN_MAX_LENGTH)
    if result["score"] >= int(current_app.config["PASSWORD_MIN_SCORE"]):
        return None
    feedback = result.get("feedback") or {}
    parts = [feedback.get("warning") or N_("It follows a pattern that is quick to guess.")]
    parts.extend(feedback.get("suggestions") or [])
    parts = [part if part.endswith((".", "!", "?")) else part + "." for part in parts]
    return gettext("This password is too easy to guess. %(advice)s",
                   advice=" ".join(gettext(part) for part in parts))


def _personal_words(email: str, display_name: str) -> list[str]:
    """What a guesser tries first: the address and its pieces, the name and its words, the site's words."""
    address = (email or "").strip().lower()
    local, _, domain = address.partition("@")
    name = display_name.strip().lower()
    words = [address, local, *re.split(r"[._+\-]+", local), domain, *domain.split(".")[:-1],
             name, name.replace(" ", ""), *name.split(),
             *current_app.config["SITE_NAME"].lower().split(),
             "mentor", "support", "group", "directory"]
    return list(dict.fromkeys(word for word in words if len(word) >= 3))


def require_good_password(password: str, *, email: str, display_name: str) -> None:
    problem = password_problem(password, email=email, display_name=display_name)
    if problem:
        raise PasswordError(problem)


def require_current_password(user: User, password: str) -> None:
    if not verify_password(user, password):
        raise CurrentPasswordError(lazy_gettext("That is not your current password."))
