"""Admin pages (queue, reviews, reports, users, audit log) and the public report and reminder pages.

One blueprint; each area's routes are in a module of their own, and importing them here adds them to it.
Every /admin view carries @admin_required; tests sweep the URL map to prove it.
"""

from __future__ import annotations

from . import (  # noqa: F401 - imported for the routes they add
    audit_views,
    mail_views,
    reminder_views,
    report_views,
    review_views,
    two_factor_views,
    user_views,
)
from .blueprint import blueprint

__all__ = ["blueprint"]
