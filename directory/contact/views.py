"""The "Get in touch" form on every published listing, and the admin's view of messages kept for a report."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import db, limiter
from ..i18n import gettext, ngettext
from ..listings.models import Listing
from ..moderation.access import admin_required
from . import services
from .forms import ContactForm

logger = logging.getLogger(__name__)

blueprint = Blueprint("contact", __name__)

# The session key of a visitor's random id: his own contact allowance, whoever shares his address.
VISITOR_KEY = "contact_visitor"
# The session key of the message he sent last (id, listing slug, whether it left at once): the "sent"
# page shows him his copy from it, and only his browser can download it.
SENT_KEY = "contact_sent"


def _visitor_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT_VISITOR"]


def _visitor_key() -> str:
    """One counter per visitor, from the id in his signed session cookie; a client that keeps no cookie
    shares its address's."""
    visitor = session.get(VISITOR_KEY)
    return f"visitor:{visitor}" if isinstance(visitor, str) else f"address:{get_remote_address()}"


def _ip_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT_IP"]


def _listing_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT_LISTING"]


def _listing_key() -> str:
    """One counter per listing, whoever writes: a flood at one organiser stops even from many addresses."""
    return "listing:" + str((request.view_args or {}).get("slug", ""))


def _accepted(response) -> bool:
    """Only a message that went through counts: a visitor fixing a typo in the form is not refused later."""
    return response.status_code in (302, 303)


@blueprint.route("/listings/<slug>/contact", methods=["GET", "POST"])
@limiter.limit(_visitor_limit, methods=["POST"], deduct_when=_accepted, key_func=_visitor_key)
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_accepted, key_func=get_remote_address)
@limiter.limit(_listing_limit, methods=["POST"], deduct_when=_accepted, key_func=_listing_key)
def contact_form(slug: str):
    listing = services.contactable_listing(slug)
    if listing is None:
        abort(404)
    if VISITOR_KEY not in session:
        session[VISITOR_KEY] = secrets.token_urlsafe(12)
    form = ContactForm()
    notice = None
    if form.validate_on_submit():
        if form.homepage.data:
            # A script filled in the trap. Look like success so it learns nothing; send nothing.
            logger.info("contact form trap filled for listing %s", listing.id)
            return redirect(url_for("contact.sent", slug=slug), code=303)
        try:
            services.check_form_token(form.started.data, slug)
            record, sent = services.send_contact_message(
                listing,
                name=form.name.data,
                email=form.email.data,
                message=form.message.data,
                how_to_reach=form.how_to_reach.data or "",
                check_in=bool(form.check_in.data),
            )
        except services.FormTooFast as error:
            notice = str(error)  # keep the original timestamp: the wait is nearly over
        except services.FormStale as error:
            notice = str(error)
            form.started.data = services.form_token(slug)
        else:
            session[SENT_KEY] = {"id": record.id, "slug": slug, "sent": sent,
                                 "check_in": bool(form.check_in.data)}
            return redirect(url_for("contact.sent", slug=slug), code=303)
    elif request.method == "POST":
        # Keep the original timestamp if it is ours; otherwise start the clock again.
        try:
            services.check_form_token(form.started.data, slug)
        except services.FormStale:
            form.started.data = services.form_token(slug)
        except services.FormTooFast:
            pass
    else:
        form.started.data = services.form_token(slug)
    status = 200 if request.method == "GET" else 422
    return (
        render_template(
            "contact/form.html",
            listing=listing,
            form=form,
            notice=notice,
            join_link_on_request=services.shows_join_link_on_request(listing),
            retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
        ),
        status,
    )


def _sent_here(listing: Listing) -> tuple[object, bool]:
    """(his message to this listing, whether it left at once), from this browser's session."""
    note = session.get(SENT_KEY)
    if not isinstance(note, dict) or note.get("slug") != listing.slug:
        return None, False
    return services.own_message(note.get("id"), listing), bool(note.get("sent"))


