"""Admin pages (queue, reviews, reports, users, audit log) and the public report and reminder pages.

Every /admin view carries @admin_required; tests sweep the URL map to prove it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import time
from typing import Any

import pyotp
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..accounts.models import User
from ..extensions import db, limiter
from ..listings import services as listing_services
from ..listings.forms import language_name
from ..listings.freshness import freshness
from ..listings.models import STATUS_EXPIRED, Listing
from ..listings.snapshots import SENSITIVE_FIELDS
from ..urls import row_id, safe_next
from ..validators import CONTROL_CHARACTERS
from . import reminders, services
from .access import admin_required, mark_two_factor_passed, provisioning_uri, verify_code
from .forms import (
    AuditFilterForm,
    ReportForm,
    ReportResolveForm,
    ReviewForm,
    StillMeetingForm,
    SuspendForm,
    TwoFactorForm,
    UnpublishForm,
    UnsuspendForm,
)
from .models import REPORT_REASONS, Report, Revision
from .services import AlreadyDecided, ModerationError

logger = logging.getLogger(__name__)

blueprint = Blueprint("moderation", __name__)

AUDIT_PER_PAGE = 50
USERS_PER_PAGE = 50
PENDING_SECRET_KEY = "admin_2fa_pending_secret"  # noqa: S105 - a session key name  # nosec B105

FIELD_LABELS = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "format": "Format",
    "cost": "Cost",
    "cost_details": "Cost details",
    "website": "Website",
    "phone": "Phone",
    "phone_public": "Phone shown publicly",
    "contact_email": "Contact e-mail (private)",
    "contact_enabled": "Contact form on",
    "address_line": "Address",
    "city": "City",
    "region": "State / region",
    "postal_code": "ZIP / postcode",
    "country": "Country",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "location_precision": "Location precision",
    "time_zone": "Time zone",
    "online_url": "Online join link",
    "online_url_private": "Join link kept private",
    "experience": "Experience",
    "meets_in_person": "Meets in person",
    "meets_phone": "Meets by phone",
    "meets_video": "Meets by video",
    "accepting_mentees": "Accepting mentees",
    "availability": "Availability",
    "topics": "Topics",
    "audiences": "Audiences",
    "languages": "Languages",
    "meetings": "Meetings",
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# ---------------------------------------------------------------------------------------------- helpers


@blueprint.app_context_processor
def moderation_context() -> dict[str, Any]:
    """Counts for the admin navigation; queried only when an admin is signed in."""
    if has_request_context() and current_user and current_user.is_authenticated and current_user.is_admin:
        return {"moderation_counts": services.counts()}
    return {"moderation_counts": None}


blueprint.add_app_template_global(language_name)


@blueprint.app_template_global()
def listing_freshness(listing: Listing) -> dict[str, Any]:
    return freshness(listing)


def show_value(field: str, value: Any) -> str:
    """A snapshot value as an admin reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "meetings":
        return "\n".join(_meeting_text(item) for item in value)
    if field == "languages":
        return ", ".join(language_name(str(code)) for code in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _meeting_text(item: dict[str, Any]) -> str:
    weekday = item.get("weekday")
    day = WEEKDAY_NAMES[weekday] if isinstance(weekday, int) and 0 <= weekday < 7 else "?"
    start = item.get("start_time")
    if isinstance(start, time):
        start = start.strftime("%H:%M")
    text = f"{day} {start}, {item.get('duration_minutes')} min, {item.get('recurrence')}"
    if item.get("week_of_month"):
        text += f" (week {item['week_of_month']})"
    if item.get("anchor_date"):
        text += f" from {item['anchor_date']}"
    if item.get("notes"):
        text += f": {item['notes']}"
    return text


def meeting_rows(listing: Listing) -> list[str]:
    return [
        _meeting_text({
            "weekday": meeting.weekday, "start_time": meeting.start_time,
            "duration_minutes": meeting.duration_minutes, "recurrence": meeting.recurrence,
            "week_of_month": meeting.week_of_month,
            "anchor_date": meeting.anchor_date.isoformat() if meeting.anchor_date else None,
            "notes": meeting.notes,
        })
        for meeting in listing.meetings
    ]


# ---------------------------------------------------------------------------------------------- decisions

# What each decision button does (the service, called with the item, the admin and the note) and what the
# admin reads after it; "{name}" is the listing's name.
Decision = tuple[Callable[[Any, User, str], object], str]
LISTING_DECISIONS: dict[str, Decision] = {
    "approve": (lambda listing, admin, note: services.approve(listing, admin),
                "“{name}” is published. The owner was told."),
    "request_changes": (services.request_changes,
                        "Changes requested on “{name}”. The owner was sent your note."),
    "reject": (services.reject, "“{name}” was rejected. The owner was sent your reason."),
    "unpublish": (services.unpublish, "“{name}” is unpublished. The owner was sent your reason."),
}
REVISION_DECISIONS: dict[str, Decision] = {
    "approve": (lambda revision, admin, note: services.approve_revision(revision, admin),
                "The edit to “{name}” is live. The owner was told."),
    "request_changes": (services.request_revision_changes, "Changes requested on the edit to “{name}”."),
    "reject": (services.reject_revision, "The edit to “{name}” was rejected; the published version stays."),
}
REPORT_DECISIONS: dict[str, Decision] = {
    "dismiss": (services.dismiss_report, "Report on “{name}” dismissed."),
    "request_edit": (services.report_request_edit, "The owner of “{name}” was asked to update it."),
    "unpublish": (services.report_unpublish, "“{name}” is unpublished. The owner was sent your reason."),
}


def _decide(decisions: dict[str, Decision], item: Any, form: Any, name: str, *, back: str,
            refused: str | None = None):
    """Make the decision whose button was pressed, say how it went, and go `back` (or to `refused` when
    a rule refused it). Another admin deciding first is a warning, not an error."""
    service, done = decisions[form.decision()]
    return _act(lambda: service(item, current_user, (form.note.data or "").strip()), done.format(name=name),
                back=back, refused=refused)


def _act(call: Callable[[], object], done: str, *, back: str, refused: str | None = None):
    """Run one moderation call, flash its outcome, redirect."""
    try:
        call()
    except AlreadyDecided as error:
        flash(str(error), "warning")
    except ModerationError as error:
        flash(str(error), "error")
        return redirect(refused or back)
    else:
        flash(done, "success")
    return redirect(back)


# ---------------------------------------------------------------------------------------------- queue


@blueprint.get("/admin/")
@admin_required
def queue():
    return render_template(
        "moderation/queue.html",
        listings=services.queue_listings(),
        revisions=services.queue_revisions(),
        report_count=services.counts()["reports"],
    )


def _render_listing(listing: Listing, review_form: ReviewForm | None = None,
                    unpublish_form: UnpublishForm | None = None, status: int = 200):
    page = render_template(
        "moderation/review_listing.html",
        listing=listing,
        review_form=review_form or ReviewForm(),
        unpublish_form=unpublish_form or UnpublishForm(),
        can_review=listing.status == "pending",
        can_unpublish=listing.status in services.APPROVED_STATUSES,
        history=services.listing_history(listing),
        reports=services.open_reports_on(listing),
        revision=services.pending_revision(listing),
        meetings=meeting_rows(listing),
        freshness=freshness(listing),
        report_reasons=REPORT_REASONS,
    )
    return page, status


@blueprint.get("/admin/listings/<int:listing_id>")
@admin_required
def review_listing(listing_id: int):
    return _render_listing(db.get_or_404(Listing, listing_id))


@blueprint.post("/admin/listings/<int:listing_id>/decide")
@admin_required
def decide_listing(listing_id: int):
    listing = db.get_or_404(Listing, listing_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_listing(listing, review_form=form, status=400)
    return _decide(LISTING_DECISIONS, listing, form, listing.name, back=url_for(".queue"),
                   refused=url_for(".review_listing", listing_id=listing_id))


@blueprint.post("/admin/listings/<int:listing_id>/unpublish")
@admin_required
def unpublish_listing(listing_id: int):
    listing = db.get_or_404(Listing, listing_id)
    form = UnpublishForm()
    if not form.validate_on_submit():
        return _render_listing(listing, unpublish_form=form, status=400)
    return _decide(LISTING_DECISIONS, listing, form, listing.name,
                   back=url_for(".review_listing", listing_id=listing_id))


# ---------------------------------------------------------------------------------------------- revisions


def _render_revision(revision: Revision, form: ReviewForm | None = None, status: int = 200):
    changes = [
        {
            "field": field,
            "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
            "before": show_value(field, before),
            "after": show_value(field, after),
            "sensitive": field in SENSITIVE_FIELDS,
        }
        for field, before, after in services.revision_diff(revision)
    ]
    page = render_template(
        "moderation/review_revision.html",
        revision=revision,
        listing=revision.listing,
        changes=changes,
        form=form or ReviewForm(),
        author=services.revision_author(revision),
        can_review=revision.status == "pending",
    )
    return page, status


@blueprint.get("/admin/revisions/<int:revision_id>")
@admin_required
def review_revision(revision_id: int):
    return _render_revision(db.get_or_404(Revision, revision_id))


@blueprint.post("/admin/revisions/<int:revision_id>/decide")
@admin_required
def decide_revision(revision_id: int):
    revision = db.get_or_404(Revision, revision_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_revision(revision, form, status=400)
    return _decide(REVISION_DECISIONS, revision, form, revision.listing.name, back=url_for(".queue"),
                   refused=url_for(".review_revision", revision_id=revision_id))


# ---------------------------------------------------------------------------------------------- reports


def _render_reports(forms: dict[int, ReportResolveForm] | None = None, status: int = 200):
    """The open reports, each with its own form (`forms` keeps one the admin sent back with errors)."""
    open_reports = services.open_reports()
    blank = {report.id: ReportResolveForm(prefix=f"report-{report.id}", formdata=None)
             for report in open_reports}
    return render_template(
        "moderation/reports.html",
        reports=open_reports,
        gone=services.open_report_counts(),
        forms={**blank, **(forms or {})},
        report_reasons=REPORT_REASONS,
    ), status


@blueprint.get("/admin/reports")
@admin_required
def reports():
    return _render_reports()


@blueprint.post("/admin/reports/<int:report_id>/resolve")
@admin_required
def resolve_report(report_id: int):
    report = db.get_or_404(Report, report_id)
    form = ReportResolveForm(prefix=f"report-{report.id}")
    if not form.validate_on_submit():
        return _render_reports({report.id: form}, status=400)
    return _decide(REPORT_DECISIONS, report, form, report.listing.name, back=url_for(".reports"))


# ---------------------------------------------------------------------------------------------- users


@blueprint.get("/admin/users")
@admin_required
def users():
    # Control characters as spaces, as in the public search: PostgreSQL refuses a NUL in a query.
    query = CONTROL_CHARACTERS.sub(" ", request.args.get("q") or "").strip()[:120]
    current_filter = request.args.get("filter", "")
    page = services.find_users(query, current_filter, per_page=USERS_PER_PAGE)
    return render_template("moderation/users.html", page=page, query=query, current_filter=current_filter,
                           listing_counts=services.listing_counts([user.id for user in page.items]))


def _render_user(user: User, suspend_form: SuspendForm | None = None, status: int = 200):
    return render_template(
        "moderation/user.html", user=user, listings=services.listings_of(user),
        history=services.user_history(user),
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
    return _act(lambda: services.suspend_user(user, current_user, form.reason.data),
                f"{user.email} is suspended; their listings left the search.",
                back=url_for(".user_detail", user_id=user_id))


@blueprint.post("/admin/users/<int:user_id>/unsuspend")
@admin_required
def unsuspend_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not UnsuspendForm().validate_on_submit():
        return redirect(url_for(".user_detail", user_id=user_id))
    return _act(lambda: services.unsuspend_user(user, current_user),
                f"The suspension of {user.email} is lifted.", back=url_for(".user_detail", user_id=user_id))


# ---------------------------------------------------------------------------------------------- audit log


@blueprint.get("/admin/audit")
@admin_required
def audit():
    """Read-only on purpose: there is no route that edits or deletes an audit row."""
    form = AuditFilterForm(request.args)
    form.actor.choices = [SelectChoice("", "Anyone"), *(SelectChoice(str(user.id), user.email)
                                                         for user in services.admins())]
    actions = sorted(services.ACTION_LABELS.items(), key=lambda item: item[1])
    form.action.choices = [SelectChoice("", "Any action"), *(SelectChoice(*item) for item in actions)]
    form.validate()
    listing_filter = (form.listing.data or "").strip()
    page = services.audit_page(
        actor_id=row_id(form.actor.data),
        action=form.action.data if form.action.data in services.ACTION_LABELS else None,
        # A refused filter is explained next to its box, and not applied.
        listing=listing_filter if listing_filter and not form.listing.errors else None,
        per_page=AUDIT_PER_PAGE,
    )
    return render_template("moderation/audit.html", page=page, form=form, labels=services.ACTION_LABELS)


# ---------------------------------------------------------------------------------------------- second factor


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
        if verify_code(secret, form.code.data):
            services.enable_two_factor(current_user, secret)
            session.pop(PENDING_SECRET_KEY, None)
            mark_two_factor_passed()
            flash("Two-step sign-in is on for your admin account.", "success")
            return _after_two_factor()
        form.code.errors.append("That code did not match. Check the time on your phone and try again.")
    return render_template("moderation/two_factor_setup.html", form=form, secret=secret,
                           uri=provisioning_uri(secret, current_user.email))


@blueprint.route("/admin/2fa", methods=["GET", "POST"])
@admin_required(second_factor=False)
def two_factor():
    if not current_user.totp_secret:
        return redirect(url_for(".two_factor_setup", next=safe_next(request.args.get("next"))))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if verify_code(current_user.totp_secret, form.code.data):
            mark_two_factor_passed()
            return _after_two_factor()
        logger.warning("wrong admin 2FA code for user %s", current_user.id)
        form.code.errors.append("That code did not match. Codes change every 30 seconds; try the new one.")
    return render_template("moderation/two_factor.html", form=form)


# ---------------------------------------------------------------------------------------------- public pages


def report_rate_limit() -> str:
    return current_app.config["REPORT_RATE_LIMIT"]


def _published(slug: str) -> Listing:
    listing = listing_services.public_listing(slug)
    if listing is None:
        abort(404)
    return listing


@blueprint.route("/listings/<slug>/report", methods=["GET", "POST"])
@limiter.limit(report_rate_limit, methods=["POST"])
def report_form(slug: str):
    listing = _published(slug)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.create_report(listing, form.reason.data, form.message.data or "", form.email.data or "")
        except ModerationError as error:
            form.reason.errors.append(str(error))
        else:
            return redirect(url_for(".report_thanks", slug=listing.slug))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("moderation/report_form.html", listing=listing, form=form), status


@blueprint.get("/listings/<slug>/report/thanks")
def report_thanks(slug: str):
    """Only for a listing that can be reported: the page names it, and a draft's name is not public."""
    listing = _published(slug)
    return render_template("moderation/report_thanks.html", listing=listing)


@blueprint.route("/still-meeting/<token>", methods=["GET", "POST"])
def still_meeting(token: str):
    """The reminder link: GET only shows three buttons; the answer is a POST."""
    try:
        listing = reminders.read_token(token)
    except reminders.LinkError as error:
        return render_template("moderation/still_meeting_done.html", message=str(error), listing=None,
                               failed=True), 400
    form = StillMeetingForm()
    if form.validate_on_submit():
        answer = form.answer()
        owner = listing.owner
        try:
            if answer == "yes":
                was_expired = listing.status == STATUS_EXPIRED
                services.reconfirm(listing, owner, via="link")
                back = " and is back in the search" if was_expired else ""
                return render_template(
                    "moderation/still_meeting_done.html", listing=listing, failed=False,
                    message=f"Thank you! “{listing.name}” is confirmed as current{back}.",
                )
            if answer == "stopped":
                services.withdraw(listing, owner, via="reminder link")
                return render_template(
                    "moderation/still_meeting_done.html", listing=listing, failed=False,
                    message=f"Thank you for letting us know. “{listing.name}” is no longer listed.",
                )
            if answer == "change":
                # The owner's edit page asks them to sign in first.
                return redirect(url_for("owner.edit", listing_id=listing.id))
        except ModerationError as error:
            return render_template("moderation/still_meeting_done.html", message=str(error), listing=listing,
                                   failed=True), 400
    return render_template("moderation/still_meeting.html", listing=listing, form=form,
                           freshness=freshness(listing))

