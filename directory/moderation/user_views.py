"""The admin's accounts pages: find an account, see what it did and owns, suspend it or lift a suspension."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.models import User
from ..extensions import db
from ..i18n import gettext
from ..validators import CONTROL_CHARACTERS
from . import users as user_services
from .access import admin_required
from .audit import user_history
from .blueprint import blueprint
from .forms import SuspendForm, UnsuspendForm
from .outcomes import act

USERS_PER_PAGE = 50


@blueprint.get("/admin/users")
@admin_required
def users():
    # Control characters as spaces, as in the public search: PostgreSQL refuses a NUL in a query.
    query = CONTROL_CHARACTERS.sub(" ", request.args.get("q") or "").strip()[:120]
    current_filter = request.args.get("filter", "")
    page = user_services.find_users(query, current_filter, per_page=USERS_PER_PAGE)
    return render_template("moderation/users.html", page=page, query=query, current_filter=current_filter,
                           listing_counts=user_services.listing_counts([user.id for user in page.items]))


def _render_user(user: User, suspend_form: SuspendForm | None = None, status: int = 200):
    return render_template(
        "moderation/user.html", user=user, listings=user_services.listings_of(user),
        history=user_history(user),
        suspend_form=suspend_form or SuspendForm(), unsuspend_form=UnsuspendForm(),
    ), status


@blueprint.get("/admin/users/<int:user_id>")
@admin_required
def user_detail(user_id: int):
    return _render_user(db.get_or_404(User, user_id))


@blueprint.post("/admin/users/<int:user_id>/suspend")
@admin_required
def suspend_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _render_user(user, form, status=400)
    return act(lambda: user_services.suspend_user(user, current_user, form.reason.data),
               gettext("%(email)s is suspended; their listings left the search.", email=user.email),
               back=url_for(".user_detail", user_id=user_id))


@blueprint.post("/admin/users/<int:user_id>/unsuspend")
@admin_required
def unsuspend_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not UnsuspendForm().validate_on_submit():
        return redirect(url_for(".user_detail", user_id=user_id))
    return act(lambda: user_services.unsuspend_user(user, current_user),
               gettext("The suspension of %(email)s is lifted.", email=user.email),
               back=url_for(".user_detail", user_id=user_id))
