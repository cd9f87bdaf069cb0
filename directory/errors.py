"""Error pages: a clear message in the site's own layout (or JSON under /api/), never a traceback."""

from __future__ import annotations

import logging
import time

from flask import Flask, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .extensions import db
from .i18n import N_, current_locale, gettext, ngettext

logger = logging.getLogger(__name__)

# Marked here, said in the visitor's language when the page is made.
MESSAGES = {
    400: (N_("Something in that request was not right"), N_("Please go back and try again.")),
    403: (N_("You can't open this page"), N_("Your account does not have access to it.")),
    404: (N_("We couldn't find that page"),
          N_("It may have moved, or the listing may no longer be published.")),
    405: (N_("That didn't work"),
          N_("This page can't be used that way. Please go back and use the form on the page.")),
    413: (N_("That was too much to send"), N_("Please shorten what you wrote, then send it again.")),
    429: (N_("Please slow down"),
          N_("Too many attempts in a short time. Please wait a little and try again.")),
    500: (N_("Something went wrong on our side"), N_("It's not you. Please try again in a moment.")),
    503: (N_("The site is having trouble right now"), N_("Please try again in a minute or two.")),
}
RETRY_AFTER_SECONDS = 30
FALLBACK_PAGE = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><main><h1>{title}</h1><p>{message}</p></main></body></html>"
)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, description: str | None = None, retry_after: int | None = None):
    title, message = (gettext(text) for text in MESSAGES.get(code, MESSAGES[500]))
    if wants_json():
        response = jsonify({"error": {"status": code, "title": title, "message": description or message}})
    else:
        try:
            page = render_template("errors/error.html", code=code, title=title, message=message,
                                   detail=description)
        except Exception:  # noqa: BLE001 - the layout itself failed; still never show a traceback
            logger.exception("error page could not be rendered")
            page = FALLBACK_PAGE.format(title=title, message=message, lang=current_locale())
        response = make_response(page)
    response.status_code = code
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        code = error.code or 500
        detail = None
        if code == 429:
            wait = _retry_after(error)
            detail = _in_words(wait) if wait else None
            return render_error(429, detail, retry_after=wait)
        if code in (400, 404) and wants_json() and error.description:
            detail = error.description
        if code >= 500:
            db.session.rollback()
        response = render_error(code, detail, retry_after=RETRY_AFTER_SECONDS if code == 503 else None)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def handle_database_down(error):
        """A database that is down or saturated is a 503 with Retry-After, not a 500."""
        logger.error("database unavailable: %s", error.__class__.__name__)
        _safe_rollback()
        return render_error(503, retry_after=RETRY_AFTER_SECONDS)

    @app.errorhandler(DBAPIError)
    def handle_database_error(error: DBAPIError):
        _safe_rollback()
        if error.connection_invalidated:
            logger.error("database connection lost")
            return render_error(503, retry_after=RETRY_AFTER_SECONDS)
        logger.exception("database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http_error(error)
        logger.exception("unhandled error on %s %s", request.method, request.path)
        _safe_rollback()
        return render_error(500)


def _retry_after(error: HTTPException) -> int | None:
    """Seconds until Flask-Limiter lets the client in: when the breached window resets, else its size."""
    from .extensions import limiter

    try:
        current = limiter.current_limit
        if current is not None and current.breached:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - storage trouble: fall back to the window's length
        logger.warning("rate limit reset time unavailable")
    limit = getattr(error, "limit", None)
    window = getattr(getattr(limit, "limit", None), "get_expiry", None)
    return int(window()) if callable(window) else None


def _in_words(seconds: int) -> str:
    """'You can try again in about 40 seconds', '... in about 3 minutes', '... in about 2 hours'."""
    if seconds < 90:
        return ngettext("You can try again in about %(num)d second.",
                        "You can try again in about %(num)d seconds.", seconds)
    if seconds < 90 * 60:
        minutes = round(seconds / 60)
        return ngettext("You can try again in about %(num)d minute.",
                        "You can try again in about %(num)d minutes.", minutes)
    hours = round(seconds / 3600)
    return ngettext("You can try again in about %(num)d hour.",
                    "You can try again in about %(num)d hours.", hours)


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool will replace it
        logger.warning("rollback failed after a database error")

