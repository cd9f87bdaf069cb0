"""The fictional demo directory: two demo accounts and the demo file's listings, refused in production."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from .. import data_version
from ..accounts.models import ROLE_ADMIN, ROLE_MEMBER, User
from ..accounts.passwords import hash_password
from ..database import one_transaction
from ..extensions import db
from ..listings.models import STATUS_PUBLISHED, Audience, Listing, Meeting, Topic
from ..listings.snapshots import EDITABLE_FIELDS, MEETING_FIELDS
from ..timeutil import utcnow
from .demo_file import load_demo_file
from .upsert import SEEDS_FOLDER, SeedError, Tally, assign

logger = logging.getLogger(__name__)

DEMO_ADMIN_EMAIL = "admin@demo.example.org"
DEMO_OWNER_EMAIL = "owner@demo.example.org"
# A timestamp this close to the one the file asks for counts as unchanged, so a second run on the
# same (or the next) day is a no-op, while reseeding weeks later freshens the demo again.
FRESHNESS_TOLERANCE = timedelta(days=1)


@dataclass
class DemoAccount:
    """A demo account; `password` is set only in the run that created it (and never stored)."""

    email: str
    role: str
    created: bool
    password: str | None = None


@dataclass
class DemoResult:
    accounts: list[DemoAccount]
    listings: Tally
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.listings.changed or any(account.created for account in self.accounts)


def ensure_demo_allowed(app: Flask | None = None) -> None:
    app = app or current_app
    if app.config.get("PRODUCTION"):
        raise SeedError(
            "Refusing to load demo data: this site runs in production (PRODUCTION is set). "
            "Demo accounts and listings are for local and staging sites only."
        )


def seed_demo(folder: Path = SEEDS_FOLDER) -> DemoResult:
    """Create the demo accounts and upsert the demo listings; one transaction, none of it on an error.
    Needs the taxonomies loaded."""
    ensure_demo_allowed()
    items = load_demo_file(folder / "demo_listings.json")
    with one_transaction():
        topics = {topic.slug: topic for topic in db.session.scalars(select(Topic))}
        audiences = {audience.slug: audience for audience in db.session.scalars(select(Audience))}
        _check_taxonomies_present(items, topics, audiences)
        accounts, owner = _demo_accounts()
        tally, notes = _upsert_demo_listings(items, owner, topics, audiences)
        if tally.changed:
            data_version.bump()
    for account in accounts:
        if account.created:
            logger.info("seed: demo account %s created (role %s)", account.email, account.role)
    logger.debug("seed: %s", tally)
    return DemoResult(accounts=accounts, listings=tally, notes=notes)


def _demo_accounts() -> tuple[list[DemoAccount], User]:
    """Make the demo admin and owner if missing. Existing accounts are left exactly as they are."""
    wanted = [
        (DEMO_ADMIN_EMAIL, ROLE_ADMIN, "Demo Admin"),
        (DEMO_OWNER_EMAIL, ROLE_MEMBER, "Demo Organiser"),
    ]
    accounts = []
    users: dict[str, User] = {}
    for email, role, display_name in wanted:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            password = secrets.token_urlsafe(15)
            user = User(email=email, password_hash=hash_password(password), display_name=display_name,
                        role=role, confirmed_at=utcnow(), is_demo=True)
            db.session.add(user)
            accounts.append(DemoAccount(email=email, role=role, created=True, password=password))
        else:
            accounts.append(DemoAccount(email=email, role=user.role, created=False))
        users[email] = user
    db.session.flush()
    return accounts, users[DEMO_OWNER_EMAIL]


def _check_taxonomies_present(items: list[dict[str, Any]], topics: dict[str, Topic],
                              audiences: dict[str, Audience]) -> None:
    missing_topics = {slug for item in items for slug in item["topics"]} - topics.keys()
    missing_audiences = {slug for item in items for slug in item["audiences"]} - audiences.keys()
    if missing_topics or missing_audiences:
        names = ", ".join(sorted(missing_topics | missing_audiences))
        raise SeedError(f"Unknown topics or audiences in the demo file ({names}); load the taxonomies first.")


def _upsert_demo_listings(items: list[dict[str, Any]], owner: User, topics: dict[str, Topic],
                          audiences: dict[str, Audience]) -> tuple[Tally, list[str]]:
    tally = Tally("Demo listings")
    notes: list[str] = []
    slugs = [item["slug"] for item in items]
    existing = {listing.slug: listing for listing in db.session.scalars(
        select(Listing).where(Listing.slug.in_(slugs)))}
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    for item in items:
        listing = existing.get(item["slug"])
        if listing is not None and not listing.is_demo:
            # Never overwrite somebody's real listing that happens to share a demo slug.
            tally.skipped += 1
            notes.append(f"Skipped {item['slug']}: that slug belongs to a listing that is not demo data.")
            continue
        if listing is None:
            listing = Listing(slug=item["slug"])
            db.session.add(listing)
            _apply_demo(listing, item, owner, topics, audiences, today)
            tally.created += 1
        elif _apply_demo(listing, item, owner, topics, audiences, today):
            tally.updated += 1
        else:
            tally.unchanged += 1

    others = db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.is_demo.is_(True), Listing.slug.not_in(slugs))
    )
    if others:
        notes.append(f"{others} demo listing(s) in the database are no longer in the file; left alone.")
    return tally, notes


def _apply_demo(listing: Listing, item: dict[str, Any], owner: User, topics: dict[str, Topic],
                audiences: dict[str, Audience], today: datetime) -> bool:
    """Make the listing match its file entry; True when anything changed."""
    values = {name: item[name] for name in EDITABLE_FIELDS}
    values.update(kind=item["kind"], status=STATUS_PUBLISHED, is_demo=True, owner_id=owner.id)
    changed = assign(listing, values)

    for name, days_key in (("last_confirmed_at", "last_confirmed_days_ago"),
                           ("published_at", "published_days_ago")):
        wanted = today - timedelta(days=item[days_key])
        current = getattr(listing, name)
        if current is None or abs(current - wanted) > FRESHNESS_TOLERANCE:
            setattr(listing, name, wanted)
            changed = True

    if sorted(topic.slug for topic in listing.topics) != sorted(item["topics"]):
        listing.topics = [topics[slug] for slug in item["topics"]]
        changed = True
    if sorted(audience.slug for audience in listing.audiences) != sorted(item["audiences"]):
        listing.audiences = [audiences[slug] for slug in item["audiences"]]
        changed = True
    if sorted(listing.languages) != sorted(item["languages"]):
        listing.languages = item["languages"]
        changed = True

    # Compared as multisets; repr as the sort key because a row may mix None and values.
    current_meetings = sorted((_meeting_key(meeting) for meeting in listing.meetings), key=repr)
    wanted_meetings = sorted(
        (tuple(meeting[name] for name in MEETING_FIELDS) for meeting in item["meetings"]), key=repr
    )
    if current_meetings != wanted_meetings:
        listing.meetings = [Meeting(**meeting) for meeting in item["meetings"]]
        changed = True
    return changed


def _meeting_key(meeting: Meeting) -> tuple[Any, ...]:
    return tuple(getattr(meeting, name) for name in MEETING_FIELDS)
