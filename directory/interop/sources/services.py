"""Sources: reading them, planning a sync (the dry run), applying it in one transaction, and claims.

A sync never deletes a listing and never overwrites a field edited here: for each field, the listing's
value is replaced only while it still equals what the source said before (`SourceRecord.applied` or
`.data`). A record whose upstream rows did not change (same digest) is not even mapped again, so an
unchanged re-sync writes nothing: no revision, no audit row, no timestamp. The one exception is the
confirmation date of a listing the source still lists, moved forward at most once a day.
Keeping the list of sources is in registry.py, claims in claims.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ... import data_version
from ...accounts.models import User
from ...database import commit, one_transaction
from ...extensions import db
from ...i18n import gettext
from ...listings import services as listing_services
from ...listings import snapshots
from ...listings.models import (
    STATUS_CHANGES_REQUESTED,
    STATUS_DRAFT,
    STATUS_PAUSED,
    STATUS_PENDING,
    STATUS_PUBLISHED,
    STATUS_REJECTED,
    Audience,
    Listing,
    Topic,
)
from ...moderation import audit
from ...moderation.models import REVISION_APPROVED, REVISION_PENDING, REVISION_SUPERSEDED, Revision
from ...timeutil import utcnow
from . import hsds_mapping, mapping, readers
from .fetch import FetchError, fetch
from .mapping import Group, Mapped, Parsed, Refusal
from .models import (
    FORMAT_HSDS_API,
    FORMAT_HSDS_PACKAGE,
    FORMAT_MEETING_GUIDE,
    Source,
    SourceRecord,
)
from .places import Gazetteer

logger = logging.getLogger(__name__)

FIRST_ROWS = 5  # rows of each kind a dry run shows
NOT_YET_APPROVED = (STATUS_DRAFT, STATUS_PENDING, STATUS_CHANGES_REQUESTED, STATUS_REJECTED)
SNAPSHOT_KEYS = (*snapshots.EDITABLE_FIELDS, "topics", "audiences", "languages", "meetings")
Progress = Callable[[int, int], None]  # (groups read, groups in the source)


class SourceError(Exception):
    """A source could not be added, read or synced; the message says why, fit to show an admin."""


@dataclass
class Outcome:
    """What a sync did, or (dry run) would do."""

    source_name: str
    dry_run: bool
    new: list[Mapped] = field(default_factory=list)
    changed: list[Mapped] = field(default_factory=list)
    back: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0

    def summary(self) -> str:
        counts = {"new": len(self.new), "changed": len(self.changed), "gone": len(self.gone),
                  "refused": len(self.refused), "back": len(self.back)}
        if self.back:
            return str(gettext("%(new)d new, %(changed)d changed, %(gone)d gone, %(refused)d refused, "
                           "%(back)d back", **counts))
        return str(gettext("%(new)d new, %(changed)d changed, %(gone)d gone, %(refused)d refused", **counts))

    @property
    def first_new(self) -> list[Mapped]:
        return self.new[:FIRST_ROWS]

    @property
    def first_changed(self) -> list[Mapped]:
        return self.changed[:FIRST_ROWS]


# Reading ----------------------------------------------------------------------------------------------


def _get(url: str) -> bytes:
    return fetch(url).body


def read(source: Source) -> Parsed:
    """The source's groups or services, checked and grouped; SourceError when it cannot be read."""
    try:
        if source.format == FORMAT_MEETING_GUIDE:
            body = source.upload if source.upload is not None else _get(source.url)
            return mapping.read_meeting_guide(readers.meeting_guide_rows(body), source.all_types)
        if source.format == FORMAT_HSDS_PACKAGE:
            body = source.upload if source.upload is not None else fetch(source.url, "application/zip").body
            return hsds_mapping.read_hsds(readers.package_services(body))
        if source.format == FORMAT_HSDS_API:
            if source.upload is not None:
                return hsds_mapping.read_hsds(readers.hsds_document_services(source.upload))
            return hsds_mapping.read_hsds(readers.hsds_api_services(
                source.url, _get, int(current_app.config["SOURCES_MAX_PAGES"])))
    except (FetchError, readers.ReadError) as error:
        raise SourceError(str(error)) from error
    raise SourceError(gettext("Unknown format “%(format)s”.", format=source.format))


def _mapper(source: Source) -> Callable[[Group, Gazetteer], Mapped | Refusal]:
    return mapping.map_meeting_guide if source.format == FORMAT_MEETING_GUIDE else hsds_mapping.map_hsds


class Vocabulary:
    """The site's topics and audiences by slug and by lower-case name, read once per sync."""

    def __init__(self) -> None:
        self.topics = {topic.slug: topic for topic in db.session.scalars(select(Topic))}
        self.audiences = {audience.slug: audience for audience in db.session.scalars(select(Audience))}
        self.names = {"topics": {topic.name.lower(): slug for slug, topic in self.topics.items()},
                      "audiences": {item.name.lower(): slug for slug, item in self.audiences.items()}}

    def resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        """Codes and names the site knows, as its slugs; the rest left out."""
        resolved = dict(data)
        for key, known in (("topics", self.topics), ("audiences", self.audiences)):
            slugs = {word if word in known else self.names[key].get(word.lower(), "")
                     for word in data.get(key, [])}
            resolved[key] = sorted(slug for slug in slugs if slug)
        return resolved


