"""The account pages' "download my data" and "delete my account", under /account like the rest."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..accounts.errors import CurrentPasswordError
from ..accounts.forms import DeleteAccountForm
from ..accounts.ratelimits import account_changes
from ..accounts.views import end_session
from ..i18n import gettext
from ..timeutil import utcnow
from . import services

logger = logging.getLogger(__name__)

blueprint = Blueprint("datarights", __name__, url_prefix="/account")


@blueprint.get("/data")
@login_required
def export():
    """Everything we hold about the signed-in person, as a JSON download."""
    data = services.export_person(current_user._get_current_object())
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    logger.info("user %s downloaded their data", current_user.id)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-data-{utcnow():%Y-%m-%d}.json"'},
    )


@blueprint.route("/delete", methods=["GET", "POST"])
@login_required
@account_changes
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_person(current_user._get_current_object(), form.current_password.data)
        except CurrentPasswordError as error:
            form.current_password.errors.append(str(error))
        else:
            end_session()
            flash(gettext("Your account is deleted, and your listings are withdrawn. "
                          "Thank you for what you offered."), "success")
            return redirect(url_for("core.home"), code=303)
    return render_template("datarights/delete.html", form=form)
