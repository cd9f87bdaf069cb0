"""What account rules refuse, with messages fit to show; views turn them into form errors.

The messages are lazy: each is read in the language of the page that shows it."""

from __future__ import annotations

from ..i18n import lazy_gettext

SIGN_IN_FAILED = lazy_gettext(
    "We couldn't sign you in with that e-mail address and password. Please check both and try again. "
    "After several failed attempts, an account pauses sign-in for a few minutes; "
    "resetting the password ends the pause."
)
SIGN_IN_REFUSED = lazy_gettext(
    "This account can't sign in at the moment. If you think this is a mistake, please contact us."
)
LINK_USED = lazy_gettext("This link has already been used, or it was replaced by a newer one.")
ADDRESS_TAKEN = lazy_gettext("Another account uses that e-mail address now, so it can't be moved to yours.")


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
