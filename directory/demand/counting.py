"""Counting a search: which searches count, once per visitor, cell and day, and the one upsert that counts it.

Nothing about the visitor is stored with a count. To count him once per cell a day, his browser keeps the
day's cells in a signed cookie that only /search receives and that ends at midnight (UTC); scripts, crawlers
and link previews are not counted at all.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Date, bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from ..database import commit
from ..extensions import db
from .cells import Cell, cell_of
from .models import OUTCOME_FEW, OUTCOME_MORE, OUTCOME_NONE, TOPIC_KEY_LENGTH

logger = logging.getLogger(__name__)

COOKIE_NAME = "searched_cells"
COOKIE_PATH = "/search"
COOKIE_SALT = "demand-cells"
# A browser that searched this many cells in a day is a script walking the map: no more counts from it.
MAX_CELLS_A_DAY = 30
# More topics than this in one search is not a man looking for something: not counted.
MAX_TOPICS = 3
# Programs that fetch pages on their own: crawlers, link previews, monitors, test and HTTP libraries.
BOT_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiv|headless|lighthouse|pagespeed|preview|facebookexternalhit|embedly|"
    r"monitor|uptime|pingdom|scan|check|validator|fetch|python|curl|wget|libwww|java/|go-http|okhttp|"
    r"httpclient|axios|node|phantom|selenium|puppeteer|playwright|werkzeug|postman|insomnia",
    re.IGNORECASE,
)


# The one statement a counted search costs, the same on SQLite and PostgreSQL. Written once: building an ORM
# insert for every search cost more than running it.
UPSERT = text(
    "INSERT INTO demand_counts (day, cell_row, cell_col, topics, outcome, searches) "
    "VALUES (:day, :cell_row, :cell_col, :topics, :outcome, 1) "
    "ON CONFLICT (day, cell_row, cell_col, topics, outcome) "
    "DO UPDATE SET searches = demand_counts.searches + 1"
).bindparams(bindparam("day", type_=Date))


NO_WAIT = text("SET LOCAL synchronous_commit TO OFF")


@dataclass(frozen=True)
class Search:
    """What one search contributes: its cell, its topic filter and what it found near."""

    cell: Cell
    topics: str
    outcome: int


def outcome_of(found_near: int) -> int:
    """Nothing, one or two, or more listings near."""
    if found_near <= 0:
        return OUTCOME_NONE
    return OUTCOME_FEW if found_near <= 2 else OUTCOME_MORE


def topic_key(slugs: tuple[str, ...] | list[str]) -> str | None:
    """The topic filter as stored ('' for none); None when there are too many to count."""
    unique = sorted(set(slugs))
    if len(unique) > MAX_TOPICS:
        return None
    key = "+".join(unique)
    return key if len(key) <= TOPIC_KEY_LENGTH else None


def is_bot(request: Request) -> bool:
    """An obvious program, or a browser fetching ahead of the visitor (prefetch, prerender)."""
    agent = request.headers.get("User-Agent", "")
    if not agent or "mozilla/" not in agent.lower() or BOT_AGENT.search(agent):
        return True
    purpose = (request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
               + request.headers.get("X-Moz", "")).lower()
    return "prefetch" in purpose or "prerender" in purpose


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=COOKIE_SALT)


def _today() -> date:
    return datetime.now(UTC).date()


def cells_seen(request: Request, today: date) -> list[str]:
    """The cells this browser was already counted in today (nothing if the cookie is old or forged)."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return []
    try:
        value: Any = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(value, dict) or value.get("d") != today.isoformat():
        return []
    cells = value.get("c")
    if not isinstance(cells, list):
        return []
    return [cell for cell in cells if isinstance(cell, str)][:MAX_CELLS_A_DAY]


def upsert(search: Search, day: date) -> None:
    """Add one to the day's counter for this cell, topic filter and outcome: a single statement. On
    PostgreSQL its commit does not wait for the disk: a counter lost in a crash costs nothing, a wait
    costs every counted search."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(NO_WAIT)
    db.session.execute(UPSERT, {"day": day, "cell_row": search.cell.row, "cell_col": search.cell.col,
                                "topics": search.topics, "outcome": search.outcome})


def count_search(request: Request, response: Response, search: Search | None) -> bool:
    """Count the search unless it is a bot's or this browser was counted in its cell today: one upsert,
    committed, and the day's cells in the response's cookie. Never fails the search: a counter that
    cannot be written (the database busy) is skipped."""
    if search is None or request.method != "GET" or is_bot(request):
        return False
    today = _today()
    seen = cells_seen(request, today)
    if search.cell.key in seen or len(seen) >= MAX_CELLS_A_DAY:
        return False
    try:
        if db.engine.dialect.name == "sqlite":
            # End the search's reading first: on SQLite a read transaction that then writes fails at once if
            # another worker wrote meanwhile, where a transaction that starts by writing waits for the lock.
            db.session.rollback()
        upsert(search, today)
        commit()
    except SQLAlchemyError:
        logger.exception("a search could not be counted")
        db.session.rollback()
        return False
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    response.set_cookie(
        COOKIE_NAME, _serializer().dumps({"d": today.isoformat(), "c": [*seen, search.cell.key]}),
        expires=midnight, path=COOKIE_PATH, httponly=True, samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return True


def search_in_cell(latitude: float, longitude: float, topics: tuple[str, ...],
                   found_near: int) -> Search | None:
    """What a search counts as, or None when its topics cannot be counted."""
    key = topic_key(topics)
    if key is None:
        return None
    return Search(cell_of(latitude, longitude), key, outcome_of(found_near))
