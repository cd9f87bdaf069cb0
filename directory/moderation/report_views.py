"""Reports: the public form that files one, and the admin page that answers them."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for

from ..extensions import db, limiter
from ..i18n import N_
from ..listings import services as listing_services
from ..listings.models import Listing
from . import reports as report_services
from .access import admin_required
from .blueprint import blueprint
from .forms import ReportForm, ReportResolveForm
from .models import REPORT_REASONS, Report
from .outcomes import Decision, decide
from .rules import ModerationError

REPORT_DECISIONS: dict[str, Decision] = {
    "dismiss": (report_services.dismiss_report, N_("Report on “%(name)s” dismissed.")),
    "request_edit": (report_services.report_request_edit,
                     N_("The owner of “%(name)s” was asked to update it.")),
    "unpublish": (report_services.report_unpublish,
                  N_("“%(name)s” is unpublished. The owner was sent your reason.")),
}


def _render_reports(forms: dict[int, ReportResolveForm] | None = None, status: int = 200):
    """The open reports, each with its own form (`forms` keeps one the admin sent back with errors)."""
    open_reports = report_services.open_reports()
    blank = {report.id: ReportResolveForm(prefix=f"report-{report.id}", formdata=None)
             for report in open_reports}
    return render_template(
        "moderation/reports.html",
        reports=open_reports,
        gone=report_services.open_report_counts(),
        reporters=report_services.reporters_by_listing(),
        histories=report_services.owner_histories(
            {report.listing.owner_id for report in open_reports if report.listing.owner_id is not None}),
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
    return decide(REPORT_DECISIONS, report, form, report.listing.name, back=url_for(".reports"))


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
            report_services.create_report(listing, form.reason.data, form.message.data or "",
                                          form.email.data or "")
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
