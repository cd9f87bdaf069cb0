"""Where imported listings come from: sources, one record per upstream group or service, and claims."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import Model
from ...i18n import lazy_gettext as _l
from ...timeutil import utcnow

FORMAT_MEETING_GUIDE = "meeting-guide"
FORMAT_HSDS_API = "hsds-api"
FORMAT_HSDS_PACKAGE = "hsds-package"
FORMATS = {
    FORMAT_MEETING_GUIDE: _l("Meeting Guide JSON feed"),
    FORMAT_HSDS_API: _l("HSDS 3.0 API (its base URL)"),
    FORMAT_HSDS_PACKAGE: _l("HSDS 3.0 data package (zip)"),
}

CLAIM_PENDING = "pending"
CLAIM_APPROVED = "approved"
CLAIM_REJECTED = "rejected"


class Source(Model):
    """Another directory's feed (a URL, or a file an admin uploaded) that listings are imported from."""

    __tablename__ = "import_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(500), default="")
    # An uploaded file is kept whole, so a later sync reads the same bytes until a new file replaces them.
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # read only to sync
    upload_name: Mapped[str] = mapped_column(String(200), default="")
    format: Mapped[str] = mapped_column(String(20))
    # Meeting Guide: False keeps only meetings whose types include "M" (men); True takes every meeting.
    all_types: Mapped[bool] = mapped_column(Boolean, default=False)
    # Trusted: new and changed listings are published at once; otherwise they wait in the review queue.
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    sync_hours: Mapped[int] = mapped_column(Integer, default=24)  # 0: only when asked
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)  # last sync that read the source
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_summary: Mapped[str] = mapped_column(String(200), default="")

    records: Mapped[list[SourceRecord]] = relationship(back_populates="source", cascade="all, delete-orphan",
                                                       passive_deletes=True)

    @property
    def location(self) -> str:
        """Where it is read from, as an admin would recognise it."""
        return self.url or (f"uploaded file {self.upload_name}" if self.upload_name else "uploaded file")

    def __repr__(self) -> str:
        return f"<Source {self.name}>"


class SourceRecord(Model):
    """One upstream group or service and the listing made from it.

    `digest` fingerprints the upstream rows, so an unchanged record is recognised without mapping it
    again. `data` is what the source says now (mapped to a listing snapshot); `applied` is what the
    sync last wrote onto the listing: a listing field equal to neither was edited here, and wins.
    """

    __tablename__ = "source_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("import_sources.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), unique=True)
    upstream_key: Mapped[str] = mapped_column(String(300))
    upstream_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # meeting slugs, service id
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    applied: Mapped[dict[str, Any]] = mapped_column(JSON)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)  # addresses the source gave for it
    gone: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_by_sync: Mapped[bool] = mapped_column(Boolean, default=False)
    # Once claimed, syncs leave the listing alone unless its owner chose to keep following the source.
    following: Mapped[bool] = mapped_column(Boolean, default=True)

    source: Mapped[Source] = relationship(back_populates="records")

    __table_args__ = (Index("ix_source_records_source_key", "source_id", "upstream_key", unique=True),)


class Claim(Model):
    """Someone says an imported listing is theirs; an admin (or a confirmed listed address) decides."""

    __tablename__ = "listing_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    keep_following: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=CLAIM_PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    listing = relationship("Listing", lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    __table_args__ = (Index("ix_listing_claims_status_created", "status", "created_at"),)
