"""Messages relayed to listing owners, kept briefly for abuse handling and then purged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow


class ContactMessage(Model):
    __tablename__ = "contact_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    sender_name: Mapped[str] = mapped_column(String(80))
    sender_email: Mapped[str] = mapped_column(String(254))
    how_to_reach: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    listing = relationship("Listing", lazy="joined")
