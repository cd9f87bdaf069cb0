"""The outbox as admins see it: mail that waits for another attempt or was given up, recipient masked."""

from __future__ import annotations

from flask import render_template

from ..outbox import FAILED, INTERRUPTED, mask_address, waiting
from .access import admin_required
from .blueprint import blueprint


@blueprint.get("/admin/mail")
@admin_required
def mail():
    """Read-only: queued mail is sent by `flask mail send-queued`; given-up mail is for an admin to follow
    up by hand (the recipient is masked: this page is not a way to read who wrote to whom)."""
    return render_template("moderation/mail.html", messages=waiting(), mask=mask_address, failed=FAILED,
                           interrupted=INTERRUPTED)
