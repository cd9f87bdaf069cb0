"""The sources kept (adding one, finding them, which are due), and what pages show of an imported listing."""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, func, select

from ...accounts.models import User
from ...database import commit
from ...extensions import db
from ...i18n import gettext
from ...listings import snapshots
from ...listings.models import Listing
from ...timeutil import utcnow
from . import readers
from .fetch import FetchError, check_url
from .models import FORMAT_HSDS_API, FORMAT_HSDS_PACKAGE, FORMAT_MEETING_GUIDE, FORMATS, Source, SourceRecord
from .services import SNAPSHOT_KEYS, SourceError

logger = logging.getLogger(__name__)


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
                raise SourceError(gettext("%(file)s is larger than the limit.", file=path.name))
            upload = path.read_bytes()
        else:
            raise SourceError(gettext("%(location)s is neither an http(s) address nor a file.",
                                      location=location))
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


def record_of(listing_id: int) -> SourceRecord | None:
    return db.session.scalar(_record_of_statement(), {"listing_id": listing_id})


@lru_cache(maxsize=1)
def _record_of_statement() -> Select[SourceRecord]:
    """Built once: every listing page asks whether its listing came from a source."""
    return select(SourceRecord).where(SourceRecord.listing_id == bindparam("listing_id"))


def differences(listing: Listing, record: SourceRecord) -> list[tuple[str, Any, Any]]:
    """(field, what the source says, what the listing says) where they differ."""
    current = snapshots.snapshot(listing)
    return [(key, record.data.get(key), current.get(key)) for key in SNAPSHOT_KEYS
            if key in record.data and record.data.get(key) != current.get(key)]