@blueprint.get("/listings/<slug>/contact/sent")
def sent(slug: str):
    listing = services.contactable_listing(slug)
    if listing is None:
        abort(404)
    record, left = _sent_here(listing)
    note = session.get(SENT_KEY)
    response = current_app.make_response(render_template(
        "contact/sent.html",
        check_in=record is not None and isinstance(note, dict) and bool(note.get("check_in")),
        listing=listing,
        record=record,
        left=left,
        join_url=services.join_url_for_visitor(listing) if record is not None else "",
        retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
    ))
    response.headers["Cache-Control"] = "no-store"  # his own words: never kept by a shared cache
    return response


@blueprint.get("/listings/<slug>/contact/sent/copy.txt")
def sent_copy(slug: str):
    """His copy as a text file, for this browser only: nothing is mailed to an address nobody confirmed."""
    listing = services.contactable_listing(slug)
    record = _sent_here(listing)[0] if listing is not None else None
    if listing is None or record is None:
        abort(404)
    text = render_template("contact/copy.txt", listing=listing, record=record,
                           join_url=services.join_url_for_visitor(listing))
    response = current_app.response_class(text, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="message-to-{listing.slug}.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.errorhandler(429)
def too_many(error):
    """A friendly page that says when the visitor can write again, not a bare 429."""
    wait = _seconds_until_allowed()
    slug = (request.view_args or {}).get("slug")
    listing = services.contactable_listing(slug) if slug else None
    # What they wrote is shown back so it is not lost; it is not stored or sent.
    written = request.form.get("message", "")[:10000] if request.method == "POST" else ""
    response = current_app.make_response(
        render_template(
            "contact/slow_down.html", wait_text=_wait_text(wait), listing=listing, written=written
        )
    )
    response.status_code = 429
    if wait:
        response.headers["Retry-After"] = str(wait)
    return response


@blueprint.get("/admin/listings/<int:listing_id>/messages")
@admin_required
def admin_messages(listing_id: int):
    """Only for a reported listing, so reading people's messages is tied to looking into a report."""
    listing = db.get_or_404(Listing, listing_id)
    try:
        messages = services.messages_for_review(listing, current_user)
    except services.NotReported:
        abort(404)
    logger.info(
        "admin %s read the %s kept messages of listing %s", current_user.id, len(messages), listing.id
    )
    return render_template(
        "contact/admin_messages.html",
        listing=listing,
        messages=messages,
        retention_days=current_app.config["CONTACT_RETENTION_DAYS"],
    )


@blueprint.post("/admin/listings/<int:listing_id>/messages/delete")
@admin_required
def delete_message(listing_id: int):
    """Delete a kept message before its time: the sender asked, or it is abuse that has been dealt with."""
    listing = db.get_or_404(Listing, listing_id)
    message_id = request.form.get("message_id", type=int)
    if message_id is None:
        abort(400)
    try:
        deleted = services.delete_message(listing, message_id, current_user)
    except services.NotReported:
        abort(404)
    if not deleted:
        abort(404)
    flash(gettext("The message was deleted."), "success")
    return redirect(url_for("contact.admin_messages", listing_id=listing.id), code=303)


def _seconds_until_allowed() -> int | None:
    breached = [limit for limit in limiter.current_limits if limit.breached]
    if not breached:
        return None
    return max(1, max(limit.reset_at for limit in breached) - int(time.time()))


def _wait_text(seconds: int | None) -> str:
    """'in about 7 minutes', 'in about 3 hours', 'tomorrow': a person's sense of time, not a timestamp."""
    if seconds is None:
        return gettext("in a little while")
    if seconds < 90:
        return gettext("in a minute or so")
    if seconds < 90 * 60:
        minutes = round(seconds / 60)
        return ngettext("in about %(num)d minute", "in about %(num)d minutes", minutes)
    if seconds < 20 * 3600:
        hours = round(seconds / 3600)
        return ngettext("in about %(num)d hour", "in about %(num)d hours", hours)
    return gettext("tomorrow")
