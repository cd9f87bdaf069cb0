"""Sources: reading them, planning a sync (the dry run), applying it in one transaction, and claims.

A sync never deletes a listing and never overwrites a field edited here: for each field, the listing's
value is replaced only while it still equals what the source said before (`SourceRecord.applied` or
`.data`). A record whose upstream rows did not change (same digest) is not even mapped again, so an
unchanged re-sync writes nothing: no revision, no audit row, no timestamp. The one exception is the
confirmation date of a listing the source still lists, moved forward at most once a day.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from ...accounts.models import User
from ...database import commit, one_transaction
from ...extensions import db
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
from ...mail import MailError, send_mail
from ...moderation import services as moderation
from ...moderation.models import REVISION_APPROVED, REVISION_PENDING, REVISION_SUPERSEDED, Revision
from ...timeutil import utcnow
from ...urls import external_url
from . import mapping, readers
from .fetch import FetchError, check_url, fetch
from .mapping import Gazetteer, Group, Mapped, Parsed, Refusal
from .models import (
    CLAIM_APPROVED,
    CLAIM_PENDING,
    CLAIM_REJECTED,
    FORMAT_HSDS_API,
    FORMAT_HSDS_PACKAGE,
    FORMAT_MEETING_GUIDE,
    FORMATS,
    Claim,
    Source,
    SourceRecord,
)

logger = logging.getLogger(__name__)

FIRST_ROWS = 5  # rows of each kind a dry run shows
NOT_YET_APPROVED = (STATUS_DRAFT, STATUS_PENDING, STATUS_CHANGES_REQUESTED, STATUS_REJECTED)
SNAPSHOT_KEYS = (*snapshots.EDITABLE_FIELDS, "topics", "audiences", "languages", "meetings")
CLAIM_LINK_SALT = "directory.sources.claim"
Progress = Callable[[int], None]


class SourceError(Exception):
    """A source could not be added, read or synced; the message says why, fit to show an admin."""


class ClaimError(Exception):
    """A claim cannot be made or decided; the message is fit to show the person."""


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
        line = (f"{len(self.new)} new, {len(self.changed)} changed, {len(self.gone)} gone, "
                f"{len(self.refused)} refused")
        if self.back:
            line += f", {len(self.back)} back"
        return line

    @property
    def first_new(self) -> list[Mapped]:
        return self.new[:FIRST_ROWS]

    @property
    def first_changed(self) -> list[Mapped]:
        return self.changed[:FIRST_ROWS]


# Sources ----------------------------------------------------------------------------------------------


def all_sources() -> list[Source]:
    return list(db.session.scalars(select(Source).order_by(Source.name)))


def source_by_id(source_id: int) -> Source | None:
    return db.session.get(Source, source_id)


def source_by_name(name: str) -> Source | None:
    return db.session.scalar(select(Source).where(func.lower(Source.name) == name.strip().lower()))


def record_counts() -> dict[int, int]:
    rows = db.session.execute(select(SourceRecord.source_id, func.count()).group_by(SourceRecord.source_id))
    return {source_id: count for source_id, count in rows}


def due_sources(now: datetime | None = None) -> list[Source]:
    """Sources whose interval has passed since they were last read (never-read ones first)."""
    now = now or utcnow()
    return [source for source in all_sources() if source.sync_hours > 0 and (
        source.checked_at is None or source.checked_at + timedelta(hours=source.sync_hours) <= now)]


def _check_settings(name: str, url: str, upload: bytes | None, format_: str, sync_hours: int,
                    exclude_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Give the source a name."
    else:
        existing = source_by_name(name)
        if existing is not None and existing.id != exclude_id:
            errors["name"] = "There is already a source with that name."
    if format_ not in FORMATS:
        errors["format"] = "Choose one of the formats."
    if bool(url.strip()) == bool(upload):
        errors["url"] = ("Give either an address or a file, not both." if upload
                         else "Give an address or a file.")
    elif url.strip():
        try:
            check_url(url)
        except FetchError as error:
            errors["url"] = str(error)
    if upload is not None and len(upload) > int(current_app.config["SOURCES_MAX_BYTES"]):
        errors["upload"] = "The file is larger than the limit."
    if not 0 <= sync_hours <= 24 * 365:
        errors["sync_hours"] = "From 0 (only when asked) to 8760 hours."
    return errors


class InvalidSource(SourceError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def add_source(actor: User | None, *, name: str, url: str = "", upload: bytes | None = None,
               upload_name: str = "", format_: str, all_types: bool = False, trusted: bool = False,
               sync_hours: int = 24) -> Source:
    """Keep a new source (nothing is imported yet: the admin does a dry run first)."""
    errors = _check_settings(name, url, upload, format_, sync_hours)
    if errors:
        raise InvalidSource(errors)
    source = Source(name=name.strip(), url=url.strip(), upload=upload, upload_name=upload_name[:200],
                    format=format_, all_types=all_types, trusted=trusted, sync_hours=sync_hours,
                    created_by_id=actor.id if actor is not None else None, created_at=utcnow(),
                    last_error="", last_summary="")
    db.session.add(source)
    commit()
    logger.info("source %s added (%s)", source.id, format_)
    return source


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
            return mapping.read_hsds(readers.package_services(body))
        if source.format == FORMAT_HSDS_API:
            if source.upload is not None:
                return mapping.read_hsds(readers.hsds_document_services(source.upload))
            return mapping.read_hsds(readers.hsds_api_services(
                source.url, _get, int(current_app.config["SOURCES_MAX_PAGES"])))
    except (FetchError, readers.ReadError) as error:
        raise SourceError(str(error)) from error
    raise SourceError(f"Unknown format {source.format!r}.")


def _mapper(source: Source) -> Callable[[Group, Gazetteer], Mapped | Refusal]:
    return mapping.map_meeting_guide if source.format == FORMAT_MEETING_GUIDE else mapping.map_hsds


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
            progress(number)
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
            moderation.record(moderation.ACTION_SOURCE_GONE, actor, listing=listing,
                              reason=f"no longer in {source.name}")
    for record in back:
        record.gone = False
        listing = listings[record.listing_id]
        if record.paused_by_sync and listing.status == STATUS_PAUSED:
            listing.status = STATUS_PUBLISHED
            listing.moderation_note = ""
            moderation.record(moderation.ACTION_SOURCE_BACK, actor, listing=listing,
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
        moderation.record(moderation.ACTION_IMPORTED, actor, listing=listing,
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
        moderation.record(moderation.ACTION_SOURCE_CHANGED, actor, listing=listing, reason=reason)
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
        moderation.record(moderation.ACTION_SOURCE_CHANGED, actor, listing=listing, revision=revision,
                          reason=reason)
    else:
        moderation.record(moderation.ACTION_SOURCE_REVISION, actor, listing=listing, revision=revision,
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


# One-off imports (the command line) -------------------------------------------------------------------


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            if path.suffix in (".csv", ".json"):
                archive.write(path, path.name)
    return buffer.getvalue()


def source_for(location: str, kind: str, *, name: str | None, all_types: bool, publish: bool) -> Source:
    """The source named (made, unsaved, when new) for a URL or a file (a data package may be a
    folder of CSV files); `kind` is "meeting-guide" or "hsds"."""
    is_url = location.startswith(("http://", "https://")) or "://" in location
    upload: bytes | None = None
    if not is_url:
        path = Path(location)
        if path.is_dir():
            upload = _zip_folder(path)
        elif path.is_file():
            if path.stat().st_size > int(current_app.config["SOURCES_MAX_BYTES"]):
                raise SourceError(f"{path.name} is larger than the limit.")
            upload = path.read_bytes()
        else:
            raise SourceError(f"{location} is neither an http(s) address nor a file.")
    if kind == "meeting-guide":
        format_ = FORMAT_MEETING_GUIDE
    elif (upload is not None and upload.startswith(readers.ZIP_MAGIC)) or location.lower().endswith(".zip"):
        format_ = FORMAT_HSDS_PACKAGE
    else:
        format_ = FORMAT_HSDS_API
    label = name or (location.split("://", 1)[-1].split("/", 1)[0] if is_url else Path(location).stem)
    source = source_by_name(label) or Source(name=label[:100], format=format_, created_at=utcnow(),
                                             last_error="", last_summary="", sync_hours=24)
    source.url = location if is_url else ""
    source.upload = upload
    source.upload_name = "" if is_url else Path(location).name[:200]
    source.format = format_
    source.all_types = all_types
    source.trusted = publish
    if is_url:
        try:
            check_url(location)
        except FetchError as error:
            raise SourceError(str(error)) from error
    return source


# What pages show about an imported listing --------------------------------------------------------------


def record_of(listing_id: int) -> SourceRecord | None:
    return db.session.scalar(select(SourceRecord).where(SourceRecord.listing_id == listing_id))


def differences(listing: Listing, record: SourceRecord) -> list[tuple[str, Any, Any]]:
    """(field, what the source says, what the listing says) where they differ."""
    current = snapshots.snapshot(listing)
    return [(key, record.data.get(key), current.get(key)) for key in SNAPSHOT_KEYS
            if key in record.data and record.data.get(key) != current.get(key)]


# Claims -------------------------------------------------------------------------------------------------


def pending_claims() -> list[Claim]:
    return list(db.session.scalars(select(Claim).where(Claim.status == CLAIM_PENDING)
                                   .order_by(Claim.created_at, Claim.id)))


def claim_by_id(claim_id: int) -> Claim | None:
    return db.session.get(Claim, claim_id)


def pending_claim(listing: Listing, user: User) -> Claim | None:
    return db.session.scalar(select(Claim).where(Claim.listing_id == listing.id, Claim.user_id == user.id,
                                                 Claim.status == CLAIM_PENDING))


def claimable(listing: Listing) -> SourceRecord | None:
    """The listing's source record when it can be claimed: imported and nobody's yet."""
    if listing.owner_id is not None:
        return None
    return record_of(listing.id)


def masked(address: str) -> str:
    """j•••@example.org: enough for the organiser to recognise the address, not enough to harvest it."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def _check_claimant(listing: Listing, user: User) -> SourceRecord:
    if not user.is_confirmed:
        raise ClaimError("Please confirm your e-mail address first.")
    if user.is_suspended:
        raise ClaimError("This account is suspended.")
    record = claimable(listing)
    if record is None:
        raise ClaimError("This listing cannot be claimed: it already has an owner.")
    return record


