"""Account pages: register, confirm, sign in and out, passwords, e-mail address.

Thin views: load, check, act through services, respond. Every change is a POST with a CSRF token.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..database import commit
from ..extensions import limiter
from ..i18n import LANG_PARAM, current_locale, gettext, using_language
from ..urls import safe_next
from . import devices, services, signin
from .errors import SIGN_IN_REFUSED, CurrentPasswordError, EmailError, PasswordError, SignInError
from .forms import (
    ActionForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ForgotForm,
    LanguageForm,
    RegisterForm,
    ResetForm,
    SignInForm,
)
from .ratelimits import account_changes, configured, signed_in_account, submitted_account
from .tokens import TokenError

logger = logging.getLogger(__name__)

blueprint = Blueprint("accounts", __name__, url_prefix="/account")

POST = ["POST"]


def _me():
    """The signed-in User itself, not Flask-Login's proxy (services compare and store it)."""
    return current_user._get_current_object()


def _start_session(user, remember: bool) -> bool:
    """A fresh session for this user, with a device session of its own: whatever the old cookie carried
    is dropped first."""
    session.clear()
    if not user.is_active:
        return False
    devices.open_device(user, request.user_agent.string, remember=remember)
    return login_user(user, remember=remember)


def end_session() -> None:
    """Empty the session, then log out: logout_user leaves the note that deletes the remember cookie."""
    session.clear()
    logout_user()


