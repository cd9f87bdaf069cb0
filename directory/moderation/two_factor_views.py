"""An admin's second sign-in step: set up a TOTP secret once, then enter a code from it each session."""

from __future__ import annotations

import logging

import pyotp
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..i18n import gettext
from ..urls import safe_next
from .access import admin_required, mark_two_factor_passed, matching_step, provisioning_uri
from .blueprint import blueprint
from .forms import TwoFactorForm
from .users import accept_two_factor_code, enable_two_factor

logger = logging.getLogger(__name__)

PENDING_SECRET_KEY = "admin_2fa_pending_secret"  # noqa: S105 - a session key name  # nosec B105


def _after_two_factor():
    return redirect(safe_next(request.args.get("next")) or url_for(".queue"))


@blueprint.route("/admin/2fa/setup", methods=["GET", "POST"])
@admin_required(second_factor=False)
def two_factor_setup():
    """Show a new secret (and its otpauth URI); it is saved only once a code from it checks out."""
    if current_user.totp_secret:
        return redirect(url_for(".two_factor", next=safe_next(request.args.get("next"))))
    secret = session.get(PENDING_SECRET_KEY)
    if not secret:
        secret = pyotp.random_base32()
        session[PENDING_SECRET_KEY] = secret
    form = TwoFactorForm()
    if form.validate_on_submit():
        step = matching_step(secret, form.code.data)
        if step is not None:
            enable_two_factor(current_user, secret, step)
            session.pop(PENDING_SECRET_KEY, None)
            mark_two_factor_passed()
            flash(gettext("Two-step sign-in is on for your admin account."), "success")
            return _after_two_factor()
        form.code.errors.append(gettext("That code did not match. Check the time on your phone and try "
                                        "again."))
    return render_template("moderation/two_factor_setup.html", form=form, secret=secret,
                           uri=provisioning_uri(secret, current_user.email))


@blueprint.route("/admin/2fa", methods=["GET", "POST"])
@admin_required(second_factor=False)
def two_factor():
    if not current_user.totp_secret:
        return redirect(url_for(".two_factor_setup", next=safe_next(request.args.get("next"))))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if accept_two_factor_code(current_user, form.code.data):
            mark_two_factor_passed()
            return _after_two_factor()
        logger.warning("wrong admin 2FA code for user %s", current_user.id)
        form.code.errors.append(gettext("That code did not match, or it was used already. Codes change every "
                                        "30 seconds; try the new one."))
    return render_template("moderation/two_factor.html", form=form)


