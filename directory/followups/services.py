"""Check-ins' rules: scheduling one with a contact message, the mail four days later, recording an answer
against the listing (never the person), and what answers add up to: an owner's answer rate, a kind reminder
after three "No" in 60 days, the admins' list of listings that may not be answering, and "Usually answers"
after five "Yes" in 90 days. Nothing here unpublishes anything. Never commits: the view or command does.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, bindparam, delete, func, select

from .. import data_version
from ..accounts.models import User
from ..extensions import db
from ..i18n import current_locale, gettext, lazy_gettext
from ..listings.models import Listing
from ..listings.presentation import nearby_query
from ..listings.search import Hit, SearchParams, resolve_vocabulary, search
from ..listings.visibility import is_public
from ..listings.vocabularies import read_once_per_version
from ..outbox import OutboxMessage, one_click_unsubscribe, queue_mail
from ..timeutil import utcnow
from ..urls import external_url
from .models import ANSWERS, NO, NOT_YET, YES, Answer, CheckIn, OwnerNudge

logger = logging.getLogger(__name__)

DELAY = timedelta(days=4)  # the check-in mail goes this long after the message
NO_THRESHOLD, NO_WINDOW = 3, timedelta(days=60)  # this many "No" in this long: remind the owner, tell admins
YES_THRESHOLD, YES_WINDOW = 5, timedelta(days=90)  # this many "Yes" in this long: "Usually answers"
ALTERNATIVES_RADIUS = 50  # miles around the listing's town where other listings are offered
SALT = "directory.followups.checkin"


class LinkError(Exception):
    """A check-in link that is broken; fit to show."""


class CheckInGone(LinkError):
    """A good link whose check-in went with its message, or was stopped."""


@dataclass
class FollowupRun:
    """What one `send-followups` run did."""

    mails: int = 0
    skipped: int = 0  # due, but the listing is no longer public: nobody is asked about it
    reminders: int = 0
    messages: list[OutboxMessage] = field(default_factory=list)


@dataclass
class AnswerSummary:
    """A listing's answers in the last YES_WINDOW days."""

    yes: int = 0
    not_yet: int = 0
    no: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.not_yet + self.no

    @property
    def rate(self) -> int | None:
        """Percent of the visitors who answered who heard back; None without answers."""
        return round(100 * self.yes / self.total) if self.total else None


# Links ---------------------------------------------------------------------------------------------------


