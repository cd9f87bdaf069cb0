"""Alert pages: the form (also shown on thin searches and area pages), and the links in alert mail.

Pages reached by a link carry its token in their address: never stored by a shared cache, never sent on
as a Referer.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from ..database import commit
from ..extensions import csrf, limiter
from ..listings.forms import options
from ..outbox import deliver
from . import services
from .forms import AlertForm

logger = logging.getLogger(__name__)

blueprint = Blueprint("alerts", __name__)


def _limit() -> str:
    return current_app.config["ALERT_RATE_LIMIT"]


def _accepted(response) -> bool:
    return response.status_code in (302, 303)


def _private(response):
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _from_elsewhere() -> bool:
    """A browser names the page a form was sent from (Origin); another site's is refused. Mail programs and
    scripts send none, and gain nothing a plain request would not give them."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return bool(origin)
    site = urlsplit(current_app.config["SITE_URL"])
    sent = urlsplit(origin)
    return (sent.scheme, sent.netloc) != (site.scheme, site.netloc)


@blueprint.route("/alerts/new", methods=["GET", "POST"])
# No session token: the box sits on searches and area pages, which set no cookie (and may be cached); a
# sign-up does nothing a stranger could not do himself, and the Origin check refuses other sites' forms.
@csrf.exempt
@limiter.limit(_limit, methods=["POST"], deduct_when=_accepted, key_func=get_remote_address)
def new():
    if request.method == "POST" and _from_elsewhere():
        abort(403)
    form = AlertForm(request.form if request.method == "POST" else request.args, meta={"csrf": False})
    form.topics.choices = options(*services.topic_choices())
    if request.method == "POST" and form.validate():
        if form.homepage.data:
            logger.info("alert form trap filled")
            return redirect(url_for("alerts.check_inbox"), code=303)
        try:
            place = services.alert_place(form.near.data)
            mail = services.subscribe(form.email.data, place, form.radius.data, form.topics.data)
        except services.AlertError as error:
            form.near.errors = [*form.near.errors, str(error)]
        else:
            commit()
            if mail is not None:
                deliver(mail)
            return redirect(url_for("alerts.check_inbox"), code=303)
    elif request.method == "GET":
        form.validate_topics(form.topics)
        form.email.errors, form.near.errors = [], []
    status = 422 if request.method == "POST" else 200
    return render_template("alerts/new.html", form=form), status


@blueprint.get("/alerts/check-your-inbox")
def check_inbox():
    return render_template("alerts/check_inbox.html",
                           confirm_hours=int(current_app.config["ALERT_CONFIRM_MAX_AGE"]) // 3600)


def _token_page(purpose: str, token: str, template: str, act, done_template: str):
    """GET shows what the link does and a button; POST does it (mail scanners follow links, and must
    not confirm or stop anything by visiting)."""
    try:
        alerts = services.read_token(purpose, token)
    except services.LinkError as error:
        status = 410 if isinstance(error, services.AlertGone) else 400
        page = render_template("alerts/link_problem.html", message=str(error))
        return _private(make_response(page, status))
    if request.method == "POST":
        places = [alert.place for alert in alerts]  # read before a stop deletes them
        act(alerts)
        commit()
        return _private(make_response(render_template(done_template, places=places)))
    return _private(make_response(render_template(template, alerts=alerts, token=token,
                                                  topic_names=dict(services.topic_choices()))))


@blueprint.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    return _token_page(services.PURPOSE_CONFIRM, token, "alerts/confirm.html", services.confirm,
                       "alerts/confirmed.html")


@blueprint.route("/alerts/renew/<token>", methods=["GET", "POST"])
def renew(token: str):
    return _token_page(services.PURPOSE_RENEW, token, "alerts/renew.html", services.renew,
                       "alerts/renewed.html")


@blueprint.route("/alerts/stop/<token>", methods=["GET", "POST"])
@csrf.exempt  # a mail program's one-click unsubscribe POSTs without a form (RFC 8058): the token is the key
def stop(token: str):
    return _token_page(services.PURPOSE_STOP, token, "alerts/stop.html", services.stop, "alerts/stopped.html")
