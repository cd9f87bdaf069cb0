"""Seed data: the topic and audience taxonomies every site needs, and a fictional demo directory.

The data lives in `seeds/` beside the package; this module only loads it. Every load is an upsert by
slug, so running it again changes nothing and says so. Demo accounts and listings are refused on a
production site.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .accounts.models import ROLE_ADMIN, ROLE_MEMBER, User
from .accounts.services import hash_password
from .database import commit
from .extensions import db
from .listings.models import (
    COSTS,
    FORMAT_ONLINE,
    FORMATS,
    KINDS,
    PRECISIONS,
    RECURRENCE_BIWEEKLY,
    RECURRENCE_MONTHLY,
    RECURRENCES,
    STATUS_PUBLISHED,
    Audience,
    Listing,
    Meeting,
    Topic,
)
from .listings.services import EDITABLE_FIELDS, MEETING_FIELDS
from .timeutil import utcnow

logger = logging.getLogger(__name__)

SEEDS_FOLDER = Path(__file__).resolve().parent.parent / "seeds"
DEMO_ADMIN_EMAIL = "admin@demo.example.org"
DEMO_OWNER_EMAIL = "owner@demo.example.org"
DEMO_PREFIX = "Demo: "
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A timestamp this close to the one the file asks for counts as unchanged, so a second run on the
# same (or the next) day is a no-op, while reseeding weeks later freshens the demo again.
FRESHNESS_TOLERANCE = timedelta(days=1)
MAX_DAYS_AGO = 180
# Listing fields the demo file may set besides EDITABLE_FIELDS.
DEMO_EXTRA_KEYS = {
    "kind",
    "topics",
    "audiences",
    "languages",
    "meetings",
    "last_confirmed_days_ago",
    "published_days_ago",
}


class SeedError(Exception):
    """The seed files or the site are not fit for this load; the message says why."""


@dataclass
class Tally:
    """What one load did, per kind of row."""

    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        text = f"{self.label}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.skipped:
            text += f", {self.skipped} skipped"
        return text + "."


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


def slugify(text: str, max_length: int = 120) -> str:
    """Lower-case ASCII words joined by hyphens ('Men's Circle (中文)' -> 'mens-circle')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].rstrip("-")


def demo_slug(name: str) -> str:
    return slugify(name.removeprefix(DEMO_PREFIX.strip()).strip())


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SeedError(f"Seed file not found: {path.name}") from error
    except json.JSONDecodeError as error:
        raise SeedError(f"{path.name} is not valid JSON: {error}") from error


# ---------------------------------------------------------------------------------------- taxonomies


def seed_taxonomies(folder: Path = SEEDS_FOLDER) -> list[Tally]:
    """Upsert topics and audiences by slug from the seed files; one commit."""
    tallies = [
        _upsert_taxonomy(Topic, _taxonomy_rows(folder / "topics.json"), "Topics"),
        _upsert_taxonomy(Audience, _taxonomy_rows(folder / "audiences.json"), "Audiences"),
    ]
    commit()
    for tally in tallies:
        logger.debug("seed: %s", tally)
    return tallies


def _taxonomy_rows(path: Path) -> list[dict[str, Any]]:
    rows = read_json(path)
    if not isinstance(rows, list):
        raise SeedError(f"{path.name} must hold a list of entries.")
    seen: set[str] = set()
    clean = []
    for number, row in enumerate(rows, start=1):
        slug = row.get("slug", "") if isinstance(row, dict) else ""
        if not SLUG_PATTERN.match(slug) or len(slug) > 60:
            raise SeedError(f"{path.name}, entry {number}: bad or missing slug {slug!r}.")
        if slug in seen:
            raise SeedError(f"{path.name}: slug {slug!r} appears twice.")
        seen.add(slug)
        name = str(row.get("name", "")).strip()
        if not name or len(name) > 100:
            raise SeedError(f"{path.name}, {slug}: a name of 1 to 100 characters is needed.")
        description = str(row.get("description", "")).strip()
        if len(description) > 300:
            raise SeedError(f"{path.name}, {slug}: description longer than 300 characters.")
        clean.append(dict(slug=slug, name=name, description=description,
                          position=int(row.get("position", number))))
    return clean


Term = TypeVar("Term", Topic, Audience)


def _upsert_taxonomy(model: type[Term], rows: list[dict[str, Any]], label: str) -> Tally:
    tally = Tally(label)
    existing = {item.slug: item for item in db.session.scalars(select(model))}
    for row in rows:
        item = existing.get(row["slug"])
        if item is None:
            db.session.add(model(**row))
            tally.created += 1
        elif _assign(item, row):
            tally.updated += 1
        else:
            tally.unchanged += 1
    return tally


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set only the attributes that differ; True when anything did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


# ---------------------------------------------------------------------------------------- demo


def ensure_demo_allowed(app: Flask | None = None) -> None:
    app = app or current_app
    if app.config.get("PRODUCTION"):
        raise SeedError(
            "Refusing to load demo data: this site runs in production (PRODUCTION is set). "
            "Demo accounts and listings are for local and staging sites only."
        )


def seed_demo(folder: Path = SEEDS_FOLDER) -> DemoResult:
    """Create the demo accounts and upsert the demo listings; one commit. Needs the taxonomies loaded."""
    ensure_demo_allowed()
    items = load_demo_file(folder / "demo_listings.json")
    topics = {topic.slug: topic for topic in db.session.scalars(select(Topic))}
    audiences = {audience.slug: audience for audience in db.session.scalars(select(Audience))}
    _check_taxonomies_present(items, topics, audiences)

    accounts, owner = _demo_accounts()
    tally, notes = _upsert_demo_listings(items, owner, topics, audiences)
    commit()
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
    changed = _assign(listing, values)

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


# ---------------------------------------------------------------------------------------- the demo file


def _column_defaults() -> dict[str, Any]:
    """What an editable field holds when the file leaves it out: the column's own default."""
    defaults = {}
    for name in EDITABLE_FIELDS:
        column = Listing.__table__.columns[name]
        default = column.default.arg if column.default is not None else None
        defaults[name] = None if callable(default) else default
    return defaults


def load_demo_file(path: Path) -> list[dict[str, Any]]:
    """Read and check the demo listings; every entry comes back complete and typed, with its slug."""
    document = read_json(path)
    entries = document.get("listings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SeedError(f"{path.name} must hold an object with a non-empty 'listings' list.")
    defaults = _column_defaults()
    allowed = set(EDITABLE_FIELDS) | DEMO_EXTRA_KEYS
    items = []
    seen: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SeedError(f"{path.name}, entry {number}: not an object.")
        label = f"{path.name}, {entry.get('name') or f'entry {number}'}"
        unknown = set(entry) - allowed
        if unknown:
            raise SeedError(f"{label}: unknown keys {', '.join(sorted(unknown))}.")
        item = {**defaults, **entry}
        _check_listing(item, label)
        slug = demo_slug(item["name"])
        if slug in seen:
            raise SeedError(f"{label}: its slug {slug!r} is already used by {seen[slug]!r}.")
        seen[slug] = item["name"]
        item["slug"] = slug
        item["meetings"] = [_meeting(meeting, f"{label}, meeting {index}")
                            for index, meeting in enumerate(item.get("meetings") or [], start=1)]
        items.append(item)
    return items


def _check_listing(item: dict[str, Any], label: str) -> None:
    def need(condition: bool, message: str) -> None:
        if not condition:
            raise SeedError(f"{label}: {message}")

    name = item.get("name") or ""
    need(name.startswith(DEMO_PREFIX) and len(name) <= 120 and demo_slug(name) != "",
         f"the name must start with {DEMO_PREFIX!r} and fit in 120 characters.")
    need(item.get("kind") in KINDS, f"kind must be one of {', '.join(KINDS)}.")
    need(item["format"] in FORMATS, f"format must be one of {', '.join(FORMATS)}.")
    need(item["cost"] in COSTS, f"cost must be one of {', '.join(COSTS)}.")
    need(item["location_precision"] in PRECISIONS, "location_precision must be 'exact' or 'approximate'.")
    need(len(item["summary"] or "") <= 300, "the summary is longer than 300 characters.")
    need(len(item["availability"] or "") <= 200, "availability is longer than 200 characters.")
    need(len(item["cost_details"] or "") <= 200, "cost_details is longer than 200 characters.")
    try:
        ZoneInfo(item["time_zone"] or "")
    except (ZoneInfoNotFoundError, ValueError):
        need(False, f"unknown time zone {item['time_zone']!r}.")
    for url_field in ("website", "online_url"):
        url = item[url_field] or ""
        need(url == "" or url.startswith(("https://", "http://")), f"{url_field} must be an http(s) URL.")
    if item["format"] == FORMAT_ONLINE:
        need(item["latitude"] is None and item["longitude"] is None, "an online listing has no coordinates.")
        need(bool(item["online_url"]) or item["kind"] != "group", "an online group needs an online_url.")
    else:
        need(isinstance(item["latitude"], int | float) and isinstance(item["longitude"], int | float),
             "an in-person or hybrid listing needs latitude and longitude.")
        need(-90 <= item["latitude"] <= 90 and -180 <= item["longitude"] <= 180, "coordinates out of range.")
    need(bool(item.get("topics")), "at least one topic is needed.")
    for key in ("topics", "audiences", "languages"):
        values = item.get(key) or []
        need(isinstance(values, list) and all(isinstance(value, str) for value in values),
             f"{key} must be a list of strings.")
        item[key] = list(dict.fromkeys(values))
    need(all(re.fullmatch(r"[a-z]{2}", code) for code in item["languages"]),
         "languages must be two-letter ISO 639-1 codes.")
    for key in ("last_confirmed_days_ago", "published_days_ago"):
        need(isinstance(item.get(key), int) and 0 <= item[key], f"{key} must be a whole number of days.")
    need(item["last_confirmed_days_ago"] <= MAX_DAYS_AGO,
         f"last_confirmed_days_ago over {MAX_DAYS_AGO} would expire the listing.")
    need(item["published_days_ago"] >= item["last_confirmed_days_ago"],
         "published_days_ago must not be more recent than last_confirmed_days_ago.")
    need(item["kind"] == "group" or not item.get("meetings"), "only groups have meetings.")


def _meeting(data: dict[str, Any], label: str) -> dict[str, Any]:
    """A meeting entry as Meeting keyword arguments, checked."""
    if not isinstance(data, dict) or set(data) - set(MEETING_FIELDS):
        raise SeedError(f"{label}: a meeting may only have {', '.join(MEETING_FIELDS)}.")
    try:
        meeting: dict[str, Any] = dict(
            weekday=int(data["weekday"]),
            start_time=time.fromisoformat(data["start_time"]),
            duration_minutes=int(data.get("duration_minutes") or 90),
            recurrence=data.get("recurrence") or "weekly",
            week_of_month=data.get("week_of_month"),
            anchor_date=date.fromisoformat(data["anchor_date"]) if data.get("anchor_date") else None,
            notes=data.get("notes") or "",
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SeedError(f"{label}: {error.__class__.__name__}: {error}") from error
    problems = []
    if not 0 <= meeting["weekday"] <= 6:
        problems.append("weekday must be 0 (Monday) to 6 (Sunday)")
    if meeting["recurrence"] not in RECURRENCES:
        problems.append(f"recurrence must be one of {', '.join(RECURRENCES)}")
    if meeting["recurrence"] == RECURRENCE_MONTHLY and meeting["week_of_month"] not in (1, 2, 3, 4, -1):
        problems.append("a monthly meeting needs week_of_month 1 to 4, or -1 for the last")
    if meeting["recurrence"] != RECURRENCE_MONTHLY and meeting["week_of_month"] is not None:
        problems.append("only a monthly meeting has a week_of_month")
    if meeting["recurrence"] == RECURRENCE_BIWEEKLY:
        if meeting["anchor_date"] is None or meeting["anchor_date"].weekday() != meeting["weekday"]:
            problems.append("an every-other-week meeting needs an anchor_date on its weekday")
    elif meeting["anchor_date"] is not None:
        problems.append("only an every-other-week meeting has an anchor_date")
    if not 0 < meeting["duration_minutes"] <= 24 * 60 or len(meeting["notes"]) > 200:
        problems.append("duration or notes out of range")
    if problems:
        raise SeedError(f"{label}: {'; '.join(problems)}.")
    return meeting


# ---------------------------------------------------------------------------------------- command


@click.command("seed")
@click.option("--demo", is_flag=True,
              help="Also create demo accounts and fictional demo listings (refused in production).")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Load topics and audiences; with --demo, also the demo accounts and listings."""
    try:
        if demo:
            ensure_demo_allowed()
        tallies = seed_taxonomies()
        for tally in tallies:
            click.echo(str(tally))
        changed = any(tally.changed for tally in tallies)
        if demo:
            result = seed_demo()
            _echo_demo(result)
            changed = changed or result.changed
    except SeedError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    if not changed:
        click.echo("Nothing to do: the database already matches the seed files.")


def _echo_demo(result: DemoResult) -> None:
    for account in result.accounts:
        who = f"Demo {'admin' if account.role == ROLE_ADMIN else 'owner'} {account.email}"
        if account.created:
            click.echo(f"{who}: created, password: {account.password}")
        else:
            click.echo(f"{who}: already exists (password unchanged)")
    if any(account.created for account in result.accounts):
        click.echo("Write the new passwords down: they are shown only this once and stored only as hashes.")
    click.echo(str(result.listings))
    for note in result.notes:
        click.echo(note)
