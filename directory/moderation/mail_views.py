"""The outbox as admins see it: mail that waits for another attempt or was given up, recipient masked."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..accounts.forms import ActionForm
from ..i18n import gettext
from ..outbox import FAILED, INTERRUPTED, mask_address, waiting
from . import outgoing
from .access import admin_required
from .blueprint import blueprint
from .outcomes import act


@blueprint.get("/admin/mail")
@admin_required
def mail():
    """Queued mail is sent by `flask mail send-queued`; given-up mail can be sent again, once (the recipient
    is masked: this page is not a way to read who wrote to whom)."""
    return render_template("moderation/mail.html", messages=waiting(), mask=mask_address, failed=FAILED,
                           interrupted=INTERRUPTED, form=ActionForm())


@blueprint.post("/admin/mail/<int:mail_id>/send-again")
@admin_required
def send_mail_again(mail_id: int):
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".mail"))
    return act(lambda: outgoing.send_again(mail_id, current_user),
               gettext("The message is queued again: the next mail run sends it."), back=url_for(".mail"))