def _grant(claim: Claim, listing: Listing, record: SourceRecord, actor: User | None, reason: str) -> None:
    now = utcnow()
    claim.status, claim.decided_at = CLAIM_APPROVED, now
    claim.decided_by_id = actor.id if actor is not None else None
    listing.owner_id = claim.user_id
    record.following = claim.keep_following
    db.session.execute(update(Claim).where(Claim.listing_id == listing.id, Claim.status == CLAIM_PENDING,
                                           Claim.id != claim.id)
                       .values(status=CLAIM_REJECTED, decided_at=now, note="Another claim was approved.")
                       .execution_options(synchronize_session=False))
    moderation.record(moderation.ACTION_CLAIM_APPROVED, actor, listing=listing, target_user_id=claim.user_id,
                      reason=reason)


def request_claim(listing: Listing, user: User, message: str, keep_following: bool = False) -> Claim:
    """Ask to own an imported listing. Approved at once when the account's own (confirmed) address is
    one the source gave for this group; otherwise it waits for an admin."""
    record = _check_claimant(listing, user)
    automatic = user.email.lower() in record.emails
    message = message.strip()
    if not automatic and not message:
        raise ClaimError("Please say how you are connected to this group, so an admin can check.")
    if pending_claim(listing, user) is not None:
        raise ClaimError("You already asked; an admin will look at it.")
    claim = Claim(listing_id=listing.id, user_id=user.id, message=message[:2000], status=CLAIM_PENDING,
                  keep_following=keep_following, created_at=utcnow(), note="")
    db.session.add(claim)
    db.session.flush()
    if automatic:
        _grant(claim, listing, record, None, f"{masked(user.email)} is listed by {record.source.name}")
    else:
        moderation.record(moderation.ACTION_CLAIM_REQUESTED, user, listing=listing, target_user=user)
    commit()
    logger.info("claim %s on listing %s by user %s: %s", claim.id, listing.id, user.id, claim.status)
    return claim


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CLAIM_LINK_SALT)


