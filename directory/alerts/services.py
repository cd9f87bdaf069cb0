"""Alerts' rules: subscribing (double opt-in), confirming, renewing, stopping, matching listings that go
public, and the weekly mail. Raise AlertError with a message fit to show; never commit (the view or the
command does), so an alert, its mail and its matches are written in one transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from ..extensions import db
from ..geo.distance import bounding_box, distance_miles
from ..geo.services import Location, locate, nearest_place, to_location
from ..i18n import current_locale, gettext, lazy_gettext
from ..listings.models import FORMAT_ONLINE, Listing, Topic
from ..listings.search import RADII
from ..listings.visibility import public_clause
from ..outbox import OutboxMessage, one_click_unsubscribe, queue_mail
from ..timeutil import utcnow
from ..urls import external_url
from .models import Alert, AlertMatch

logger = logging.getLogger(__name__)

LIFETIME = timedelta(days=365)  # an alert ends a year after it was confirmed or last renewed
MAIL_INTERVAL = timedelta(days=7)  # at most one alert mail a week per address
RENEWAL_NOTICE = timedelta(days=14)  # "your alert ends soon" this long before it does
UNCONFIRMED_PER_ADDRESS = 3  # unconfirmed alerts an address may have: nobody can bury a stranger in mail
MAX_LISTINGS_PER_MAIL = 10

PURPOSE_CONFIRM = "confirm"
PURPOSE_STOP = "stop"
PURPOSE_RENEW = "renew"


class AlertError(Exception):
    """An alert rule was broken; the message is fit to show the visitor."""


class LinkError(AlertError):
    """A link that is broken or expired."""


class AlertGone(LinkError):
    """A good link to an alert that was stopped or ended (and so deleted)."""


@dataclass
class AlertRun:
    """What one `send-alerts` run did."""

    mails: int = 0
    listings: int = 0
    waiting: int = 0  # addresses with news that had a mail less than a week ago
    renewal_notices: int = 0
    expired: int = 0
    unconfirmed: int = 0
    messages: list[OutboxMessage] = field(default_factory=list)


# Links ---------------------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"directory.alerts.{purpose}")


def make_token(purpose: str, alerts: Sequence[Alert]) -> str:
    """A signed link naming alerts by id and random key: it never carries the address."""
    return _serializer(purpose).dumps([[alert.id, alert.key] for alert in alerts])


def read_token(purpose: str, token: str, now: datetime | None = None) -> list[Alert]:
    """The alerts a link names that still exist; LinkError if it is not ours, expired, or they are gone."""
    max_age = int(current_app.config["ALERT_CONFIRM_MAX_AGE"]) if purpose == PURPOSE_CONFIRM else None
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise LinkError(gettext(
            "This link has expired. You can ask for the alert again; it only takes a moment.")) \
            from error
    except BadSignature as error:
        raise LinkError(gettext("This link is not valid. It may have been copied incompletely.")) from error
    pairs = {(item[0], item[1]) for item in payload if isinstance(item, list) and len(item) == 2} \
        if isinstance(payload, list) else set()
    ids = [alert_id for alert_id, _ in pairs if isinstance(alert_id, int)]
    found = list(db.session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id))) if ids else []
    alerts = [alert for alert in found if (alert.id, alert.key) in pairs]
    if not alerts:
        raise AlertGone(gettext(
            "This alert no longer exists: it was stopped or it ended. Nothing more will be sent."))
    return alerts


def _link(endpoint: str, purpose: str, alerts: Sequence[Alert]) -> str:
    return external_url(endpoint, token=make_token(purpose, alerts))


# Subscribing -----------------------------------------------------------------------------------------


def alert_place(text: str) -> Location:
    """The gazetteer's place for what was typed: a position ("My location", coordinates) becomes its
    nearest town, so an alert never holds where somebody stood."""
    found = locate(text).location
    if found is not None and found.kind == "point":
        near = nearest_place(found.latitude, found.longitude)
        found = to_location(near) if near is not None else None
    if found is None:
        raise AlertError(gettext("We couldn't find that place. Please enter a ZIP code, postcode or town."))
    return found


def topic_choices() -> list[tuple[str, str]]:
    return [(slug, name) for slug, name in db.session.execute(
        select(Topic.slug, Topic.name).order_by(Topic.position, Topic.name))]


def subscribe(email: str, place: Location, radius: int, topics: Sequence[str],
              now: datetime | None = None) -> OutboxMessage | None:
    """Store an unconfirmed alert and queue the mail that confirms it. None when nothing is sent: the same
    alert is already on, or the address has too many waiting for confirmation. The visitor is told the
    same in every case, so the form never says whether an address is known."""
    now = now or utcnow()
    if radius not in RADII:
        raise AlertError(gettext("Please choose one of the distances offered."))
    email = email.strip()
    wanted = " ".join(sorted(set(topics)))
    same = db.session.scalar(select(Alert).where(
        func.lower(Alert.email) == email.lower(), Alert.latitude == place.latitude,
        Alert.longitude == place.longitude, Alert.radius == radius, Alert.topics == wanted))
    if same is not None and same.confirmed_at is not None:
        logger.info("alert %s asked for again; already confirmed", same.id)
        return None
    waiting = db.session.scalar(select(func.count(Alert.id)).where(
        func.lower(Alert.email) == email.lower(), Alert.confirmed_at.is_(None)))
    if same is None and (waiting or 0) >= UNCONFIRMED_PER_ADDRESS:
        logger.info("alert not stored: %s unconfirmed alerts wait for one address", waiting)
        return None
    alert = same or Alert(key=secrets.token_urlsafe(16), email=email, place=place.label,
                          place_query=place.query, latitude=place.latitude, longitude=place.longitude,
                          radius=radius, topics=wanted, created_at=now, language=current_locale(),
                          expires_at=now + _confirm_window())
    db.session.add(alert)
    db.session.flush()
    return queue_mail(email, lazy_gettext("Please confirm your alert"), "alert_confirm",
                      language=alert.language,
                      alert=alert, topic_names=_topic_names(alert),
                      confirm_url=_link("alerts.confirm", PURPOSE_CONFIRM, [alert]),
                      lifetime_days=LIFETIME.days)


def _confirm_window() -> timedelta:
    """How long a confirmation link works; an alert not confirmed by then is deleted."""
    return timedelta(seconds=int(current_app.config["ALERT_CONFIRM_MAX_AGE"]))


def confirm(alerts: Sequence[Alert], now: datetime | None = None) -> Alert:
    """Switch the alert on for a year; confirming twice changes nothing."""
    now = now or utcnow()
    alert = alerts[0]
    if alert.confirmed_at is None:
        alert.confirmed_at = now
        alert.expires_at = now + LIFETIME
        logger.info("alert %s confirmed", alert.id)
    return alert


def renew(alerts: Sequence[Alert], now: datetime | None = None) -> list[Alert]:
    now = now or utcnow()
    for alert in alerts:
        if alert.confirmed_at is not None:
            alert.expires_at = now + LIFETIME
            alert.renewal_noticed_at = None
    return list(alerts)


def stop(alerts: Sequence[Alert]) -> int:
    """Delete the alerts and what was found for them: an unsubscribed alert is not kept."""
    ids = [alert.id for alert in alerts]
    db.session.execute(delete(AlertMatch).where(AlertMatch.alert_id.in_(ids)))
    db.session.execute(delete(Alert).where(Alert.id.in_(ids)))
    logger.info("%s alerts stopped", len(ids))
    return len(ids)


# Matching --------------------------------------------------------------------------------------------


def queue_matches(session: Session, listing: Listing, now: datetime | None = None) -> int:
    """In the transaction that makes a listing public (approval, resume, reconfirmation): note it for every
    confirmed, current alert whose circle it stands in and whose topics it has. Returns how many."""
    if listing.format == FORMAT_ONLINE or listing.latitude is None or listing.longitude is None:
        return 0
    now = now or utcnow()
    min_lat, max_lat, _, _ = bounding_box(listing.latitude, listing.longitude, float(max(RADII)))
    candidates = session.scalars(select(Alert).where(
        Alert.confirmed_at.is_not(None), Alert.expires_at > now,
        Alert.latitude.between(min_lat, max_lat)))
    known = set(session.scalars(select(AlertMatch.alert_id).where(AlertMatch.listing_id == listing.id)))
    slugs = {topic.slug for topic in listing.topics}
    added = 0
    for alert in candidates:
        if alert.id in known or (alert.topics and not slugs & set(alert.topic_slugs)):
            continue
        miles = distance_miles(alert.latitude, alert.longitude, listing.latitude, listing.longitude)
        if miles > alert.radius:
            continue
        session.add(AlertMatch(alert_id=alert.id, listing_id=listing.id, found_at=now))
        added += 1
    if added:
        logger.info("listing %s matches %s alerts", listing.id, added)
    return added


# The weekly run ------------------------------------------------------------------------------------------


def send_alerts(now: datetime | None = None) -> AlertRun:
    """Delete ended and never-confirmed alerts, mail each address its news (once a week at most) and the
    notice that an alert ends soon. The caller commits, then delivers run.messages."""
    now = now or utcnow()
    run = AlertRun()
    run.unconfirmed = _delete_alerts(Alert.confirmed_at.is_(None), Alert.expires_at <= now)
    run.expired = _delete_alerts(Alert.confirmed_at.is_not(None), Alert.expires_at <= now)
    _forget_hidden_matches()
    pending = db.session.execute(
        select(Alert, Listing).join(AlertMatch, AlertMatch.alert_id == Alert.id)
        .join(Listing, Listing.id == AlertMatch.listing_id)
        .where(AlertMatch.mailed_at.is_(None), public_clause())
        .options(selectinload(Listing.topics))
        .order_by(Alert.email, Alert.id, Listing.name)).all()
    news: dict[str, list[tuple[Alert, Listing]]] = {}
    for alert, listing in pending:
        news.setdefault(alert.email.lower(), []).append((alert, listing))
    for found in news.values():
        alerts = list(dict.fromkeys(alert for alert, _ in found))
        if not _may_mail(alerts, now):
            run.waiting += 1
            continue
        run.messages.append(_mail_news(alerts, found[:MAX_LISTINGS_PER_MAIL], now))
        run.mails += 1
        run.listings += len({listing.id for _, listing in found[:MAX_LISTINGS_PER_MAIL]})
    for alert in db.session.scalars(select(Alert).where(
            Alert.confirmed_at.is_not(None), Alert.renewal_noticed_at.is_(None),
            Alert.expires_at <= now + RENEWAL_NOTICE)):
        run.messages.append(_mail_renewal(alert, now))
        run.renewal_notices += 1
    return run


def _delete_alerts(*conditions: Any) -> int:
    ids = list(db.session.scalars(select(Alert.id).where(*conditions)))
    if ids:
        db.session.execute(delete(AlertMatch).where(AlertMatch.alert_id.in_(ids)))
        db.session.execute(delete(Alert).where(Alert.id.in_(ids)))
    return len(ids)


def _forget_hidden_matches() -> None:
    """A listing that left public view before its mail went is not announced (and may be, once back)."""
    public = select(Listing.id).where(public_clause())
    db.session.execute(delete(AlertMatch).where(AlertMatch.mailed_at.is_(None),
                                                AlertMatch.listing_id.not_in(public)))


def _may_mail(alerts: Sequence[Alert], now: datetime) -> bool:
    """Once a week per person: every alert of the address counts, not only these."""
    last = db.session.scalar(select(func.max(Alert.last_mailed_at)).where(
        func.lower(Alert.email) == alerts[0].email.lower()))
    return last is None or last <= now - MAIL_INTERVAL


def _mail_news(alerts: list[Alert], found: list[tuple[Alert, Listing]], now: datetime) -> OutboxMessage:
    stop_all = _link("alerts.stop", PURPOSE_STOP, alerts)
    sections = []
    for alert in alerts:
        listings = [listing for owner, listing in found if owner is alert]
        if listings:
            sections.append({
                "alert": alert, "topic_names": _topic_names(alert),
                "listings": [{"name": listing.name, "city": listing.city, "kind": listing.kind,
                              "url": external_url("listings.detail", slug=listing.slug)}
                             for listing in listings],
                "search_url": external_url("listings.search", near=alert.place_query, radius=alert.radius,
                                           topic=alert.topic_slugs),
                "stop_url": _link("alerts.stop", PURPOSE_STOP, [alert]),
                "renew_url": _link("alerts.renew", PURPOSE_RENEW, [alert]),
            })
    ids = [alert.id for alert in alerts]
    listing_ids = [listing.id for _, listing in found]
    db.session.execute(update(AlertMatch).where(
        AlertMatch.alert_id.in_(ids), AlertMatch.listing_id.in_(listing_ids), AlertMatch.mailed_at.is_(None))
        .values(mailed_at=now).execution_options(synchronize_session=False))
    for alert in alerts:
        alert.last_mailed_at = now
    first = found[0][1]
    subject = (lazy_gettext("New near %(place)s: %(name)s", place=alerts[0].place, name=first.name)
               if len(found) == 1 else
               lazy_gettext("%(num)s new listings near you, starting with %(name)s", num=len(found),
                            name=first.name))
    return queue_mail(alerts[0].email, subject, "alert_news", headers=one_click_unsubscribe(stop_all),
                      language=alerts[0].language,
                      sections=sections, stop_all_url=stop_all, lifetime_days=LIFETIME.days)


def _mail_renewal(alert: Alert, now: datetime) -> OutboxMessage:
    alert.renewal_noticed_at = now
    stop_url = _link("alerts.stop", PURPOSE_STOP, [alert])
    return queue_mail(alert.email, lazy_gettext("Your alert for %(place)s ends soon", place=alert.place),
                      "alert_renew", language=alert.language,
                      headers=one_click_unsubscribe(stop_url), alert=alert, topic_names=_topic_names(alert),
                      renew_url=_link("alerts.renew", PURPOSE_RENEW, [alert]), stop_url=stop_url)


def _topic_names(alert: Alert) -> list[str]:
    if not alert.topics:
        return []
    names = dict(topic_choices())
    return [names.get(slug, slug.replace("-", " ")) for slug in alert.topic_slugs]

