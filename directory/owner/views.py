"""The owner's side of listings under /my: a dashboard, one form to create and edit, and the actions.

Every route loads the listing through `_owned_listing`, which answers 404 to anyone but its owner or an
admin, so nobody learns that someone else's draft exists.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..followups import services as followups
from ..i18n import N_, current_locale, gettext
from ..listings import services
from ..listings.models import KIND_GROUP, KIND_MENTOR, KINDS, STATUS_PUBLISHED, Listing
from ..listings.services import ListingError
from ..listings.snapshots import snapshot
from ..moderation import revisions
from ..moderation import services as moderation
from ..moderation.rules import ModerationError, NothingToReview
from .forms import ListingForm, place_and_zone
from .meetings import MeetingForm

logger = logging.getLogger(__name__)

blueprint = Blueprint("owner", __name__, url_prefix="/my")

REVISION_NOTICE = N_("Your changes will be visible after review; the current version stays public meanwhile.")


@blueprint.before_request
@login_required
def _signed_in() -> None:
    """Every page here belongs to a signed-in owner."""


def _owned_listing(listing_id: int) -> Listing:
    """The listing, if the signed-in user owns it (or is an admin); 404 otherwise, never 403."""
    listing = db.get_or_404(Listing, listing_id)
    if not services.can_manage(current_user, listing):
        abort(404)
    return listing


def _back_to_dashboard(listing: Listing | None = None):
    anchor = f"#listing-{listing.id}" if listing is not None and listing.id else ""
    return redirect(url_for("owner.dashboard") + anchor)


@blueprint.get("/listings")
def dashboard():
    listings = services.listings_owned_by(current_user)
    waiting = revisions.pending_revision_ids([listing.id for listing in listings])
    return render_template("owner/dashboard.html", listings=listings, waiting=waiting,
                           sent_back=services.SENT_BACK_STATUSES,
                           answers=followups.summaries([listing.id for listing in listings]),
                           answer_days=followups.YES_WINDOW.days)


@blueprint.get("/place")
def place():
    """The form's script asks what a town or ZIP resolves to, to show its time zone before saving."""
    found = place_and_zone((request.args.get("q") or "")[:100])
    return jsonify(found=found is not None, **(found or {}))


@blueprint.route("/listings/new", methods=["GET", "POST"])
def create():
    kind = request.args.get("kind", "")
    if kind not in KINDS:
        return render_template("owner/choose_kind.html")
    if request.method == "POST":
        form = ListingForm(kind=kind)
        if form.check(complete=form.wants_review):
            try:
                listing = services.create_listing(current_user, kind, form.to_data())
            except ListingError as error:
                form.form_errors.append(str(error))
            else:
                _flash_other_places(form)
                if form.wants_review:
                    return _submit_after_save(listing)
                flash(gettext("Draft saved. It is not public; submit it for review when it is ready."),
                      "success")
                return redirect(url_for("owner.edit", listing_id=listing.id))
        form.add_blank_meetings()
    else:
        form = ListingForm.from_data(kind, _new_listing_defaults())
        _prefill(form)
    return _render_form(form, listing=None, kind=kind, mode="in_place")


def _prefill(form: ListingForm) -> None:
    """A link such as "Start a group here" names the place and topics (`place`, `topic`): the new form starts
    with them, and the place is looked up when the form is saved, as if typed."""
    place = " ".join((request.args.get("place") or "").split())[:100]
    if place:
        form.location.data = place
    known = {str(choice.value) for choice in form.topics.choices or []}
    topics = [slug for slug in request.args.getlist("topic")[:20] if slug in known]
    if topics:
        form.topics.data = sorted(set(topics))


@blueprint.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
def edit(listing_id: int):
    listing = _owned_listing(listing_id)
    mode = services.edit_mode(listing)
    if mode is None:
        flash(gettext("A withdrawn listing can't be edited."), "warning")
        return _back_to_dashboard(listing)
    revision = revisions.pending_revision(listing) if mode == "revision" else None
    stored = revision.data if revision is not None else snapshot(listing)
    # Pending and approved listings only take complete changes: they are (or will be) public.
    full = mode == "revision" or listing.status == "pending"

    if request.method == "POST":
        form = ListingForm(kind=listing.kind, stored=stored)
        if form.check(complete=full or form.wants_review):
            response = _save_changes(listing, mode, form)
            if response is not None:
                return response
        form.add_blank_meetings()
    else:
        form = ListingForm.from_data(listing.kind, stored)
        if request.args.get("check"):
            form.require_complete()
    return _render_form(form, listing=listing, kind=listing.kind, mode=mode, revision=revision)


