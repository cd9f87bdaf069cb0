"""The reminder link's page: an owner says their listing still meets, has stopped, or needs a change."""

from __future__ import annotations

from flask import redirect, render_template, url_for

from ..i18n import gettext
from ..listings.freshness import freshness
from ..listings.models import STATUS_EXPIRED
from . import reminders, services
from .blueprint import blueprint
from .forms import StillMeetingForm
from .rules import ModerationError


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
                message = (gettext("Thank you! “%(name)s” is confirmed as current and is back in the search.",
                                   name=listing.name) if was_expired
                           else gettext("Thank you! “%(name)s” is confirmed as current.", name=listing.name))
                return render_template(
                    "moderation/still_meeting_done.html", listing=listing, failed=False, message=message,
                )
            if answer == "stopped":
                services.withdraw(listing, owner, via="reminder link")
                return render_template(
                    "moderation/still_meeting_done.html", listing=listing, failed=False,
                    message=gettext("Thank you for letting us know. “%(name)s” is no longer listed.",
                                    name=listing.name),
                )
            if answer == "change":
                # The owner's edit page asks them to sign in first.
                return redirect(url_for("owner.edit", listing_id=listing.id))
        except ModerationError as error:
            return render_template("moderation/still_meeting_done.html", message=str(error), listing=listing,
                                   failed=True), 400
    return render_template("moderation/still_meeting.html", listing=listing, form=form,
                           freshness=freshness(listing))

