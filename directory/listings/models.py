"""Listings (mentors and groups), their meetings, and the taxonomies that describe them."""

from __future__ import annotations

import math
from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from ..timeutil import utcnow

KIND_MENTOR = "mentor"
KIND_GROUP = "group"
KINDS = (KIND_MENTOR, KIND_GROUP)

FORMAT_IN_PERSON = "in_person"
FORMAT_ONLINE = "online"
FORMAT_HYBRID = "hybrid"
FORMATS = (FORMAT_IN_PERSON, FORMAT_ONLINE, FORMAT_HYBRID)

COSTS = ("free", "donation", "paid")
PRECISIONS = ("approximate", "exact")

# The moderation state machine (see moderation/services.py for the transitions).
STATUS_DRAFT = "draft"
STATUS_PENDING = "pending"
STATUS_PUBLISHED = "published"
STATUS_CHANGES_REQUESTED = "changes_requested"
STATUS_REJECTED = "rejected"
STATUS_PAUSED = "paused"
STATUS_UNPUBLISHED = "unpublished"
STATUS_EXPIRED = "expired"
STATUS_WITHDRAWN = "withdrawn"
STATUSES = (
    STATUS_DRAFT,
    STATUS_PENDING,
    STATUS_PUBLISHED,
    STATUS_CHANGES_REQUESTED,
    STATUS_REJECTED,
    STATUS_PAUSED,
    STATUS_UNPUBLISHED,
    STATUS_EXPIRED,
    STATUS_WITHDRAWN,
)

RECURRENCE_WEEKLY = "weekly"
RECURRENCE_BIWEEKLY = "biweekly"
RECURRENCE_MONTHLY = "monthly"
RECURRENCES = (RECURRENCE_WEEKLY, RECURRENCE_BIWEEKLY, RECURRENCE_MONTHLY)
# The audience whose groups a card marks "New members welcome".
NEWCOMERS_AUDIENCE = "first-timers"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

