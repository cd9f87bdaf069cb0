"""The moderation blueprint and what every page of it, and the admin navigation, reads.

Each area's routes live in a module of their own (`*_views.py`); `views.py` gathers them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, has_request_context
from flask_login import current_user

from ..listings.freshness import freshness
from ..listings.models import Listing
from ..listings.terms import language_label
from . import review_queue
from .audit import ACTION_LABELS
from .presentation import admin_term

blueprint = Blueprint("moderation", __name__)


@blueprint.app_context_processor
def moderation_context() -> dict[str, Any]:
    """Counts for the admin navigation; queried only when an admin is signed in."""
    if has_request_context() and current_user and current_user.is_authenticated and current_user.is_admin:
        counts = review_queue.counts()
        summary, endpoint = review_queue.waiting(counts)
        return {"moderation_counts": counts, "admin_waiting": summary, "admin_endpoint": endpoint}
    return {"moderation_counts": None, "admin_waiting": "", "admin_endpoint": "moderation.queue"}


blueprint.add_app_template_global(language_label)
blueprint.add_app_template_global(admin_term)


@blueprint.app_template_global()
def action_label(action: str) -> str:
    """What an audit row's action reads as, in the admin's language."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action.replace("_", " ").capitalize()


@blueprint.app_template_global()
def listing_freshness(listing: Listing) -> dict[str, Any]:
    return freshness(listing)