def send_claim_link(listing: Listing, user: User, address: str, keep_following: bool = False) -> None:
    """Mail a link to an address the source listed for the group; following it (signed in as `user`)
    proves the person reads that address, and the claim is approved."""
    record = _check_claimant(listing, user)
    if address not in record.emails:
        raise ClaimError("Choose one of the addresses the source lists for this group.")
    token = _serializer().dumps({"listing": listing.id, "user": user.id, "address": address,
                                 "follow": keep_following})
    try:
        send_mail(address, f"Claim “{listing.name}” on {current_app.config['SITE_NAME']}", "claim_link",
                  listing=listing, link=external_url("sources.confirm_claim", token=token),
                  hours=int(current_app.config["CLAIM_LINK_MAX_AGE"]) // 3600)
    except MailError as error:
        raise ClaimError("The message could not be sent just now. Please try again later.") from error
    logger.info("claim link for listing %s sent for user %s", listing.id, user.id)


def confirm_claim_link(token: str, user: User) -> Listing:
    """Approve the claim a link from send_claim_link stands for."""
    try:
        payload = _serializer().loads(token, max_age=int(current_app.config["CLAIM_LINK_MAX_AGE"]))
    except SignatureExpired as error:
        raise ClaimError("This link has expired. Please ask for a new one.") from error
    except BadSignature as error:
        raise ClaimError("This link is not valid. It may have been copied incompletely.") from error
    if not isinstance(payload, dict) or payload.get("user") != user.id:
        raise ClaimError("This link was sent for another account. Sign in with the account that asked.")
    listing = db.session.get(Listing, payload.get("listing"))
    if listing is None:
        raise ClaimError("That listing no longer exists.")
    record = _check_claimant(listing, user)
    if payload.get("address") not in record.emails:
        raise ClaimError("The source no longer lists that address for this group.")
    claim = pending_claim(listing, user) or Claim(listing_id=listing.id, user_id=user.id, message="",
                                                  created_at=utcnow(), note="")
    claim.keep_following = bool(payload.get("follow"))
    db.session.add(claim)
    db.session.flush()
    _grant(claim, listing, record, None, f"{masked(str(payload['address']))} confirmed")
    commit()
    return listing


def approve_claim(claim: Claim, admin: User) -> None:
    if not admin.is_admin:
        raise ClaimError("Only an admin can do that.")
    if claim.status != CLAIM_PENDING:
        raise ClaimError("This claim was already decided.")
    record = claimable(claim.listing)
    if record is None:
        raise ClaimError("The listing has an owner already.")
    _grant(claim, claim.listing, record, admin, "approved by an admin")
    commit()


def reject_claim(claim: Claim, admin: User, reason: str) -> None:
    if not admin.is_admin:
        raise ClaimError("Only an admin can do that.")
    if claim.status != CLAIM_PENDING:
        raise ClaimError("This claim was already decided.")
    if not reason.strip():
        raise ClaimError("Please give a reason; the person will see it.")
    claim.status, claim.decided_at, claim.decided_by_id = CLAIM_REJECTED, utcnow(), admin.id
    claim.note = reason.strip()[:2000]
    moderation.record(moderation.ACTION_CLAIM_REJECTED, admin, listing=claim.listing,
                      target_user_id=claim.user_id, reason=reason)
    commit()


def set_following(listing: Listing, user: User, following: bool) -> None:
    """The owner of a claimed listing chooses whether syncs keep updating it."""
    record = record_of(listing.id)
    if record is None or listing.owner_id != user.id:
        raise ClaimError("Only the listing's owner can change that.")
    record.following = following
    commit()
