"""The audit log page: every decision, filtered by admin, action or listing."""

from __future__ import annotations

from flask import render_template, request
from wtforms.fields.choices import SelectChoice

from ..i18n import gettext
from ..urls import row_id
from .access import admin_required
from .audit import ACTION_LABELS, admins, audit_page
from .blueprint import blueprint
from .forms import AuditFilterForm

AUDIT_PER_PAGE = 50


def translated_labels() -> dict[str, str]:
    """Each action's label in the admin's language."""
    return {action: str(label) for action, label in ACTION_LABELS.items()}


@blueprint.get("/admin/audit")
@admin_required
def audit():
    """Read-only on purpose: there is no route that edits or deletes an audit row."""
    form = AuditFilterForm(request.args)
    form.actor.choices = [SelectChoice("", gettext("Anyone")), *(SelectChoice(str(user.id), user.email)
                                                         for user in admins())]
    labels = translated_labels()
    actions = sorted(labels.items(), key=lambda item: item[1])
    form.action.choices = [SelectChoice("", gettext("Any action")),
                           *(SelectChoice(*item) for item in actions)]
    form.validate()
    listing_filter = (form.listing.data or "").strip()
    page = audit_page(
        actor_id=row_id(form.actor.data),
        action=form.action.data if form.action.data in ACTION_LABELS else None,
        # A refused filter is explained next to its box, and not applied.
        listing=listing_filter if listing_filter and not form.listing.errors else None,
        per_page=AUDIT_PER_PAGE,
    )
    return render_template("moderation/audit.html", page=page, form=form, labels=labels)
