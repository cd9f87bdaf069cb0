"""Admin pages for sources (add, dry run, sync) and claims; the public "Is this your group?" pages."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ...i18n import gettext
from ...listings import services as listing_services
from ...listings.models import Listing
from ...moderation.access import admin_required
from ...moderation.presentation import FIELD_LABELS, show_value
from . import claims as claiming
from . import registry, services
from .claims import ClaimError
from .forms import ClaimDecisionForm, ClaimForm, FollowingForm, SourceActionForm, SourceForm
from .models import FORMATS, Source, SourceRecord
from .registry import InvalidSource
from .services import SourceError

logger = logging.getLogger(__name__)

blueprint = Blueprint("sources", __name__)


@blueprint.app_context_processor
def source_helpers() -> dict[str, Any]:
    """For the listing page and the review pages: where an imported listing comes from."""
    return {"listing_source": registry.record_of, "source_differences": differences}


def differences(listing: Listing, record: SourceRecord) -> list[tuple[str, str, str]]:
    """(label, what the source says, what the listing says), written as the review pages write values."""
    return [(str(FIELD_LABELS.get(name, name)), show_value(name, theirs), show_value(name, ours))
            for name, theirs, ours in registry.differences(listing, record)]


def _source_or_404(source_id: int) -> Source:
    source = registry.source_by_id(source_id)
    if source is None:
        abort(404)
    return source


@blueprint.get("/admin/sources")
@admin_required
def index():
    return render_template("sources/index.html", sources=registry.all_sources(),
                           counts=registry.record_counts(), formats=FORMATS)


@blueprint.route("/admin/sources/new", methods=["GET", "POST"])
@admin_required
def new():
    # An uploaded feed may be far larger than any other form's content.
    request.max_content_length = int(current_app.config["SOURCES_MAX_BYTES"]) + 64 * 1024
    form = SourceForm()
    if form.validate_on_submit():
        upload = form.upload.data
        try:
            source = registry.add_source(
                current_user, name=form.name.data, url=form.url.data or "",
                upload=upload.read() if upload else None, upload_name=upload.filename if upload else "",
                format_=form.format.data, all_types=form.all_types.data, trusted=form.trusted.data,
                sync_hours=form.sync_hours.data)
        except InvalidSource as error:
            for name, message in error.errors.items():
                getattr(form, name).errors.append(message)
        else:
            flash(gettext("Source “%(name)s” added. Try a dry run before the first import.",
                          name=source.name), "success")
            return redirect(url_for(".detail", source_id=source.id))
    return render_template("sources/new.html", form=form), 400 if form.errors else 200


@blueprint.get("/admin/sources/<int:source_id>")
@admin_required
def detail(source_id: int):
    source = _source_or_404(source_id)
    return render_template("sources/detail.html", source=source, form=SourceActionForm(),
                           count=registry.record_counts().get(source.id, 0), formats=FORMATS)


@blueprint.post("/admin/sources/<int:source_id>/dry-run")
@admin_required
def dry_run(source_id: int):
    source = _source_or_404(source_id)
    form = SourceActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        outcome = services.sync(source, dry_run=True)
    except SourceError as error:
        return render_template("sources/detail.html", source=source, form=form, error=str(error),
                               count=registry.record_counts().get(source.id, 0), formats=FORMATS), 400
    return render_template("sources/dry_run.html", source=source, outcome=outcome, form=form)


@blueprint.post("/admin/sources/<int:source_id>/sync")
@admin_required
def sync(source_id: int):
    source = _source_or_404(source_id)
    if not SourceActionForm().validate_on_submit():
        abort(400)
    try:
        outcome = services.sync(source, actor=current_user)
    except SourceError as error:
        flash(gettext("%(name)s could not be read: %(error)s Nothing was changed.", name=source.name,
                      error=error), "error")
    else:
        flash(gettext("%(name)s: %(summary)s.", name=source.name, summary=outcome.summary()), "success")
    return redirect(url_for(".detail", source_id=source_id))


@blueprint.get("/admin/claims")
@admin_required
def claims():
    pending = claiming.pending_claims()
    forms = {claim.id: ClaimDecisionForm(prefix=f"claim-{claim.id}") for claim in pending}
    return render_template("sources/claims.html", claims=pending, forms=forms)


@blueprint.post("/admin/claims/<int:claim_id>")
@admin_required
def decide_claim(claim_id: int):
    claim = claiming.claim_by_id(claim_id)
    if claim is None:
        abort(404)
    form = ClaimDecisionForm(prefix=f"claim-{claim.id}")
    if form.validate_on_submit():
        try:
            if form.approve.data:
                claiming.approve_claim(claim, current_user)
                flash(gettext("Claim approved: “%(name)s” is now theirs.", name=claim.listing.name),
                      "success")
            else:
                claiming.reject_claim(claim, current_user, form.note.data or "")
                flash(gettext("Claim refused."), "success")
        except ClaimError as error:
            flash(str(error), "error")
    return redirect(url_for(".claims"))


@blueprint.route("/listings/<slug>/claim", methods=["GET", "POST"])
@login_required
def claim(slug: str):
    listing = listing_services.public_listing(slug)
    record = claiming.claimable(listing) if listing is not None else None
    if listing is None or record is None:
        abort(404)
    form = ClaimForm()
    # The choices' values are positions: the page must not carry the addresses themselves.
    form.address.choices = [SelectChoice(str(number), claiming.masked(address))
                            for number, address in enumerate(record.emails)]
    if form.validate_on_submit():
        try:
            if form.send_link.data and record.emails:
                chosen = form.address.data or ""
                known = chosen.isdigit() and int(chosen) < len(record.emails)
                address = record.emails[int(chosen)] if known else ""
                claiming.send_claim_link(listing, current_user, address, form.keep_following.data)
                flash(gettext("We sent a link to that address. Open it while signed in here."), "success")
                return redirect(url_for("listings.detail", slug=slug))
            made = claiming.request_claim(listing, current_user, form.message.data or "",
                                          form.keep_following.data)
        except ClaimError as error:
            form.form_errors.append(str(error))
        else:
            if made.status == "approved":
                flash(gettext("“%(name)s” is yours now: the source lists your address.", name=listing.name),
                  "success")
                return redirect(url_for("owner.dashboard"))
            flash(gettext("Thank you. An admin will check your claim and write to you."), "success")
            return redirect(url_for("listings.detail", slug=slug))
    return render_template("sources/claim.html", listing=listing, record=record, form=form), (
        400 if form.errors or form.form_errors else 200)


@blueprint.get("/claims/confirm/<token>")
@login_required
def confirm_claim(token: str):
    try:
        listing = claiming.confirm_claim_link(token, current_user)
    except ClaimError as error:
        return render_template("sources/claim_failed.html", message=str(error)), 400
    flash(gettext("“%(name)s” is yours now.", name=listing.name), "success")
    return redirect(url_for("owner.dashboard"))


@blueprint.route("/listings/<slug>/source", methods=["GET", "POST"])
@login_required
def following(slug: str):
    """The owner of a claimed listing chooses whether syncs keep updating it."""
    listing = listing_services.listing_by_slug(slug)
    record = registry.record_of(listing.id) if listing is not None else None
    if listing is None or record is None or listing.owner_id != current_user.id:
        abort(404)
    form = FollowingForm(following=record.following)
    if form.validate_on_submit():
        claiming.set_following(listing, current_user, form.following.data)
        flash(gettext("Saved: syncs keep updating this listing.") if form.following.data
              else gettext("Saved: syncs leave this listing alone."), "success")
        return redirect(url_for("listings.detail", slug=slug))
    return render_template("sources/following.html", listing=listing, record=record, form=form)
