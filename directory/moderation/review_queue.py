"""What waits for an admin: new listings and edits to review, oldest first, and the navigation's counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import func, select

from ..extensions import db
from ..i18n import ngettext
from ..listings.models import STATUS_PENDING, Listing
from .models import REPORT_OPEN, REVISION_PENDING, Report, Revision


class WaitingElsewhere(NamedTuple):
    """Something an admin decides in a feature above moderation (claims on imported listings)."""

    key: str  # its count's name in counts()
    how_many: Callable[[], int]
    words: Callable[[int], str]  # "2 claims", in the admin's language
    endpoint: str  # the page where they wait


# Registered by those features when imported, so the navigation names what waits there without
# moderation importing them.
_ELSEWHERE: dict[str, WaitingElsewhere] = {}


def also_waiting(waiting: WaitingElsewhere) -> None:
    _ELSEWHERE[waiting.key] = waiting


def queue_listings() -> list[Listing]:
    """New listings waiting for review, oldest first."""
    return list(
        db.session.scalars(
            select(Listing)
            .where(Listing.status == STATUS_PENDING)
            .order_by(func.coalesce(Listing.submitted_at, Listing.created_at), Listing.id)
        )
    )


def queue_revisions() -> list[Revision]:
    """Edits waiting for review, oldest first."""
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.status == REVISION_PENDING)
            .order_by(Revision.created_at, Revision.id)
        )
    )


def counts() -> dict[str, int]:
    """What waits for an admin: shown in the admin navigation."""
    listings = db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.status == STATUS_PENDING)
    )
    revisions = db.session.scalar(
        select(func.count()).select_from(Revision).where(Revision.status == REVISION_PENDING)
    )
    reports = db.session.scalar(select(func.count()).select_from(Report).where(Report.status == REPORT_OPEN))
    found = {"listings": listings or 0, "revisions": revisions or 0, "reports": reports or 0}
    found.update({key: elsewhere.how_many() for key, elsewhere in _ELSEWHERE.items()})
    return {**found, "queue": found["listings"] + found["revisions"]}


def waiting(counts: dict[str, int]) -> tuple[str, str]:
    """The navigation's words and target: '1 listing, 2 reports' and the page where the first of them wait.

    One total led to an empty review queue when all that waited was a report, or a claim.
    """
    listings, edits, reports = (counts.get(name, 0) for name in ("listings", "revisions", "reports"))
    words = [ngettext("%(num)s listing", "%(num)s listings", listings) if listings else "",
             ngettext("%(num)s edit", "%(num)s edits", edits) if edits else "",
             ngettext("%(num)s report", "%(num)s reports", reports) if reports else ""]
    pages = [("moderation.queue", counts.get("queue", 0)), ("moderation.reports", reports)]
    for key, elsewhere in _ELSEWHERE.items():
        number = counts.get(key, 0)
        words.append(elsewhere.words(number) if number else "")
        pages.append((elsewhere.endpoint, number))
    summary = ", ".join(word for word in words if word)
    endpoint = next((page for page, number in pages if number), "moderation.queue")
    return summary, endpoint
