"""Reading published listings for the exports: plain rows, a few statements, never one ORM object a row.

The feed and the data package read every published listing; building a mapped object for each (with
its relationships) would cost far more than the SQL. Here each table is read once with Core, for a
set of listings named by a subquery or a list of ids, and the rows are put together in Python.
Only the columns the public may see are read: the contact e-mail address is never selected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from ..accounts.models import User
from ..extensions import db
from ..listings.models import (
    Audience,
    Listing,
    ListingLanguage,
    Meeting,
    Topic,
    listing_audiences,
    listing_topics,
)
from ..listings.visibility import public_clause
from ..timeutil import utcnow

# The columns read for an export; `contact_email` is deliberately absent.
LISTING_COLUMNS = (
    Listing.id, Listing.slug, Listing.kind, Listing.name, Listing.summary, Listing.description,
    Listing.format, Listing.cost, Listing.cost_details, Listing.website, Listing.phone, Listing.phone_public,
    Listing.contact_enabled, Listing.address_line, Listing.city, Listing.region, Listing.postal_code,
    Listing.country, Listing.latitude, Listing.longitude, Listing.location_precision, Listing.time_zone,
    Listing.online_url, Listing.online_url_private, Listing.experience, Listing.meets_in_person,
    Listing.meets_phone, Listing.meets_video, Listing.accepting_mentees, Listing.availability,
    Listing.created_at, Listing.updated_at, Listing.published_at, Listing.last_confirmed_at,
)


@dataclass(slots=True)
class MeetingRecord:
    id: int
    weekday: int  # 0 = Monday ... 6 = Sunday, as stored
    start_time: time
    duration_minutes: int
    recurrence: str
    week_of_month: int | None
    anchor_date: date | None
    notes: str


@dataclass(slots=True)
class ListingRecord:
    """A published listing as the exports see it: the same attribute names as `Listing`, so the
    privacy and freshness helpers take either."""

    id: int
    slug: str
    kind: str
    name: str
    summary: str
    description: str
    format: str
    cost: str
    cost_details: str
    website: str
    phone: str
    phone_public: bool
    contact_enabled: bool
    address_line: str
    city: str
    region: str
    postal_code: str
    country: str
    latitude: float | None
    longitude: float | None
    location_precision: str
    time_zone: str
    online_url: str
    online_url_private: bool
    experience: str
    meets_in_person: bool
    meets_phone: bool
    meets_video: bool
    accepting_mentees: bool
    availability: str
    created_at: datetime | None
    updated_at: datetime | None
    published_at: datetime | None
    last_confirmed_at: datetime | None
    topics: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    audiences: list[tuple[str, str]] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    meetings: list[MeetingRecord] = field(default_factory=list)


IdSelect = Select[int]


def visible_clause(now: datetime | None = None) -> ColumnElement[bool]:
    """The public search's rule: published, owner not suspended, and confirmed within EXPIRE_AFTER_DAYS
    (a listing nobody confirmed that long leaves the search even before `flask expire` runs)."""
    conditions: list[ColumnElement[bool]] = [public_clause()]
    expire_days = current_app.config.get("EXPIRE_AFTER_DAYS")
    if expire_days:
        cutoff = (now or utcnow()) - timedelta(days=int(expire_days))
        conditions.append(or_(Listing.last_confirmed_at.is_(None), Listing.last_confirmed_at >= cutoff))
    return and_(*conditions)


def visible_ids(*conditions: Any, now: datetime | None = None) -> IdSelect:
    """SELECT of the ids of visible listings that also meet `conditions`, lowest id first."""
    return select(Listing.id).where(visible_clause(now), *conditions).order_by(Listing.id)


def load(ids: IdSelect | Sequence[int]) -> list[ListingRecord]:
    """The listings named by `ids` (a SELECT of ids, or a list), in the order of their ids."""
    connection = db.session.connection()
    # The ids once, then bound: a subquery would be evaluated again by each of the five statements.
    wanted = list(connection.execute(ids).scalars()) if isinstance(ids, Select) else list(ids)
    if not wanted:
        return []
    rows = connection.execute(select(*LISTING_COLUMNS).where(Listing.id.in_(wanted)).order_by(Listing.id))
    records = {row.id: ListingRecord(**row._mapping) for row in rows}
    for links, column, model, attribute in ((listing_topics, listing_topics.c.topic_id, Topic, "topics"),
                                            (listing_audiences, listing_audiences.c.audience_id, Audience,
                                             "audiences")):
        for listing_id, slug, name in connection.execute(
            select(links.c.listing_id, model.slug, model.name)
            .join(model, model.id == column)
            .where(links.c.listing_id.in_(wanted))
            .order_by(links.c.listing_id, model.position, model.id)
        ):
            getattr(records[listing_id], attribute).append((slug, name))
    for listing_id, code in connection.execute(
        select(ListingLanguage.listing_id, ListingLanguage.code)
        .where(ListingLanguage.listing_id.in_(wanted))
        .order_by(ListingLanguage.listing_id, ListingLanguage.code)
    ):
        records[listing_id].languages.append(code)
    for row in connection.execute(
        select(Meeting.listing_id, Meeting.id, Meeting.weekday, Meeting.start_time, Meeting.duration_minutes,
               Meeting.recurrence, Meeting.week_of_month, Meeting.anchor_date, Meeting.notes)
        .where(Meeting.listing_id.in_(wanted))
        .order_by(Meeting.listing_id, Meeting.weekday, Meeting.start_time, Meeting.id)
    ):
        values = dict(row._mapping)
        records[values.pop("listing_id")].meetings.append(MeetingRecord(**values))
    return list(records.values())


def count(ids: IdSelect, values: dict[str, Any] | None = None) -> int:
    """How many ids `ids` selects (`values` binds its parameters, such as full-text keywords)."""
    return int(db.session.connection().execute(
        select(func.count()).select_from(ids.order_by(None).subquery()), values or {}).scalar_one())


def page_of_ids(ids: IdSelect, page: int, per_page: int, values: dict[str, Any] | None = None) -> list[int]:
    statement = ids.limit(per_page).offset((page - 1) * per_page)
    return list(db.session.connection().execute(statement, values or {}).scalars())


def fingerprint() -> tuple[Any, ...]:
    """A cheap summary that changes when anything an export shows may have changed: listings edited,
    published or withdrawn, meetings replaced, owners suspended. Read from indexes, in a millisecond."""
    connection = db.session.connection()
    listings = connection.execute(
        select(func.count(), func.max(Listing.updated_at), func.max(Listing.last_confirmed_at))).one()
    meetings = connection.execute(select(func.count(), func.max(Meeting.id))).one()
    suspended = connection.execute(
        select(func.count(), func.max(User.suspended_at)).where(User.suspended_at.is_not(None))).one()
    topics = connection.execute(select(func.count(), func.max(Topic.id))).one()
    audiences = connection.execute(select(func.count(), func.max(Audience.id))).one()
    return (*listings, *meetings, *suspended, *topics, *audiences)


def vocabulary() -> dict[str, list[tuple[str, str, str]]]:
    """Every topic and audience as (slug, name, description), in their display order."""
    connection = db.session.connection()
    found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for name, model in (("topics", Topic), ("audiences", Audience)):
        for row in connection.execute(
                select(model.slug, model.name, model.description).order_by(model.position, model.id)):
            found[name].append((row.slug, row.name, row.description or ""))
    return dict(found)
