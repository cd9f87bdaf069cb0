"""The outbox: every e-mail is stored first, in the transaction of the action that causes it, then sent.

queue_mail() adds a row to the caller's transaction; after the caller's commit, deliver() tries it once
at once. Whatever did not leave waits for `flask mail send-queued` (cron, every minute), which retries
with a growing pause and gives up after MAIL_GIVE_UP_HOURS; admins see what waits or failed.

A row is claimed (status "sending", committed) before the mail server is spoken to, and marked sent in a
transaction of its own after it took the message. A process that dies between the two leaves the row
"sending": after MAIL_SENDING_LEASE_MINUTES it is set aside as interrupted and shown to admins, never sent
again, so nobody gets a message twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .database import commit, rows_matched
from .extensions import Model, db
from .i18n import using_language
from .mail import MailError, build_message, transmit
from .timeutil import utcnow

logger = logging.getLogger(__name__)

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"  # given up, or interrupted mid-send: an admin decides
INTERRUPTED = "Interrupted"  # the error noted for a send whose outcome nobody knows

# Minutes to wait after the 1st, 2nd, 3rd, 4th and later failed attempt.
BACKOFF_MINUTES = (1, 5, 15, 60)


class OutboxMessage(Model):
    """One e-mail, whole (headers and body as sent), until it has left; then only its envelope stays."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(80))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(80), default="")  # the error's class, never its text
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Indexed: the cron run asks for the queued rows that are due.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status}>"


def queue_mail(to: str, subject: str, template: str, reply_to: str | None = None,
               session: Session | None = None, language: str | None = None,
               headers: dict[str, str] | None = None, **context: Any) -> OutboxMessage:
    """Render the message now (links and all) and add it to the caller's transaction (`session`, by
    default the app's); the caller commits, then calls deliver().

    `language` is the recipient's ('es'): subject (a lazy_gettext string) and body are rendered in it;
    without one, in the language of the page that sent it. `headers` are extra mail headers (e.g.
    List-Unsubscribe).
    """
    with using_language(language):
        message = build_message(to, str(subject), template, reply_to=reply_to, headers=headers, **context)
    now = utcnow()
    row = OutboxMessage(message_id=str(message["Message-ID"]), recipient=str(message["To"]),
                        template=template,
                        # CRLF, as SMTP wants it: servers refuse bare line feeds (SMTP smuggling).
                        raw=message.as_bytes(policy=message.policy.clone(linesep="\r\n")),
                        status=QUEUED, attempts=0, last_error="", created_at=now,
                        next_attempt_at=now)
    (session or db.session).add(row)
    return row


def send_mail(to: str, subject: str, template: str, reply_to: str | None = None,
              language: str | None = None, **context: Any) -> bool:
    """Queue one message in a transaction of its own and try it at once: True when it left, False when it
    waits in the outbox (it is safe either way)."""
    row = queue_mail(to, subject, template, reply_to=reply_to, language=language, **context)
    commit()
    return deliver(row)


def deliver(row: OutboxMessage) -> bool:
    """One attempt at a queued row, after the commit that stored it. True when the mail server took it."""
    return _attempt(row.id, utcnow())


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _attempt(row_id: int, now: datetime) -> bool:
    claimed = rows_matched(db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status == QUEUED)
        .values(status=SENDING, claimed_at=now).execution_options(synchronize_session=False)))
    commit()
    if not claimed:  # sent or being sent by another process
        return False
    recipient, raw = db.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.raw).where(OutboxMessage.id == row_id)).one()
    db.session.rollback()  # no transaction stays open while the mail server talks
    try:
        transmit(recipient, raw)
    except MailError as error:
        _note_failure(row_id, _error_class(error), now)
        return False
    mark_sent(row_id)
    return True


def _error_class(error: BaseException) -> str:
    """The class of what went wrong first: smtplib reports a read that timed out as a disconnection,
    whose context is the TimeoutError an admin wants to see."""
    found = error.__cause__ or error
    while found.__context__ is not None:
        found = found.__context__
    return found.__class__.__name__


def mark_sent(row_id: int) -> None:
    """In a transaction of its own, once the server took the message: the body is dropped, the envelope
    (recipient, Message-ID, times) stays for the admin page's counts."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                       .values(status=SENT, sent_at=utcnow(), raw=b"", last_error="")
                       .execution_options(synchronize_session=False))
    commit()
    logger.info("mail %s sent", row_id)


def _note_failure(row_id: int, error: str, now: datetime) -> None:
    row = db.session.get_one(OutboxMessage, row_id)
    row.attempts = (row.attempts or 0) + 1
    row.last_error = error[:80]
    give_up = now - row.created_at >= timedelta(hours=float(current_app.config["MAIL_GIVE_UP_HOURS"]))
    row.status = FAILED if give_up else QUEUED
    row.next_attempt_at = now + _backoff(row.attempts)
    commit()
    logger.warning("mail %s not sent (%s), attempt %s; %s", row_id, error, row.attempts,
                   "given up" if give_up else f"next at {row.next_attempt_at:%H:%M}")


@dataclass
class Run:
    """What one send-queued run did."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    interrupted: int = 0


def send_queued(now: datetime | None = None, limit: int = 500) -> Run:
    """Send every queued message that is due, oldest first; set aside sends that were interrupted."""
    now = now or utcnow()
    run = Run()
    lease = timedelta(minutes=float(current_app.config["MAIL_SENDING_LEASE_MINUTES"]))
    run.interrupted = rows_matched(db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < now - lease)
        .values(status=FAILED, last_error=INTERRUPTED).execution_options(synchronize_session=False)))
    commit()
    due = list(db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))
    db.session.rollback()
    for row_id in due:
        if _attempt(row_id, now):
            run.sent += 1
        elif db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == row_id)) == FAILED:
            run.given_up += 1
        else:
            run.retrying += 1
    db.session.rollback()
    return run


def queue_again(row_id: int, now: datetime | None = None) -> bool:
    """Put a given-up or interrupted message back in the queue, due now, in the caller's transaction (an
    admin asked). It gets one attempt: written more than MAIL_GIVE_UP_HOURS ago, a failure gives it up
    again. False when it is not waiting for a decision (sent, queued, or gone)."""
    return rows_matched(db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status == FAILED)
        .values(status=QUEUED, next_attempt_at=now or utcnow()).execution_options(synchronize_session=False)
    )) == 1


def waiting(limit: int = 200) -> list[OutboxMessage]:
    """Mail that has not left: queued, being sent, or failed; for the admin page, oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status != SENT)
        .order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)))


def purge_finished(now: datetime | None = None) -> int:
    """Delete sent and given-up rows older than OUTBOX_RETENTION_DAYS: past that, an address is kept for
    nothing. Queued and sending rows stay, whatever their age; return how many went."""
    days = int(current_app.config["OUTBOX_RETENTION_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status.in_((SENT, FAILED)), OutboxMessage.created_at < cutoff))
    commit()
    return rows_matched(result)


def forget_recipient(address: str) -> None:
    """Delete every row addressed to this person, in the caller's transaction (their account is going)."""
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == address))


def mask_address(address: str) -> str:
    """'s***@example.org': enough for an admin to tell messages apart, not to read who wrote to whom."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def one_click_unsubscribe(url: str) -> dict[str, str]:
    """The headers that give mail programs an "Unsubscribe" button which POSTs to `url` (RFC 8058)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
