"""What an admin does with outgoing mail that was given up: send it again, once, and say so in the log."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..accounts.models import User
from ..database import commit
from ..extensions import db
from ..i18n import gettext
from ..outbox import OutboxMessage, queue_again
from .audit import ACTION_MAIL_QUEUED_AGAIN, record
from .rules import AlreadyDecided, require_admin, who

logger = logging.getLogger(__name__)


def send_again(message_id: int, admin: User) -> None:
    """Queue a given-up or interrupted message for one more attempt (the next `flask mail send-queued`);
    an interrupted one may then arrive twice, which the page says before the button is pressed."""
    require_admin(admin)
    kind = db.session.scalar(select(OutboxMessage.template).where(OutboxMessage.id == message_id))
    if kind is None or not queue_again(message_id):
        db.session.rollback()
        raise AlreadyDecided(gettext("That message is no longer waiting for a decision."))
    record(ACTION_MAIL_QUEUED_AGAIN, admin, reason=kind)
    commit()
    logger.info("mail %s queued again by %s", message_id, who(admin))