Writes = list[tuple[Mapped, SourceRecord | None]]


def plan(source: Source, parsed: Parsed, progress: Progress | None = None,
         ) -> tuple[Outcome, Writes, list[SourceRecord], list[SourceRecord]]:
    """Compare what the source says with what was imported before: the outcome, the records to write
    (mapped, existing record or None), the records gone and the records back."""
    outcome = Outcome(source.name, dry_run=True, refused=list(parsed.refused), skipped=parsed.skipped)
    existing: dict[str, SourceRecord] = {}
    if source.id is not None:
        existing = {record.upstream_key: record for record in db.session.scalars(
            select(SourceRecord).where(SourceRecord.source_id == source.id))}
    gazetteer, mapper, vocabulary = Gazetteer(), _mapper(source), Vocabulary()
    writes: list[tuple[Mapped, SourceRecord | None]] = []
    seen: set[str] = set()
    back: list[SourceRecord] = []
    for number, group in enumerate(parsed.groups, start=1):
        record = existing.get(group.key)
        seen.add(group.key)
        if record is not None and record.gone:
            back.append(record)
            outcome.back.append(group.label)
        if record is not None and record.digest == group.digest:
            outcome.unchanged += 1
        else:
            mapped = mapper(group, gazetteer)
            if isinstance(mapped, Refusal):
                outcome.refused.append(mapped)
            else:
                mapped.data = vocabulary.resolve(mapped.data)
                mapped.digest = group.digest
                writes.append((mapped, record))
                (outcome.new if record is None else outcome.changed).append(mapped)
        if progress is not None:
            progress(number, len(parsed.groups))
    gone = [record for key, record in existing.items() if key not in seen and not record.gone]
    outcome.gone = [_record_label(record) for record in gone]
    return outcome, writes, gone, back


def _record_label(record: SourceRecord) -> str:
    return str(record.data.get("name") or record.upstream_key)


def sync(source: Source, *, actor: User | None = None, dry_run: bool = False,
         progress: Progress | None = None) -> Outcome:
    """Read the source and bring its listings up to date, all in one transaction (or, dry run, only
    say what would happen). SourceError when the source cannot be read: nothing changes then, but
    the source remembers the error (unless it is a dry run or not kept yet)."""
    try:
        parsed = read(source)
    except SourceError as error:
        if not dry_run and source.id is not None:
            source.last_error = str(error)[:2000]
            commit()
        raise
    outcome, writes, gone, back = plan(source, parsed, progress)
    if dry_run:
        return outcome
    outcome.dry_run = False
    with one_transaction():
        if source.id is None:
            db.session.add(source)
            db.session.flush()
        _apply(source, actor, writes, gone, back)
        now = utcnow()
        source.checked_at = now
        source.last_error = ""
        source.last_summary = outcome.summary()
        _confirm_listed(source, now)
        data_version.bump()
    logger.info("source %s synced: %s", source.id, outcome.summary())
    return outcome


def _apply(source: Source, actor: User | None, writes: Writes,
           gone: list[SourceRecord], back: list[SourceRecord]) -> None:
    now = utcnow()
    new = [(mapped, None) for mapped, record in writes if record is None]
    changed = [(mapped, record) for mapped, record in writes if record is not None]
    if new:
        _create(source, actor, [mapped for mapped, _ in new], now)
    listings = {listing.id: listing for listing in db.session.scalars(
        select(Listing).where(Listing.id.in_([record.listing_id for _, record in changed]
                                             + [record.listing_id for record in [*gone, *back]])))}
    for mapped, record in changed:
        if record is not None:
            _update(source, actor, mapped, record, listings[record.listing_id], now)
    for record in gone:
        record.gone = True
        listing = listings[record.listing_id]
        if listing.status == STATUS_PUBLISHED and _follows(record, listing):
            listing.status = STATUS_PAUSED
            listing.moderation_note = f"no longer in {source.name}"
            record.paused_by_sync = True
            audit.record(audit.ACTION_SOURCE_GONE, actor, listing=listing,
                              reason=f"no longer in {source.name}")
    for record in back:
        record.gone = False
        listing = listings[record.listing_id]
        if record.paused_by_sync and listing.status == STATUS_PAUSED:
            listing.status = STATUS_PUBLISHED
            listing.moderation_note = ""
            audit.record(audit.ACTION_SOURCE_BACK, actor, listing=listing,
                              reason=f"back in {source.name}")
        record.paused_by_sync = False


def _follows(record: SourceRecord, listing: Listing) -> bool:
    """Whether syncs may change this listing: unclaimed, or its owner keeps following the source."""
    return listing.owner_id is None or record.following


def _slugs() -> set[str]:
    return set(db.session.scalars(select(Listing.slug)))


def _free_slug(name: str, taken: set[str]) -> str:
    base = listing_services.slugify(name)[:110] or "listing"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    taken.add(slug)
    return slug


