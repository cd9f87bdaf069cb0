"""Loading the gazetteer file from seeds/ into the places table, and the notices its sources ask for."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy import text as sql_text

from .. import data_version
from ..database import commit
from ..extensions import db
from .models import PLACE_KINDS, Place

logger = logging.getLogger(__name__)

GEONAMES_ATTRIBUTION = "Contains GeoNames data, CC BY 4.0"
# UK postcode districts come from Ordnance Survey Code-Point Open (Open Government Licence v3.0).
OS_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right; "
    "Contains Royal Mail data © Royal Mail copyright and database right; "
    "Contains National Statistics data © Crown copyright and database right"
)
# Every notice the gazetteer's sources ask for, in the order a footer should show them.
ATTRIBUTIONS: tuple[str, ...] = (GEONAMES_ATTRIBUTION, OS_ATTRIBUTION)
GAZETTEER_FILE = Path(__file__).resolve().parents[2] / "seeds" / "gazetteer.csv.gz"
# One row of kind 'meta' records which file is loaded (its SHA-256 in `name`, its row count in
# `population`), so loading again can tell there is nothing to do. Lookups only read PLACE_KINDS.
VERSION_KIND = "meta"
VERSION_KEY = "~gazetteer-version"
LOAD_BATCH_SIZE = 5000


@dataclass(frozen=True)
class LoadReport:
    """What `load_gazetteer()` did: whether it (re)loaded, how many places are there, which file."""

    loaded: bool
    count: int
    version: str


def loaded_version() -> tuple[str, int] | None:
    """(file checksum, place count) of the gazetteer in the database, or None before the first load."""
    row = db.session.scalars(
        select(Place).where(Place.search_key == VERSION_KEY, Place.kind == VERSION_KIND).limit(1)
    ).first()
    return (row.name, row.population) if row else None


def _read_gazetteer(data: bytes) -> list[dict[str, Any]]:
    text = gzip.decompress(data).decode("utf-8")
    rows = []
    for record in csv.DictReader(io.StringIO(text)):
        rows.append({
            "kind": record["kind"],
            "name": record["name"],
            "search_key": record["search_key"],
            "region": record["region"] or None,
            "region_name": record["region_name"] or None,
            "country": record["country"],
            "postal_code": record["postal_code"] or None,
            "latitude": float(record["latitude"]),
            "longitude": float(record["longitude"]),
            "population": int(record["population"] or 0),
            "time_zone": record["time_zone"],
        })
    return rows


def load_gazetteer(path: Path | str | None = None, force: bool = False) -> LoadReport:
    """Replace the places table with the gazetteer file, in one transaction; a no-op when it is current."""
    data = Path(path or GAZETTEER_FILE).read_bytes()
    version = hashlib.sha256(data).hexdigest()
    current = loaded_version()
    if current and current[0] == version and not force:
        count = db.session.scalar(select(func.count()).select_from(Place).where(Place.kind.in_(PLACE_KINDS)))
        if count == current[1]:
            return LoadReport(loaded=False, count=count, version=version)
    rows = _read_gazetteer(data)
    table = cast(Table, Place.__table__)  # a model's FromClause, which is its Table
    try:
        db.session.execute(delete(table))
        for start in range(0, len(rows), LOAD_BATCH_SIZE):
            db.session.execute(insert(table), rows[start : start + LOAD_BATCH_SIZE])
        db.session.execute(insert(table), [{
            "kind": VERSION_KIND, "name": version, "search_key": VERSION_KEY, "region": None,
            "region_name": None, "country": "", "postal_code": None, "latitude": 0.0, "longitude": 0.0,
            "population": len(rows), "time_zone": "",
        }])
        data_version.bump()  # what a search's place finds may change (geo.services keeps its answers)
        commit()
    except Exception:
        db.session.rollback()
        raise
    # Fresh statistics, so the planner picks the search_key and postal_code indexes straight away.
    db.session.execute(sql_text("ANALYZE places"))
    commit()
    logger.info("gazetteer loaded: %d places from version %s", len(rows), version[:12])
    return LoadReport(loaded=True, count=len(rows), version=version)