listing_topics = Table(
    "listing_topics",
    db.metadata,
    Column("listing_id", ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)

listing_audiences = Table(
    "listing_audiences",
    db.metadata,
    Column("listing_id", ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    Column("audience_id", ForeignKey("audiences.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class _Vocabulary:
    """What a seeded taxonomy term has: a slug for URLs and filters, a name, a line about it, an order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class Topic(_Vocabulary, Model):
    """What a group or mentor helps with (divorce and separation, grief, ...)."""

    __tablename__ = "topics"


class Audience(_Vocabulary, Model):
    """Who a listing is meant for (veterans, new fathers, first-timers, ...)."""

    __tablename__ = "audiences"


class ListingLanguage(Model):
    """One language (ISO 639-1) a listing is offered in; a table so the filter can use an index."""

    __tablename__ = "listing_languages"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


# Bands of latitude per degree, and the database's expression for a listing's band (see latitude_band):
# counted from the south pole, so truncating is flooring (SQLAlchemy replaces SQLite's floor() with
# a Python function that fails on NULL; trunc() is built into both databases).
LATITUDE_BANDS_PER_DEGREE = 10
LATITUDE_BAND_SQL = (f"CAST(trunc(latitude * {LATITUDE_BANDS_PER_DEGREE} + {90 * LATITUDE_BANDS_PER_DEGREE}) "
                     "AS INTEGER)")


def latitude_band(latitude: float) -> int:
    """The band the database computes for a latitude: the same arithmetic as LATITUDE_BAND_SQL."""
    return math.trunc(latitude * LATITUDE_BANDS_PER_DEGREE + 90 * LATITUDE_BANDS_PER_DEGREE)


# The columns of the search's bounding-box index, in order (see Listing.__table_args__).
SEARCH_BOX_COLUMNS = ("status", "latitude_band", "longitude", "latitude", "format", "location_precision",
                      "last_confirmed_at", "owner_id", "kind", "cost", "topic_bits")
SEARCH_BOX_INDEX = "ix_listings_search_box"
# The online list's count reads this one (every filter column, so it never reads the table).
STATUS_FORMAT_COLUMNS = ("status", "format", "kind", "cost", "last_confirmed_at", "owner_id", "topic_bits")


class ListingFacts:
    """What a listing says of itself from its own values: shared by Listing and the search's read-only
    cards (`cards.ListingCard`), which carry the same attributes."""

    # Listing's columns; a card's values of them (its language rows have the same columns).
    status: str
    format: str
    kind: str
    accepting_mentees: bool
    language_rows: list[ListingLanguage]
    audiences: list[Audience]

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    @property
    def is_published(self) -> bool:
        return self.status == STATUS_PUBLISHED

    @property
    def is_online_only(self) -> bool:
        return self.format == FORMAT_ONLINE

    @property
    def open_to_new_people(self) -> bool:
        """False only for a mentor who takes no new mentees now: he is no one to suggest first."""
        return self.kind != KIND_MENTOR or self.accepting_mentees

    @property
    def welcomes_newcomers(self) -> bool:
        """A group meant for first-timers too: what a card says as "New members welcome"."""
        return self.kind == KIND_GROUP and any(audience.slug == NEWCOMERS_AUDIENCE
                                               for audience in self.audiences)


class Listing(ListingFacts, Model):
    """A mentor or a group. Public only while its status is 'published'."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=STATUS_DRAFT)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    format: Mapped[str] = mapped_column(String(10), default=FORMAT_IN_PERSON)
    cost: Mapped[str] = mapped_column(String(10), default="free")
    cost_details: Mapped[str] = mapped_column(String(200), default="")

    website: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_public: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_email: Mapped[str] = mapped_column(String(254), default="")  # never public
    contact_enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    address_line: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(12), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # A tenth of a degree of latitude (about 7 miles) as a whole number, kept by the database: the
    # search index leads with it, so a box is read as a few short runs along longitude instead of a
    # band of latitude across the whole continent.
    latitude_band: Mapped[int | None] = mapped_column(Integer, Computed(LATITUDE_BAND_SQL))
    location_precision: Mapped[str] = mapped_column(String(12), default="approximate")
    # Bit (id mod 63) of each of the listing's topics, kept by the database (see `topic_bits`): the
    # search indexes carry it, so a topic filter is answered from the index entry.
    topic_bits: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")

    online_url: Mapped[str] = mapped_column(String(500), default="")
    # When set, the join link is sent in the automatic reply to a contact message, never shown.
    online_url_private: Mapped[bool] = mapped_column(Boolean, default=False)

    # Mentors only.
    experience: Mapped[str] = mapped_column(Text, default="")
    meets_in_person: Mapped[bool] = mapped_column(Boolean, default=False)
    meets_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    meets_video: Mapped[bool] = mapped_column(Boolean, default=False)
    accepting_mentees: Mapped[bool] = mapped_column(Boolean, default=True)
    availability: Mapped[str] = mapped_column(String(200), default="")

    contact_count: Mapped[int] = mapped_column(Integer, default=0)
    moderation_note: Mapped[str] = mapped_column(Text, default="")  # last reason the owner was given
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    owner = relationship("User", lazy="joined", foreign_keys=[owner_id])
    topics: Mapped[list[Topic]] = relationship(secondary=listing_topics, order_by=Topic.position,
                                               lazy="selectin")
    audiences: Mapped[list[Audience]] = relationship(
        secondary=listing_audiences, order_by=Audience.position, lazy="selectin"
    )
    language_rows: Mapped[list[ListingLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=ListingLanguage.code
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="listing",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(Meeting.weekday, Meeting.start_time)",
    )

    __table_args__ = (
        # The search filters on status first, then a bounding box, and measures and filters the rows
        # in it from this index alone: every column the local search reads is here.
        Index(SEARCH_BOX_INDEX, *SEARCH_BOX_COLUMNS, postgresql_include=["id"]),
        # Covers every filter of the online list's count, which then never reads the table (the id is
        # in every SQLite index already; PostgreSQL needs it included for the topic filter's join).
        Index("ix_listings_status_format_cover", *STATUS_FORMAT_COLUMNS, postgresql_include=["id"]),
        Index("ix_listings_status_confirmed", "status", "last_confirmed_at"),
    )

    @property
    def languages(self) -> list[str]:
        return super().languages

    @languages.setter
    def languages(self, codes: list[str]) -> None:
        wanted = list(dict.fromkeys(code.lower() for code in codes if code))
        self.language_rows = [ListingLanguage(code=code) for code in wanted]

    def __repr__(self) -> str:
        return f"<Listing {self.slug} {self.status}>"


class Meeting(Model):
    """A recurring meeting of a group, in the listing's time zone."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday ... 6 = Sunday
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    recurrence: Mapped[str] = mapped_column(String(10), default=RECURRENCE_WEEKLY)
    # Monthly: which weekday of the month (1..4, or -1 for the last one).
    week_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    # Every other week: one date the meeting falls on, to know which weeks.
    anchor_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(200), default="")

    listing: Mapped[Listing] = relationship(back_populates="meetings")

    __table_args__ = (Index("ix_meetings_weekday", "weekday"),)

    def __repr__(self) -> str:
        return f"<Meeting {WEEKDAYS[self.weekday]} {self.start_time} {self.recurrence}>"
