"""What a decision on a listing closes with it, in the same transaction: pending edits, open reports."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..database import rows_matched
from ..timeutil import utcnow
from .models import REPORT_OPEN, REVISION_PENDING, REVISION_SUPERSEDED, Report, Revision


def supersede_pending_revisions(session: Session, listing_id: int, keep: int | None = None) -> int:
    statement = update(Revision).where(Revision.listing_id == listing_id, Revision.status == REVISION_PENDING)
    if keep is not None:
        statement = statement.where(Revision.id != keep)
    statement = statement.values(status=REVISION_SUPERSEDED, decided_at=utcnow())
    result = session.execute(statement.execution_options(synchronize_session=False))
    return rows_matched(result)


def resolve_open_reports(session: Session, listing_id: int, admin: User, status: str) -> int:
    result = session.execute(
        update(Report)
        .where(Report.listing_id == listing_id, Report.status == REPORT_OPEN)
        .values(status=status, resolved_at=utcnow(), resolved_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)
