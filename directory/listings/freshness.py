"""How current a listing is: one helper for the search results, the listing page and the admin pages.

Directories die of stale data, so age is shown, not hidden: after STALE_AFTER_DAYS a listing says
"Not confirmed since <month year>"; after EXPIRE_AFTER_DAYS `flask send-reminders` (or `flask expire`)
takes it out of the search until the owner reconfirms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from flask import current_app

from ..timeutil import utcnow


class Confirmable(Protocol):
    """What freshness is judged from: a Listing, a search card, or an export's plain record."""

    @property
    def last_confirmed_at(self) -> datetime | None: ...

    @property
    def published_at(self) -> datetime | None: ...

    @property
    def created_at(self) -> datetime | None: ...


def confirmed_at(listing: Confirmable) -> datetime | None:
    """When the owner (or an approval) last vouched for the listing."""
    return listing.last_confirmed_at or listing.published_at or listing.created_at


def freshness(listing: Confirmable, now: datetime | None = None) -> dict[str, Any]:
    """{label, stale, days, confirmed_at}: `stale` once STALE_AFTER_DAYS passed since the last confirmation.

    `label` is "Not confirmed since March 2025" when stale, else "Confirmed March 2025".
    `days` is None for a listing never confirmed (a draft).
    """
    now = now or utcnow()
    when = confirmed_at(listing)
    if when is None:
        return {"label": "Not confirmed yet", "stale": True, "days": None, "confirmed_at": None}
    days = max(0, (now - when).days)
    stale = _stale_after(days)
    month = when.strftime("%B %Y")
    label = f"Not confirmed since {month}" if stale else f"Confirmed {month}"
    return {"label": label, "stale": stale, "days": days, "confirmed_at": when}


def is_stale(listing: Confirmable, now: datetime | None = None) -> bool:
    """`freshness(listing, now)["stale"]` alone, for a page of listings that shows nothing else of it."""
    when = confirmed_at(listing)
    return when is None or _stale_after(max(0, ((now or utcnow()) - when).days))


def _stale_after(days: int) -> bool:
    return days >= int(current_app.config["STALE_AFTER_DAYS"])
