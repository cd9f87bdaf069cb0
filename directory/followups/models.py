"""A visitor's check-in (his address, until his message goes), the answers (per listing, nobody's), and the
reminders sent to owners whose visitors say nobody answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow

YES = "yes"
NOT_YET = "not_yet"
NO = "no"
ANSWERS = (YES, NOT_YET, NO)


class CheckIn(Model):
    """"Check on me in a few days": one mail, due four days after the message. Deleted with the message
    (the foreign key cascades), so the address is never kept longer than the message itself."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32))  # random, in the mail's links
    message_id: Mapped[int] = mapped_column(ForeignKey("contact_messages.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # emptied once the mail is written
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    language: Mapped[str] = mapped_column(String(10), default="en")  # the mail's, as the form was shown


class Answer(Model):
    """One visitor's answer about one listing: what and when, with nothing about who."""

    __tablename__ = "followup_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(10))
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class OwnerNudge(Model):
    """When a listing's owner was last reminded that visitors say nobody answered."""

    __tablename__ = "followup_nudges"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    no_count: Mapped[int] = mapped_column(default=0)
