"""The review queue and the pages where an admin decides on a new listing or on an edit to one."""

from __future__ import annotations

from flask import render_template, url_for

from ..extensions import db
from ..i18n import N_
from ..listings.freshness import freshness
from ..listings.models import STATUS_PENDING, Listing
from ..listings.snapshots import SENSITIVE_FIELDS
from . import review_queue, services
from .access import admin_required
from .audit import listing_history
from .blueprint import blueprint
from .forms import ReviewForm, UnpublishForm
from .models import REPORT_REASONS, REVISION_PENDING, Revision
from .outcomes import Decision, decide
from .presentation import FIELD_LABELS, meeting_rows, show_value, word_changes
from .reports import open_reports_on
from .revisions import (
    approve_revision,
    pending_revision,
    reject_revision,
    request_revision_changes,
    revision_author,
    revision_diff,
)
from .rules import APPROVED_STATUSES

LISTING_DECISIONS: dict[str, Decision] = {
    "approve": (lambda listing, admin, note: services.approve(listing, admin),
                N_("“%(name)s” is published. The owner was told.")),
    "approve_next": (lambda listing, admin, note: services.approve(listing, admin),
                     N_("“%(name)s” is published. The owner was told. Here is the next one.")),
    "request_changes": (services.request_changes,
                        N_("Changes requested on “%(name)s”. The owner was sent your note.")),
    "reject": (services.reject, N_("“%(name)s” was rejected. The owner was sent your reason.")),
    "unpublish": (services.unpublish, N_("“%(name)s” is unpublished. The owner was sent your reason.")),
}
REVISION_DECISIONS: dict[str, Decision] = {
    "approve": (lambda revision, admin, note: approve_revision(revision, admin),
                N_("The edit to “%(name)s” is live. The owner was told.")),
    "approve_next": (lambda revision, admin, note: approve_revision(revision, admin),
                     N_("The edit to “%(name)s” is live. The owner was told. Here is the next one.")),
    "request_changes": (request_revision_changes, N_("Changes requested on the edit to “%(name)s”.")),
    "reject": (reject_revision, N_("The edit to “%(name)s” was rejected; the published version stays.")),
}


@blueprint.get("/admin/")
@admin_required
def queue():
    return render_template(
        "moderation/queue.html",
        listings=review_queue.queue_listings(),
        revisions=review_queue.queue_revisions(),
        report_count=review_queue.counts()["reports"],
    )


# ---------------------------------------------------------------------------------------------- listings


def _render_listing(listing: Listing, review_form: ReviewForm | None = None,
                    unpublish_form: UnpublishForm | None = None, status: int = 200):
    page = render_template(
        "moderation/review_listing.html",
        listing=listing,
        review_form=review_form or ReviewForm(),
        unpublish_form=unpublish_form or UnpublishForm(),
        can_review=listing.status == STATUS_PENDING,
        can_unpublish=listing.status in APPROVED_STATUSES,
        history=listing_history(listing),
        reports=open_reports_on(listing),
        revision=pending_revision(listing),
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
    back = _next_waiting(listing.id) if form.decision() == "approve_next" else url_for(".queue")
    return decide(LISTING_DECISIONS, listing, form, listing.name, back=back,
                  refused=url_for(".review_listing", listing_id=listing_id))


def _next_waiting(after_listing_id: int) -> str:
    """The oldest other new listing waiting, else the oldest edit, else the (empty) queue."""
    listing = next((item for item in review_queue.queue_listings() if item.id != after_listing_id), None)
    if listing is not None:
        return url_for(".review_listing", listing_id=listing.id)
    revisions = review_queue.queue_revisions()
    return url_for(".review_revision", revision_id=revisions[0].id) if revisions else url_for(".queue")


@blueprint.post("/admin/listings/<int:listing_id>/unpublish")
@admin_required
def unpublish_listing(listing_id: int):
    listing = db.get_or_404(Listing, listing_id)
    form = UnpublishForm()
    if not form.validate_on_submit():
        return _render_listing(listing, unpublish_form=form, status=400)
    return decide(LISTING_DECISIONS, listing, form, listing.name,
                  back=url_for(".review_listing", listing_id=listing_id))


# ---------------------------------------------------------------------------------------------- edits


def _render_revision(revision: Revision, form: ReviewForm | None = None, status: int = 200):
    changes = []
    for field, before, after in revision_diff(revision):
        before_parts, after_parts = word_changes(show_value(field, before), show_value(field, after))
        changes.append({
            "field": field,
            "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
            "before": before_parts,
            "after": after_parts,
            "sensitive": field in SENSITIVE_FIELDS,
        })
    page = render_template(
        "moderation/review_revision.html",
        revision=revision,
        listing=revision.listing,
        changes=changes,
        form=form or ReviewForm(),
        author=revision_author(revision),
        can_review=revision.status == REVISION_PENDING,
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
    return decide(REVISION_DECISIONS, revision, form, revision.listing.name, back=url_for(".queue"),
                  refused=url_for(".review_revision", revision_id=revision_id))