def _write(listing: Listing, data: dict[str, Any], vocabulary: Vocabulary | None = None) -> None:
    vocabulary = vocabulary or Vocabulary()
    snapshots.apply_snapshot(listing, {key: value for key, value in data.items()
                                              if key in SNAPSHOT_KEYS and key not in ("topics", "audiences")})
    listing.topics = [vocabulary.topics[slug] for slug in data.get("topics", []) if slug in vocabulary.topics]
    listing.audiences = [vocabulary.audiences[slug] for slug in data.get("audiences", [])
                         if slug in vocabulary.audiences]


def _create(source: Source, actor: User | None, items: list[Mapped], now: datetime) -> None:
    taken, vocabulary = _slugs(), Vocabulary()
    made: list[tuple[Mapped, Listing]] = []
    for mapped in items:
        listing = Listing(kind=mapped.data["kind"], slug=_free_slug(mapped.data["name"], taken),
                          status=STATUS_PUBLISHED if source.trusted else STATUS_PENDING, owner_id=None,
                          created_at=now, updated_at=now, submitted_at=now,
                          published_at=now if source.trusted else None,
                          last_confirmed_at=now if source.trusted else None)
        _write(listing, mapped.data, vocabulary)
        db.session.add(listing)
        made.append((mapped, listing))
    db.session.flush()
    for mapped, listing in made:
        db.session.add(SourceRecord(source_id=source.id, listing_id=listing.id, upstream_key=mapped.key,
                                    upstream_ids=mapped.upstream_ids, digest=mapped.digest,
                                    data=mapped.data, applied=mapped.data, emails=mapped.emails, gone=False,
                                    paused_by_sync=False, following=True))
        audit.record(audit.ACTION_IMPORTED, actor, listing=listing,
                          reason=f"imported from {source.name}")
    db.session.flush()


def merge(current: dict[str, Any], record: SourceRecord, incoming: dict[str, Any]) -> dict[str, Any]:
    """The source's new values, except on fields edited here (equal to neither what the source said
    nor what the sync wrote): those keep the listing's value."""
    merged = dict(current)
    for key in SNAPSHOT_KEYS:
        if key not in incoming:
            continue
        mine = current.get(key)
        if mine == record.applied.get(key) or mine == record.data.get(key):
            merged[key] = incoming[key]
    return merged


def _update(source: Source, actor: User | None, mapped: Mapped, record: SourceRecord, listing: Listing,
            now: datetime) -> None:
    record.digest = mapped.digest
    record.upstream_ids = mapped.upstream_ids
    record.emails = mapped.emails
    if not _follows(record, listing):
        record.data = mapped.data
        return
    current = snapshots.snapshot(listing)
    proposed = merge(current, record, mapped.data)
    record.data = mapped.data
    if not snapshots.diff(current, proposed):
        return
    reason = f"changed in {source.name}"
    if listing.status in NOT_YET_APPROVED:
        _write(listing, proposed)
        record.applied = _applied(record, proposed)
        audit.record(audit.ACTION_SOURCE_CHANGED, actor, listing=listing, reason=reason)
        return
    # An earlier edit from the source that nobody reviewed yet is replaced by this one.
    db.session.execute(update(Revision).where(
        Revision.listing_id == listing.id, Revision.status == REVISION_PENDING, Revision.author_id.is_(None),
    ).values(status=REVISION_SUPERSEDED, decided_at=now).execution_options(synchronize_session=False))
    revision = Revision(listing_id=listing.id, author_id=None, data=proposed, created_at=now, note=reason,
                        status=REVISION_APPROVED if source.trusted else REVISION_PENDING,
                        decided_at=now if source.trusted else None)
    db.session.add(revision)
    db.session.flush()
    if source.trusted:
        _write(listing, proposed)
        record.applied = _applied(record, proposed)
        audit.record(audit.ACTION_SOURCE_CHANGED, actor, listing=listing, revision=revision,
                          reason=reason)
    else:
        audit.record(audit.ACTION_SOURCE_REVISION, actor, listing=listing, revision=revision,
                          reason=reason)


def _applied(record: SourceRecord, written: dict[str, Any]) -> dict[str, Any]:
    """What the sync has now written onto the listing (a new dict: JSON columns notice assignment only)."""
    return {**record.applied, **{key: written[key] for key in SNAPSHOT_KEYS if key in written}}


def _confirm_listed(source: Source, now: datetime) -> None:
    """A listing the source still lists counts as confirmed on the day of the sync: its date moves
    forward once a day at most (a second sync that day writes nothing), updated_at untouched."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    listed = (select(SourceRecord.listing_id)
              .join(Listing, Listing.id == SourceRecord.listing_id)
              .where(SourceRecord.source_id == source.id, SourceRecord.gone.is_(False),
                     (Listing.owner_id.is_(None)) | SourceRecord.following.is_(True)))
    db.session.execute(
        update(Listing)
        .where(Listing.id.in_(listed), Listing.status == STATUS_PUBLISHED,
               (Listing.last_confirmed_at.is_(None)) | (Listing.last_confirmed_at < midnight))
        .values(last_confirmed_at=now, updated_at=Listing.updated_at)
        .execution_options(synchronize_session=False))