def _render_form(form: ListingForm, **context: Any):
    """The listing form, with a blank meeting row the script copies for 'Add another meeting'."""
    template_row = MeetingForm(prefix="meetings-__index__-") if context["kind"] == KIND_GROUP else None
    return render_template("owner/form.html", form=form, meeting_template=template_row,
                           sent_back=services.SENT_BACK_STATUSES, **context)


def _save_changes(listing: Listing, mode: str, form: ListingForm):
    """Apply a valid form: in place for unpublished listings, as a revision for approved ones."""
    data = form.to_data()
    _flash_other_places(form)
    try:
        if mode == "revision":
            revisions.propose_revision(listing, current_user, data)
            flash(gettext("Thank you. %(notice)s", notice=gettext(REVISION_NOTICE)), "success")
            return _back_to_dashboard(listing)
        services.update_listing(listing, data)
    except NothingToReview:
        flash(gettext("You didn't change anything, so there is nothing to review."), "info")
        return _back_to_dashboard(listing)
    except (ModerationError, ListingError) as error:
        form.form_errors.append(str(error))
        return None
    if form.wants_review and listing.status in services.SUBMITTABLE_STATUSES:
        return _submit_after_save(listing)
    flash(gettext("Changes saved.") if listing.status == "pending" else gettext("Draft saved."), "success")
    return redirect(url_for("owner.edit", listing_id=listing.id))


def _flash_other_places(form: ListingForm) -> None:
    """A place name several towns share: say which one we took, so the owner can correct it."""
    if form.alternatives and form.place:
        shown = services.public_place({**form.to_data(), "location_precision": "approximate"})
        flash(gettext("We placed it %(place)s. If you meant another one (%(others)s), add the state or the "
                      "ZIP/postcode to the town.", place=shown, others="; ".join(form.alternatives)), "info")


def _submit_after_save(listing: Listing):
    """The form's 'Submit for review' button: the listing is saved; now ask for review."""
    if not current_user.is_confirmed:
        flash(gettext("Your draft is saved. Confirm your e-mail address, then submit it for review."),
              "warning")
        return redirect(url_for("owner.edit", listing_id=listing.id))
    try:
        moderation.submit(listing, current_user)
    except ModerationError as error:
        flash(gettext("Your draft is saved, but it could not be submitted: %(why)s", why=str(error)), "error")
        return redirect(url_for("owner.edit", listing_id=listing.id))
    flash(gettext("Sent for review. We'll e-mail you when an admin has looked at it."), "success")
    return _back_to_dashboard(listing)


@blueprint.post("/listings/<int:listing_id>/submit")
def submit(listing_id: int):
    listing = _owned_listing(listing_id)
    if listing.status not in services.SUBMITTABLE_STATUSES:
        flash(gettext("This listing can't be submitted for review in its current state."), "warning")
        return _back_to_dashboard(listing)
    if not current_user.is_confirmed:
        flash(gettext("Please confirm your e-mail address before submitting a listing for review."),
              "warning")
        return _back_to_dashboard(listing)
    if services.missing_for_review(listing.kind, snapshot(listing)):
        flash(gettext("A few things are still missing before it can be reviewed. They are marked below."),
              "warning")
        return redirect(url_for("owner.edit", listing_id=listing.id, check=1))
    return _submit_after_save(listing)


def _moderation_action(listing_id: int, action, done: str):
    """Pause, resume and reconfirm: one moderation call, a message, back to the dashboard."""
    listing = _owned_listing(listing_id)
    try:
        action(listing, current_user)
    except ModerationError as error:
        flash(str(error), "error")
    else:
        flash(gettext(done, name=listing.name), "success")
    return _back_to_dashboard(listing)


@blueprint.post("/listings/<int:listing_id>/pause")
def pause(listing_id: int):
    return _moderation_action(listing_id, moderation.pause,
                              N_("“%(name)s” is paused: it is hidden from search until you resume it."))


@blueprint.post("/listings/<int:listing_id>/resume")
def resume(listing_id: int):
    return _moderation_action(listing_id, moderation.resume, N_("“%(name)s” is public again."))


