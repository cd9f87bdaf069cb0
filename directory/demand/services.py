"""Reading the counters: the areas where men keep finding nothing near (above a threshold only), the same
figures by month for admins, and the purge of counters past their retention."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..database import commit, rows_matched
from ..extensions import db
from ..geo.gazetteer import loaded_version
from ..geo.models import Place
from ..geo.names import place_label, place_query
from ..geo.services import nearest_place
from .cells import Cell, bounds, centre
from .models import OUTCOME_NONE, DemandCount

logger = logging.getLogger(__name__)

# Most areas one page or API answer lists.
MAX_AREAS = 200
# Month-long steps of the admin chart, the current month included.
CHART_MONTHS = 13

# (gazetteer version, row, col) -> (label, query): a cell's name changes only with the gazetteer.
_names: dict[tuple[object, int, int], tuple[str, str]] = {}


@dataclass(frozen=True)
class Area:
    """A cell and topic filter where men searched and found nothing near, at least `threshold` times."""

    cell: Cell
    topics: tuple[str, ...]  # slugs; empty for searches without a topic
    searches: int
    label: str  # the largest town in the cell, "Leeds, England"
    query: str  # what to type to find that town again
    latitude: float  # the cell's centre
    longitude: float


def threshold() -> int:
    return int(current_app.config["DEMAND_THRESHOLD"])


def window_days() -> int:
    return int(current_app.config["DEMAND_WINDOW_DAYS"])


def needed_areas(today: date) -> list[Area]:
    """Cells and topic filters with at least DEMAND_THRESHOLD searches that found nothing near in the last
    DEMAND_WINDOW_DAYS days, most searched first. Nothing under the threshold ever leaves this function."""
    since = today - timedelta(days=window_days() - 1)
    total = func.sum(DemandCount.searches)
    rows = db.session.execute(
        select(DemandCount.cell_row, DemandCount.cell_col, DemandCount.topics, total)
        .where(DemandCount.day >= since, DemandCount.day <= today, DemandCount.outcome == OUTCOME_NONE)
        .group_by(DemandCount.cell_row, DemandCount.cell_col, DemandCount.topics)
        .having(total >= threshold())
        .order_by(total.desc(), DemandCount.cell_row, DemandCount.cell_col, DemandCount.topics)
        .limit(MAX_AREAS)
    ).all()
    version = loaded_version() if rows else None
    areas = []
    for row, col, topics, searches in rows:
        cell = Cell(row, col)
        label, query = cell_name(cell, version)
        latitude, longitude = centre(cell)
        areas.append(Area(cell, tuple(topics.split("+")) if topics else (), int(searches), label, query,
                          latitude, longitude))
    return areas


def cell_name(cell: Cell, version: object = None) -> tuple[str, str]:
    """The largest town in a cell (or the one nearest its centre): how the page names the area."""
    key = (version, cell.row, cell.col)
    if key not in _names:
        south, west, north, east = bounds(cell)
        row = db.session.execute(
            select(Place.name, Place.country, Place.region)
            .where(Place.kind == "city", Place.latitude >= south, Place.latitude < north,
                   Place.longitude >= west, Place.longitude < east)
            .order_by(Place.population.desc(), Place.id).limit(1)
        ).first()
        town: tuple[str, str, str | None] | None = (row[0], row[1], row[2]) if row is not None else None
        if town is None:
            near = nearest_place(*centre(cell))
            town = (near.name, near.country, near.region) if near is not None else None
        if town is None:
            latitude, longitude = centre(cell)
            _names[key] = (f"{latitude:.2f}, {longitude:.2f}", f"{latitude:.2f},{longitude:.2f}")
        else:
            name, country, region = town
            _names[key] = (place_label(name, country, region), place_query(name, country, region))
    return _names[key]


def version_tag(areas: Sequence[Area]) -> str:
    """Changes whenever what the page or the API shows changes: their ETag."""
    text = "|".join(f"{area.cell.key}:{'+'.join(area.topics)}:{area.searches}:{area.label}" for area in areas)
    return hashlib.sha256(f"{threshold()}/{window_days()}/{text}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Month:
    """One month of the admin chart: searches that found nothing near in the areas on the list."""

    start: date
    searches: int


def months_back(today: date, count: int = CHART_MONTHS) -> list[date]:
    """First days of the last `count` months, oldest first, this month included."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def monthly(areas: Sequence[Area], today: date) -> dict[tuple[Cell, tuple[str, ...]], list[Month]]:
    """For each listed area, its searches that found nothing near in each of the last CHART_MONTHS months."""
    starts = months_back(today)
    wanted = {(area.cell.row, area.cell.col, "+".join(area.topics)) for area in areas}
    figures: dict[tuple[Cell, tuple[str, ...]], dict[date, int]] = {
        (area.cell, area.topics): dict.fromkeys(starts, 0) for area in areas}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(DemandCount.cell_row, DemandCount.cell_col, DemandCount.topics, DemandCount.day,
               DemandCount.searches)
        .where(DemandCount.day >= starts[0], DemandCount.day <= today, DemandCount.outcome == OUTCOME_NONE,
               DemandCount.cell_row.in_({row for row, _, _ in wanted}))
    ).all()
    for row, col, topics, day, searches in rows:
        if (row, col, topics) in wanted:
            key = (Cell(row, col), tuple(topics.split("+")) if topics else ())
            month = date(day.year, day.month, 1)
            figures[key][month] += searches
    return {key: [Month(start, count) for start, count in by_month.items()]
            for key, by_month in figures.items()}


def purge_old_counts(today: date) -> int:
    """Delete counters older than DEMAND_RETENTION_MONTHS months; how many rows went."""
    months = int(current_app.config["DEMAND_RETENTION_MONTHS"])
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    cutoff = date(year, month + 1, min(today.day, 28))
    result = db.session.execute(delete(DemandCount).where(DemandCount.day < cutoff))
    removed = rows_matched(result)
    commit()
    logger.info("purged %s demand counters from before %s", removed, cutoff)
    return removed