def _had_remember_cookie() -> bool:
    return bool(request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"]))


def _link_problem(error: TokenError, status: int = 400):
    return render_template("accounts/link_problem.html", message=str(error)), status


# --- registration and confirmation ---------------------------------------------------------------


@blueprint.route("/register", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_REGISTER"), methods=POST, key_func=get_remote_address)
def register():
    if current_user.is_authenticated:
        return redirect(url_for(".account"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register(form.email.data, form.password.data, form.display_name.data,
                              language=current_locale())
        except PasswordError as error:
            form.password.errors.append(str(error))
        else:
            # The same answer whether or not the address already had an account.
            session["registered_email"] = signin.normalise_email(form.email.data)
            return redirect(url_for(".registered"), code=303)
    return render_template("accounts/register.html", form=form)


@blueprint.get("/register/check-your-email")
def registered():
    return render_template("accounts/registered.html", email=session.get("registered_email"))


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The link in the mail opens a page with one button, so a mail scanner fetching it changes nothing."""
    form = ActionForm()
    try:
        if form.validate_on_submit():
            return _after_confirmation(services.confirm_email(token))
        user = services.check_confirmation(token)
    except TokenError as error:
        return _link_problem(error)
    return render_template("accounts/confirm.html", form=form, user=user)


def _after_confirmation(user):
    """A fresh link from our own mail is proof enough: sign its person in and show where the work is.

    A suspended account is not signed in. The message is flashed after the new session began, which
    clears the old one.
    """
    target = url_for(".sign_in")
    if user.is_active:
        if not (current_user.is_authenticated and current_user.id == user.id):
            _start_session(user, remember=False)
            signin.record_sign_in(user)
        target = url_for("moderation.queue" if user.is_admin else "owner.dashboard")
    flash(gettext("Thank you: your e-mail address is confirmed."), "success")
    return redirect(target, code=303)


@blueprint.post("/confirm/resend")
@login_required
@limiter.limit(configured("RATELIMIT_CONFIRM_RESEND"), methods=POST, key_func=signed_in_account)
def confirm_resend():
    form = ActionForm()
    if form.validate_on_submit():
        if current_user.is_confirmed:
            flash(gettext("Your e-mail address is already confirmed."), "info")
        elif services.send_confirmation(_me()):
            flash(gettext("We sent a new confirmation link to %(email)s.", email=current_user.email),
                  "success")
        else:
            flash(gettext("A new confirmation link to %(email)s is on its way: our mail server is slow "
                          "just now, so it may take a few minutes.", email=current_user.email), "info")
    return redirect(url_for(".account"), code=303)


# --- signing in and out --------------------------------------------------------------------------


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_SIGN_IN"), methods=POST, key_func=get_remote_address)
@limiter.limit(configured("RATELIMIT_SIGN_IN_ACCOUNT"), methods=POST, key_func=submitted_account)
def sign_in():
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for(".account"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = signin.authenticate(form.email.data, form.password.data)
        except SignInError as error:
            form.form_errors.append(str(error))
        else:
            if _start_session(user, remember=bool(form.remember.data)):
                signin.record_sign_in(user)
                return redirect(target or url_for(".account"), code=303)
            form.form_errors.append(str(SIGN_IN_REFUSED))
    return render_template("accounts/sign_in.html", form=form, next=target)


@blueprint.post("/sign-out")
def sign_out():
    form = ActionForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        devices.end_device(_me())
        end_session()
        flash(gettext("You are signed out."), "success")
    return redirect(url_for("core.home"), code=303)


@blueprint.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    form = ActionForm()
    if form.validate_on_submit():
        signin.end_all_sessions(_me())
        end_session()
        flash(gettext("You are signed out on every device, this one too. Sign in again to carry on."),
              "success")
        return redirect(url_for(".sign_in"), code=303)
    return redirect(url_for(".account"), code=303)


@blueprint.post("/devices/<int:device_id>/sign-out")
@login_required
def sign_out_device(device_id: int):
    """End one device session from the list; ending this very one signs this browser out too."""
    form = ActionForm()
    if form.validate_on_submit():
        me = _me()
        current = devices.current_device(me)
        current_id = current.id if current is not None else None
        if not devices.end_device(me, device_id):  # another tab ended it already, or not this account's
            flash(gettext("That device was already signed out."), "info")
        elif current_id == device_id:
            end_session()
            flash(gettext("You are signed out on this device."), "success")
            return redirect(url_for(".sign_in"), code=303)
        else:
            flash(gettext("That device is signed out. Its next visit starts at the sign-in page."), "success")
    return redirect(url_for(".account"), code=303)


# --- forgotten password --------------------------------------------------------------------------


@blueprint.route("/forgot", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_FORGOT"), methods=POST, key_func=get_remote_address)
@limiter.limit(configured("RATELIMIT_FORGOT_ACCOUNT"), methods=POST, key_func=submitted_account)
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        session["reset_email"] = signin.normalise_email(form.email.data)
        return redirect(url_for(".forgot_sent"), code=303)
    return render_template("accounts/forgot.html", form=form)


@blueprint.get("/forgot/sent")
def forgot_sent():
    return render_template("accounts/forgot_sent.html", email=session.get("reset_email"))


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    try:
        user = services.check_reset(token)
    except TokenError as error:
        return _link_problem(error)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except PasswordError as error:
            form.password.errors.append(str(error))
        except TokenError as error:
            return _link_problem(error)
        else:
            if _start_session(user, remember=False):
                signin.record_sign_in(user)
                flash(gettext("Your password is changed, and you are signed in. "
                              "Every other session has ended."), "success")
                return redirect(url_for(".account"), code=303)
            flash(gettext("Your password is changed."), "success")
            return redirect(url_for(".sign_in"), code=303)
    return render_template("accounts/reset.html", form=form, user=user)


# --- the signed-in account -----------------------------------------------------------------------


@blueprint.get("")
@login_required
def account():
    me = _me()
    current = devices.current_device(me)
    language_form = LanguageForm(language=me.language or current_locale())
    return render_template("accounts/account.html", form=ActionForm(), remember_days=_remember_days(),
                           language_form=language_form,
                           devices=devices.list_devices(me), current_id=current.id if current else None)


@blueprint.post("/language")
@login_required
def language():
    """Keep the language the account reads the site and its mail in; the page turns to it at once."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return redirect(url_for(".account"), code=303)
    me = _me()
    me.language = form.language.data
    commit()
    # Flashed in the new language: the next page is in it (the URL says so, and its cookie keeps it).
    with using_language(me.language):
        flash(gettext("From now on the site and our e-mails to you are in this language."), "success")
    return redirect(url_for(".account", **{LANG_PARAM: me.language}), code=303)


@blueprint.app_template_filter("device_label")
def _device_label(stored: str) -> str:
    return devices.device_label(stored)


def _remember_days() -> int:
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    seconds = duration.total_seconds() if hasattr(duration, "total_seconds") else duration
    return int(seconds // 86400)


@blueprint.route("/password", methods=["GET", "POST"])
@login_required
@account_changes
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        remember = _had_remember_cookie()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except CurrentPasswordError as error:
            form.current_password.errors.append(str(error))
        except PasswordError as error:
            form.password.errors.append(str(error))
        else:
            _start_session(user, remember=remember)
            flash(gettext("Your password is changed. You are still signed in here; every other session has "
                          "ended."), "success")
            return redirect(url_for(".account"), code=303)
    return render_template("accounts/password.html", form=form)


@blueprint.route("/email", methods=["GET", "POST"])
@login_required
@account_changes
def email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(_me(), form.current_password.data, form.new_email.data)
        except CurrentPasswordError as error:
            form.current_password.errors.append(str(error))
        except EmailError as error:
            form.new_email.errors.append(str(error))
        else:
            flash(gettext("We sent a link to %(email)s. Your address changes when you open it. Until then, "
                          "keep using the old one.", email=signin.normalise_email(form.new_email.data)),
                  "success")
            return redirect(url_for(".account"), code=303)
    return render_template("accounts/email.html", form=form)


@blueprint.route("/email/confirm/<token>", methods=["GET", "POST"])
def email_confirm(token: str):
    form = ActionForm()
    try:
        if form.validate_on_submit():
            user = services.confirm_email_change(token)
            flash(gettext("Your e-mail address is now %(email)s.", email=user.email), "success")
            signed_in_as_user = current_user.is_authenticated and current_user.id == user.id
            return redirect(url_for(".account" if signed_in_as_user else ".sign_in"), code=303)
        user, new_email = services.check_email_change(token)
    except TokenError as error:
        return _link_problem(error)
    return render_template("accounts/email_confirm.html", form=form, user=user, new_email=new_email)
