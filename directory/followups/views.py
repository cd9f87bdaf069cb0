"""The check-in mail's pages, the "Usually answers" mark for listing pages and cards, and the admins' list of
listings that may not be answering."""

from __future__ import annotations

from flask import Blueprint, abort, g, make_response, render_template, request

from ..database import commit
from ..extensions import csrf
from ..moderation.access import admin_required
from . import services
from .models import ANSWERS, NO, NOT_YET

blueprint = Blueprint("followups", __name__)


def _private(response):
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def usually_answers(listing_id: int) -> bool:
    """For templates: one query per request, however many cards the page has."""
    if "usually_answering" not in g:
        g.usually_answering = services.usually_answering()
    return listing_id in g.usually_answering


@blueprint.app_context_processor
def answer_helpers():
    return {"usually_answers": usually_answers}


def _problem(error: services.LinkError):
    status = 410 if isinstance(error, services.CheckInGone) else 400
    return _private(make_response(render_template("followups/link_problem.html", message=str(error)), status))


@blueprint.route("/did-they-answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    """GET asks (a mail scanner following the link records nothing); POST records one answer for the
    listing. "No" and "Not yet" show three other listings near the same place, and the crisis line."""
    try:
        checkin = services.read_token(token)
    except services.LinkError as error:
        return _problem(error)
    listing = services.listing_of(checkin)
    if listing is None:
        abort(404)
    chosen = (request.form if request.method == "POST" else request.args).get("answer", "")
    if chosen not in ANSWERS:
        chosen = ""
    recorded = already = False
    if request.method == "POST" and chosen:
        recorded = services.record_answer(checkin, chosen)
        already = not recorded
        commit()
    alternatives = services.alternatives(listing) if chosen in (NO, NOT_YET) else []
    return _private(make_response(render_template(
        "followups/answer.html", listing=listing, token=token, chosen=chosen, recorded=recorded,
        already=already or (checkin.answered_at is not None and not recorded), alternatives=alternatives),
        200 if request.method == "GET" or chosen else 422))


@blueprint.route("/did-they-answer/<token>/forget", methods=["GET", "POST"])
@csrf.exempt  # a mail program's one-click unsubscribe POSTs without a form (RFC 8058): the token is the key
def forget(token: str):
    try:
        checkin = services.read_token(token)
    except services.LinkError as error:
        return _problem(error)
    if request.method == "POST":
        services.forget(checkin)
        commit()
        return _private(make_response(render_template("followups/forgotten.html")))
    return _private(make_response(render_template("followups/forget.html", token=token)))


@blueprint.get("/admin/may-not-be-answering")
@admin_required
def not_answering():
    return render_template("followups/admin.html", rows=services.may_not_be_answering(),
                           threshold=services.NO_THRESHOLD, days=services.NO_WINDOW.days)
