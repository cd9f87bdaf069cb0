"""Pending edits, reports from the public, and the audit log of every decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..i18n import lazy_gettext as _l
from ..timeutil import utcnow

REVISION_PENDING = "pending"
REVISION_APPROVED = "approved"
REVISION_REJECTED = "rejected"
REVISION_CHANGES_REQUESTED = "changes_requested"
REVISION_SUPERSEDED = "superseded"

REPORT_REASONS = {
    "wrong_details": _l("Wrong time or place"),
    "no_longer_meets": _l("No longer meets"),
    "inappropriate": _l("Inappropriate"),
    "other": _l("Something else"),
}
REPORT_OPEN = "open"
REPORT_DISMISSED = "dismissed"
REPORT_RESOLVED = "resolved"


class Revision(Model):
    """An edit to a published listing, waiting for review while the approved version stays public."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The proposed listing as a snapshot of editable fields (see listings.snapshots.snapshot()).
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=REVISION_PENDING)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    listing = relationship("Listing", lazy="joined")

    __table_args__ = (Index("ix_revisions_status_created", "status", "created_at"),)


class ModerationEvent(Model):
    """One row of the audit log: who did what to which item, when and why. Never edited."""

    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    actor = relationship("User", foreign_keys=[actor_id], lazy="joined")
    target_user = relationship("User", foreign_keys=[target_user_id], lazy="joined")
    listing = relationship("Listing", lazy="joined")


class Report(Model):
    """A visitor's report that a listing is wrong. No account needed."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(20), default=REPORT_OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    listing = relationship("Listing", lazy="joined")

    __table_args__ = (Index("ix_reports_status_created", "status", "created_at"),)
