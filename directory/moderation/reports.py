"""Visitors' reports that a published listing is wrong, and an admin's answer to them.

A report is not a decision, so making one writes no audit row; answering one does.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..database import commit, rows_matched
from ..extensions import db
from ..i18n import gettext
from ..listings.models import STATUS_PUBLISHED, Listing
from ..timeutil import utcnow
from .audit import ACTION_DISMISS_REPORT, ACTION_REPORT_EDIT_REQUEST, record
from .cascade import resolve_open_reports
from .decision_mail import deliver_decision, queue_decision
from .models import REPORT_DISMISSED, REPORT_OPEN, REPORT_REASONS, REPORT_RESOLVED, ModerationEvent, Report
from .rules import (
    APPROVED_STATUSES,
    MAX_REASON_LENGTH,
    AlreadyDecided,
    ModerationError,
    require_admin,
    require_reason,
    session_of,
    who,
)
from .services import unpublish

logger = logging.getLogger(__name__)


def create_report(listing: Listing, reason: str, message: str = "", email: str = "") -> Report:
    """A visitor says a published listing is wrong. Not a decision, so no audit row."""
    if listing.status != STATUS_PUBLISHED:
        raise ModerationError(gettext("Only published listings can be reported."))
    if reason not in REPORT_REASONS:
        raise ModerationError(gettext("Please choose a reason."))
    report = Report(listing_id=listing.id, reason=reason, message=(message or "").strip()[:MAX_REASON_LENGTH],
                    email=(email or "").strip().lower(), status=REPORT_OPEN, created_at=utcnow())
    session = session_of(listing)
    session.add(report)
    commit(session)
    logger.info("report %s on listing %s (%s)", report.id, listing.id, reason)
    return report


def _claim_report(report: Report, admin: User, status: str) -> Session:
    require_admin(admin)
    session = session_of(report)
    if report.status != REPORT_OPEN:
        raise AlreadyDecided()
    result = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == REPORT_OPEN)
        .values(status=status, resolved_at=utcnow(), resolved_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.rollback()
        raise AlreadyDecided()
    return session


def dismiss_report(report: Report, admin: User, reason: str = "") -> ModerationEvent:
    """Nothing to do: only this report closes, the listing stays as it is."""
    session = _claim_report(report, admin, REPORT_DISMISSED)
    event = record(ACTION_DISMISS_REPORT, admin, session=session, listing_id=report.listing_id, report=report,
                   reason=(reason or "").strip())
    commit(session)
    session.refresh(report)
    logger.info("report %s dismissed by %s", report.id, who(admin))
    return event


def report_request_edit(report: Report, admin: User, note: str) -> ModerationEvent:
    """Ask the owner to fix their listing; it stays published. Closes every open report on it."""
    note = require_reason(note, note=True)
    listing = report.listing
    if listing.status not in APPROVED_STATUSES:
        raise ModerationError(gettext("This listing is no longer public; dismiss the report instead."))
    session = _claim_report(report, admin, REPORT_RESOLVED)
    resolve_open_reports(session, report.listing_id, admin, REPORT_RESOLVED)
    listing.moderation_note = note
    event = record(ACTION_REPORT_EDIT_REQUEST, admin, session=session, listing=listing, report=report,
                   reason=note)
    mail = queue_decision(listing, ACTION_REPORT_EDIT_REQUEST, note,
                          published=listing.status == STATUS_PUBLISHED, session=session)
    commit(session)
    session.refresh(report)
    logger.info("edit requested on listing %s after report %s by %s", listing.id, report.id, who(admin))
    deliver_decision(mail)
    return event


def report_unpublish(report: Report, admin: User, reason: str) -> ModerationEvent:
    """Unpublish the reported listing; every open report on it is resolved with that one decision."""
    require_admin(admin)
    require_reason(reason)
    if report.status != REPORT_OPEN:
        raise AlreadyDecided()
    return unpublish(report.listing, admin, reason, report=report)


def open_report_counts() -> dict[int, int]:
    """listing id -> number of open 'no longer meets' reports (several move a listing to the top)."""
    rows = db.session.execute(
        select(Report.listing_id, func.count())
        .where(Report.status == REPORT_OPEN, Report.reason == "no_longer_meets")
        .group_by(Report.listing_id)
    )
    return {listing_id: count for listing_id, count in rows}


def open_reports() -> list[Report]:
    """Open reports, oldest first, except that listings with several 'no longer meets' reports come first."""
    reports = list(
        db.session.scalars(
            select(Report).where(Report.status == REPORT_OPEN).order_by(Report.created_at, Report.id)
        )
    )
    gone = {listing_id: count for listing_id, count in open_report_counts().items() if count > 1}
    # Stable sort: listings with several "no longer meets" reports first (most first), else oldest first.
    return sorted(reports, key=lambda report: -gone.get(report.listing_id, 0))


def open_reports_on(listing: Listing) -> list[Report]:
    return list(db.session.scalars(
        select(Report).where(Report.listing_id == listing.id, Report.status == REPORT_OPEN)
        .order_by(Report.created_at)
    ))


def reporters_by_listing() -> dict[int, int]:
    """listing id -> how many open reports it has, any reason: one report or many weigh differently."""
    rows = db.session.execute(
        select(Report.listing_id, func.count()).where(Report.status == REPORT_OPEN)
        .group_by(Report.listing_id)
    )
    return {listing_id: count for listing_id, count in rows}


def owner_histories(owner_ids: set[int]) -> dict[int, dict[str, int]]:
    """owner id -> {'listings', 'taken_down', 'past_reports'}: whether a report fits a pattern."""
    if not owner_ids:
        return {}
    histories = {owner_id: {"listings": 0, "taken_down": 0, "past_reports": 0} for owner_id in owner_ids}
    rows = db.session.execute(
        select(Listing.owner_id, Listing.status, func.count()).where(Listing.owner_id.in_(owner_ids))
        .group_by(Listing.owner_id, Listing.status)
    )
    for owner_id, status, count in rows:
        if owner_id is None:
            continue
        histories[owner_id]["listings"] += count
        if status in ("unpublished", "rejected"):
            histories[owner_id]["taken_down"] += count  # the admin's own earlier decisions
    past = db.session.execute(
        select(Listing.owner_id, func.count()).join(Report, Report.listing_id == Listing.id)
        .where(Listing.owner_id.in_(owner_ids), Report.status != REPORT_OPEN).group_by(Listing.owner_id)
    )
    for owner_id, count in past:
        if owner_id is not None:
            histories[owner_id]["past_reports"] = count
    return histories
