"""An alert (a place, a distance, topics and an address to tell) and the listings found for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class Alert(Model):
    """One request to be told of new listings near a place. Nothing is mailed about listings until it is
    confirmed; it is deleted when unsubscribed or expired, never kept."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, in every link: a link to a deleted alert never reaches a later one that got its id.
    key: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254), index=True)
    # The gazetteer's point and names for the place, never the visitor's own position.
    place: Mapped[str] = mapped_column(String(200))
    place_query: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float, index=True)
    longitude: Mapped[float] = mapped_column(Float)
    radius: Mapped[int] = mapped_column(Integer)  # miles
    topics: Mapped[str] = mapped_column(String(800), default="")  # topic slugs, space-separated; "" = any
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    last_mailed_at: Mapped[datetime | None] = mapped_column(DateTime)
    renewal_noticed_at: Mapped[datetime | None] = mapped_column(DateTime)
    language: Mapped[str] = mapped_column(String(10), default="en")  # the mail's, as the form was shown

    @property
    def topic_slugs(self) -> list[str]:
        return self.topics.split()

    def __repr__(self) -> str:
        return f"<Alert {self.id} {self.radius} mi of {self.place!r}>"


class AlertMatch(Model):
    """A listing that went public within an alert's reach: waiting for the alert's next mail, then kept
    (with when it was mailed) so a listing paused and resumed is not announced twice."""

    __tablename__ = "alert_matches"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime)