@blueprint.post("/listings/<int:listing_id>/reconfirm")
def reconfirm(listing_id: int):
    return _moderation_action(
        listing_id, lambda listing, actor: moderation.reconfirm(listing, actor, via="dashboard"),
        N_("Thank you for confirming “%(name)s” is up to date."),
    )


@blueprint.route("/listings/<int:listing_id>/withdraw", methods=["GET", "POST"])
def withdraw(listing_id: int):
    listing = _owned_listing(listing_id)
    if listing.status == "withdrawn":
        flash(gettext("This listing is already withdrawn."), "info")
        return _back_to_dashboard(listing)
    if request.method == "GET":
        waiting = listing.id in revisions.pending_revision_ids([listing.id])
        return render_template("owner/confirm.html", listing=listing, action="withdraw", waiting_edit=waiting)
    try:
        moderation.withdraw(listing, current_user, via="dashboard")
    except ModerationError as error:
        flash(str(error), "error")
    else:
        flash(gettext("“%(name)s” is withdrawn. It is no longer public.", name=listing.name), "success")
    return _back_to_dashboard(listing)


@blueprint.route("/listings/<int:listing_id>/delete", methods=["GET", "POST"])
def delete(listing_id: int):
    listing = _owned_listing(listing_id)
    if listing.status not in services.DELETABLE_STATUSES:
        flash(gettext("Only drafts and withdrawn listings can be deleted. Withdraw it first."), "warning")
        return _back_to_dashboard(listing)
    if request.method == "GET":
        return render_template("owner/confirm.html", listing=listing, action="delete")
    name = listing.name
    try:
        services.delete_listing(listing, current_user)
    except ListingError as error:
        flash(str(error), "error")
        return _back_to_dashboard(listing)
    flash(gettext("“%(name)s” is deleted.", name=name), "success")
    return _back_to_dashboard()


def _new_listing_defaults() -> dict[str, Any]:
    return {
        "contact_email": current_user.email,
        "contact_enabled": True,
        "accepting_mentees": True,
        # A listing is most likely held in the language its owner reads the site in.
        "languages": [current_locale()],
        "format": "in_person",
        "cost": "free",
        "meetings": [],
    }


# (label, badge tone, one plain sentence) per status, as the dashboard says it.
OWNER_STATUS_WORDS = {
    "draft": (N_("Draft"), "neutral", N_("Only you can see it. Submit it for review when it is ready.")),
    "pending": (N_("Waiting for review"), "info", N_("An admin will look at it soon. We'll e-mail you.")),
    STATUS_PUBLISHED: (N_("Published"), "success", N_("People can find it in the search.")),
    "changes_requested": (N_("Changes requested"), "warning",
                          N_("An admin asked for changes before it can be published.")),
    "rejected": (N_("Rejected"), "danger",
                 N_("An admin did not approve it. You can change it and submit again.")),
    "paused": (N_("Paused"), "neutral", N_("Hidden from search until you resume it.")),
    "expired": (N_("Expired"), "warning",
                N_("Hidden from search because it wasn't confirmed in a long while. "
                   "Confirm it is still right to bring it back.")),
    "withdrawn": (N_("Withdrawn"), "neutral", N_("No longer public. You can delete it.")),
    "unpublished": (N_("Unpublished by an admin"), "danger",
                    N_("It is no longer public. You can change it and send it for review again.")),
}


@blueprint.app_template_global()
def owner_status(listing: Listing) -> dict[str, str]:
    """The status as the dashboard says it: a short label, a tone for its badge and one plain sentence."""
    status = listing.status
    note = listing.moderation_note or ""
    if status in OWNER_STATUS_WORDS:
        label, tone, sentence = OWNER_STATUS_WORDS[status]
        return {"label": gettext(label), "tone": tone, "sentence": gettext(sentence), "note": note}
    return {"label": status.replace("_", " ").capitalize(), "tone": "neutral", "sentence": "", "note": note}


@blueprint.app_template_global()
def owner_place(listing: Listing) -> str:
    """Where the listing shows, as the public sees it ('near Dayton, OH', 'Online')."""
    return services.public_place({field: getattr(listing, field) for field in services.PUBLIC_PLACE_FIELDS})


@blueprint.app_template_global()
def owner_kind_label(kind: str) -> str:
    return {KIND_GROUP: gettext("Group"), KIND_MENTOR: gettext("Mentor")}.get(kind, kind)
