"""Small factory functions: each makes one valid object and commits it."""

from __future__ import annotations

import itertools
from datetime import time

from directory.accounts.models import ROLE_ADMIN, ROLE_MEMBER, User
from directory.accounts.passwords import hash_password
from directory.extensions import db
from directory.listings.models import Audience, Listing, Meeting, Topic
from directory.timeutil import utcnow

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery staple"


def make_user(email: str | None = None, password: str = DEFAULT_PASSWORD, *, admin: bool = False,
              confirmed: bool = True, display_name: str = "Sam", **fields) -> User:
    user = User(
        email=(email or f"user{next(_counter)}@example.org").lower(),
        password_hash=hash_password(password),
        display_name=display_name,
        role=ROLE_ADMIN if admin else ROLE_MEMBER,
        confirmed_at=utcnow() if confirmed else None,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_topic(slug: str = "grief", name: str | None = None) -> Topic:
    topic = db.session.scalar(db.select(Topic).filter_by(slug=slug))
    if topic is None:
        topic = Topic(slug=slug, name=name or slug.replace("-", " ").capitalize(), description="")
        db.session.add(topic)
        db.session.commit()
    return topic


def make_audience(slug: str = "first-timers", name: str | None = None) -> Audience:
    audience = db.session.scalar(db.select(Audience).filter_by(slug=slug))
    if audience is None:
        audience = Audience(slug=slug, name=name or slug.replace("-", " ").capitalize(), description="")
        db.session.add(audience)
        db.session.commit()
    return audience


def make_listing(owner: User | None = None, *, status: str = "published", kind: str = "group",
                 topics: tuple[str, ...] = ("grief",), meetings: list[dict] | None = None,
                 languages: tuple[str, ...] = ("en",), **fields) -> Listing:
    """A listing in Manhattan (New York time) unless fields say otherwise."""
    number = next(_counter)
    now = utcnow()
    values = dict(
        kind=kind,
        slug=f"test-listing-{number}",
        name=f"Test listing {number}",
        summary="A small group for men going through a hard time.",
        description="We meet, we listen, nobody has to talk.",
        status=status,
        owner=owner,
        format="in_person",
        cost="free",
        contact_email=f"organiser{number}@example.org",
        city="New York",
        region="NY",
        postal_code="10001",
        country="US",
        latitude=40.7506,
        longitude=-73.9972,
        time_zone="America/New_York",
        last_confirmed_at=now if status == "published" else None,
        published_at=now if status == "published" else None,
    )
    values.update(fields)
    listing = Listing(**values)
    listing.topics = [make_topic(slug) for slug in topics]
    listing.languages = list(languages)
    if meetings is None and kind == "group":
        meetings = [dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly")]
    listing.meetings = [Meeting(**meeting) for meeting in meetings or []]
    db.session.add(listing)
    db.session.commit()
    return listing
