"""Server logs keep paths, never query strings: `/search?near=10001&topic=addiction` says who looked for what.

The development server (werkzeug) and gunicorn both log the request line with its query string by default.
gunicorn.conf.py sets an access-log format without it; this filter is the second line of defence, for the
development server and for gunicorn started without that file. Referrers are stripped too, since a page
reached from a search carries the search in its Referer header. Rate-limit log lines lose the key they were
counted by (an IP or e-mail address).
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping

from flask import Flask

# A "?" and everything up to the next space or quote: the query part of a request line, path or referrer.
QUERY = re.compile(r"\?[^\s\"']*")
# gunicorn's access-log atoms that hold a query string on their own.
GUNICORN_QUERY_ATOMS = ("q", "{query_string}e")
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


def strip_query(value: object) -> object:
    """`/search?near=10001` -> `/search`; anything that is not a string is returned unchanged."""
    return QUERY.sub("", value) if isinstance(value, str) else value


class QueryStringFilter(logging.Filter):
    """Rewrites request log records in place so no handler ever sees a query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = strip_query(record.msg)
        if isinstance(record.args, MutableMapping):
            # gunicorn passes its own dict subclass (missing atoms read as "-"): change it in place.
            atoms = record.args
            for key in list(atoms):
                atoms[key] = "" if key in GUNICORN_QUERY_ATOMS else strip_query(atoms[key])
        elif isinstance(record.args, tuple):
            record.args = tuple(strip_query(value) for value in record.args)
        return True


class RateLimitKeyFilter(logging.Filter):
    """Flask-Limiter logs the key of every limit hit ("ratelimit 3 per 10 minutes (203.0.113.9) exceeded"):
    an IP address, or an e-mail address for per-account limits. The limit and the page are enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        is_limit_line = isinstance(record.msg, str) and record.msg.startswith("ratelimit ")
        if is_limit_line and isinstance(record.args, tuple) and len(record.args) == 3:
            record.args = (record.args[0], "key withheld", record.args[2])
        return True


def install_query_string_filter() -> None:
    """Attach the filter to the request loggers once per process, however many apps are built."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, QueryStringFilter) for existing in logger.filters):
            logger.addFilter(QueryStringFilter())


def register_log_privacy(app: Flask) -> None:
    """Called by create_app: request logs of this process drop query strings, limit logs their keys."""
    install_query_string_filter()
    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(existing, RateLimitKeyFilter) for existing in limiter_log.filters):
        limiter_log.addFilter(RateLimitKeyFilter())
