"""How an admin page runs one moderation call: flash how it went, then redirect.

Another admin deciding first is a warning, not an error; a rule refusing the call is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_login import current_user

from ..accounts.models import User
from ..i18n import gettext
from .rules import AlreadyDecided, ModerationError

# What a decision button does (the service, called with the item, the admin and the note) and what the
# admin reads after it, marked with N_ ("%(name)s" is the listing's name) and said in the admin's language.
Decision = tuple[Callable[[Any, User, str], object], str]


def decide(decisions: dict[str, Decision], item: Any, form: Any, name: str, *, back: str,
           refused: str | None = None):
    """Make the decision whose button was pressed, say how it went, and go `back` (or to `refused` when
    a rule refused it)."""
    service, done = decisions[form.decision()]
    return act(lambda: service(item, current_user, (form.note.data or "").strip()), gettext(done, name=name),
               back=back, refused=refused)


def act(call: Callable[[], object], done: str, *, back: str, refused: str | None = None):
    """Run one moderation call, flash its outcome, redirect."""
    try:
        call()
    except AlreadyDecided as error:
        flash(str(error), "warning")
    except ModerationError as error:
        flash(str(error), "error")
        return redirect(refused or back)
    else:
        flash(done, "success")
    return redirect(back)