def make_token(checkin: CheckIn) -> str:
    """Names the check-in by id and random key: never the address."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT).dumps([checkin.id, checkin.key])


def read_token(token: str) -> CheckIn:
    try:
        payload = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT).loads(token)
    except BadSignature as error:
        raise LinkError(gettext("This link is not valid. It may have been copied incompletely.")) from error
    checkin = None
    if isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int):
        checkin = db.session.get(CheckIn, payload[0])
    if checkin is None or checkin.key != payload[1]:
        raise CheckInGone(gettext(
            "This check-in has ended: we delete it, with your message, after a few weeks."))
    return checkin


# Scheduling and sending ------------------------------------------------------------------------------------


def schedule(message_id: int, listing_id: int, email: str, now: datetime | None = None) -> CheckIn:
    """In the transaction that stores the message: one check-in, due after DELAY."""
    now = now or utcnow()
    checkin = CheckIn(key=secrets.token_urlsafe(16), message_id=message_id, listing_id=listing_id,
                      email=email, created_at=now, due_at=now + DELAY, language=current_locale())
    db.session.add(checkin)
    return checkin


def send_followups(now: datetime | None = None) -> FollowupRun:
    """Queue every due check-in's mail (its address is forgotten as it is written) and the owners' reminders.
    The caller commits, then delivers run.messages."""
    now = now or utcnow()
    run = FollowupRun()
    due = list(db.session.scalars(select(CheckIn).where(CheckIn.sent_at.is_(None), CheckIn.due_at <= now)
                                  .order_by(CheckIn.due_at, CheckIn.id)))
    for checkin in due:
        listing = db.session.get(Listing, checkin.listing_id)
        if listing is None or not is_public(listing):
            db.session.delete(checkin)
            run.skipped += 1
            continue
        run.messages.append(_mail_checkin(checkin, listing))
        checkin.sent_at, checkin.email = now, ""
        run.mails += 1
    for listing, no_count in _needing_reminder(now):
        run.messages.extend(_remind_owner(listing, no_count, now))
        run.reminders += 1
    return run


def _mail_checkin(checkin: CheckIn, listing: Listing) -> OutboxMessage:
    token = make_token(checkin)
    links = {answer: external_url("followups.answer", token=token, answer=answer) for answer in ANSWERS}
    forget = external_url("followups.forget", token=token)
    return queue_mail(checkin.email, lazy_gettext("Did %(name)s answer you?", name=listing.name),
                      "followup_checkin", language=checkin.language,
                      headers=one_click_unsubscribe(forget), listing=listing, links=links, forget_url=forget,
                      days=DELAY.days)


def _needing_reminder(now: datetime) -> list[tuple[Listing, int]]:
    """Listings with NO_THRESHOLD "No" in NO_WINDOW, counting only those since the owner was last reminded."""
    since = func.coalesce(OwnerNudge.sent_at, now - NO_WINDOW)
    rows = db.session.execute(
        select(Listing, func.count(Answer.id))
        .join(Answer, Answer.listing_id == Listing.id)
        .outerjoin(OwnerNudge, OwnerNudge.listing_id == Listing.id)
        .where(Answer.answer == NO, Answer.answered_at > now - NO_WINDOW, Answer.answered_at > since)
        .group_by(Listing.id).having(func.count(Answer.id) >= NO_THRESHOLD)).all()
    return [(listing, count) for listing, count in rows]


def _remind_owner(listing: Listing, no_count: int, now: datetime) -> list[OutboxMessage]:
    nudge = db.session.get(OwnerNudge, listing.id) or OwnerNudge(listing_id=listing.id)
    nudge.sent_at, nudge.no_count = now, no_count
    db.session.add(nudge)
    owner = db.session.get(User, listing.owner_id) if listing.owner_id else None
    to = owner.email if owner is not None else listing.contact_email
    if not to:
        return []
    logger.info("listing %s: owner reminded after %s visitors heard nothing", listing.id, no_count)
    return [queue_mail(to, lazy_gettext("People who wrote to %(name)s may be waiting", name=listing.name),
                       "followup_owner_reminder", language=owner.language if owner is not None else None,
                       listing=listing, no_count=no_count, days=NO_WINDOW.days,
                       name=owner.display_name if owner is not None else "",
                       dashboard_url=external_url("owner.dashboard"),
                       listing_url=external_url("listings.detail", slug=listing.slug))]


# Answers -------------------------------------------------------------------------------------------------


def record_answer(checkin: CheckIn, answer: str, now: datetime | None = None) -> bool:
    """Count one answer for the listing; False (nothing counted) if this check-in was answered already."""
    if answer not in ANSWERS:
        raise ValueError(answer)
    if checkin.answered_at is not None:
        return False
    now = now or utcnow()
    checkin.answered_at = now
    db.session.add(Answer(listing_id=checkin.listing_id, answer=answer, answered_at=now))
    data_version.bump()  # "Usually answers" may change on the listing's card and page
    logger.info("check-in answer %s for listing %s", answer, checkin.listing_id)
    return True


def forget(checkin: CheckIn) -> None:
    """"Don't ask me": the check-in and its address go at once (the message keeps its own retention)."""
    db.session.delete(checkin)


def listing_of(checkin: CheckIn) -> Listing | None:
    return db.session.get(Listing, checkin.listing_id)


def alternatives(listing: Listing, limit: int = 3) -> list[Hit]:
    """Other listings one can go to now near the same place, on its topics first, then any."""
    base = SearchParams(near=nearby_query(listing), radius=ALTERNATIVES_RADIUS)
    hits: list[Hit] = []
    topics = tuple(topic.slug for topic in listing.topics)
    for params in ((base.with_changes(topics=topics),) if topics else ()) + (base,):
        results = search(resolve_vocabulary(params))
        for hit in (*results.local, *results.online):
            if hit.listing.id != listing.id and hit.listing.open_to_new_people \
                    and all(hit.listing.id != seen.listing.id for seen in hits):
                hits.append(hit)
        if len(hits) >= limit:
            break
    return hits[:limit]


def summaries(listing_ids: list[int], now: datetime | None = None) -> dict[int, AnswerSummary]:
    """listing id -> its answers in the last YES_WINDOW days (listings with none are left out)."""
    if not listing_ids:
        return {}
    now = now or utcnow()
    found: dict[int, AnswerSummary] = {}
    for listing_id, answer, count in db.session.execute(
            select(Answer.listing_id, Answer.answer, func.count(Answer.id))
            .where(Answer.listing_id.in_(listing_ids), Answer.answered_at > now - YES_WINDOW)
            .group_by(Answer.listing_id, Answer.answer)):
        summary = found.setdefault(listing_id, AnswerSummary())
        setattr(summary, {YES: "yes", NOT_YET: "not_yet", NO: "no"}[answer], count)
    return found


def usually_answering(now: datetime | None = None) -> frozenset[int]:
    """The listings with YES_THRESHOLD "Yes" in the last YES_WINDOW: one small grouped query.

    Every search page asks, so without a given `now` the answer is kept with the search form's choices
    (vocabularies.read_once_per_version: per data version, which an answer that changes it moves) and per
    hour: answers that grow older than the window leave it with time alone, an hour late at most."""
    if now is not None:
        return _usually_answering_at(now)
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    return read_once_per_version(f"usually answering, {hour.isoformat()}",
                                 lambda: _usually_answering_at(hour))


def _usually_answering_at(now: datetime) -> frozenset[int]:
    rows = db.session.connection().execute(_usually_answering_statement(), {"since": now - YES_WINDOW})
    return frozenset(rows.scalars())


@lru_cache(maxsize=1)
def _usually_answering_statement() -> Select[int]:
    """Built once: every listing page asks, and building the statement cost more than running it."""
    since = bindparam("since", type_=Answer.answered_at.type)
    return (select(Answer.listing_id).where(Answer.answer == YES, Answer.answered_at > since)
            .group_by(Answer.listing_id).having(func.count(Answer.id) >= YES_THRESHOLD))


@dataclass
class NotAnswering:
    listing: Listing
    no: int
    yes: int
    reminded_at: datetime | None


def may_not_be_answering(now: datetime | None = None) -> list[NotAnswering]:
    """For admins: listings with NO_THRESHOLD "No" in NO_WINDOW, most first. Nothing is done to them."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Listing, func.count(Answer.id)).join(Answer, Answer.listing_id == Listing.id)
        .where(Answer.answer == NO, Answer.answered_at > now - NO_WINDOW)
        .group_by(Listing.id).having(func.count(Answer.id) >= NO_THRESHOLD)
        .order_by(func.count(Answer.id).desc(), Listing.name)).all()
    ids = [listing.id for listing, _ in rows]
    if not ids:
        return []
    yes: dict[int, int] = {listing_id: number for listing_id, number in db.session.execute(
        select(Answer.listing_id, func.count(Answer.id))
        .where(Answer.listing_id.in_(ids), Answer.answer == YES, Answer.answered_at > now - NO_WINDOW)
        .group_by(Answer.listing_id))}
    nudges: dict[int, datetime] = {listing_id: sent for listing_id, sent in db.session.execute(
        select(OwnerNudge.listing_id, OwnerNudge.sent_at).where(OwnerNudge.listing_id.in_(ids)))}
    return [NotAnswering(listing, count, yes.get(listing.id, 0), nudges.get(listing.id))
            for listing, count in rows]


def purge_before(cutoff: datetime) -> int:
    """Check-ins made before `cutoff`, with their addresses: called by `flask purge` with the messages' own
    cutoff (the foreign key would take them with the messages anyway)."""
    result = db.session.execute(delete(CheckIn).where(CheckIn.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
