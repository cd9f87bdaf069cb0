"""The topic and audience taxonomies every site needs, upserted by slug from seeds/."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from .. import data_version
from ..database import one_transaction
from ..extensions import db
from ..listings.models import Audience, Topic
from .upsert import SEEDS_FOLDER, SLUG_PATTERN, SeedError, Tally, assign, read_json

logger = logging.getLogger(__name__)


def seed_taxonomies(folder: Path = SEEDS_FOLDER) -> list[Tally]:
    """Upsert topics and audiences by slug from the seed files; one transaction, none of it on an error."""
    with one_transaction():
        tallies = [
            _upsert_taxonomy(Topic, _taxonomy_rows(folder / "topics.json"), "Topics"),
            _upsert_taxonomy(Audience, _taxonomy_rows(folder / "audiences.json"), "Audiences"),
        ]
        if any(tally.changed for tally in tallies):
            data_version.bump()  # the search form's lists
    for tally in tallies:
        logger.debug("seed: %s", tally)
    return tallies


def _taxonomy_rows(path: Path) -> list[dict[str, Any]]:
    rows = read_json(path)
    if not isinstance(rows, list):
        raise SeedError(f"{path.name} must hold a list of entries.")
    seen: set[str] = set()
    clean = []
    for number, row in enumerate(rows, start=1):
        slug = row.get("slug", "") if isinstance(row, dict) else ""
        if not SLUG_PATTERN.match(slug) or len(slug) > 60:
            raise SeedError(f"{path.name}, entry {number}: bad or missing slug {slug!r}.")
        if slug in seen:
            raise SeedError(f"{path.name}: slug {slug!r} appears twice.")
        seen.add(slug)
        name = str(row.get("name", "")).strip()
        if not name or len(name) > 100:
            raise SeedError(f"{path.name}, {slug}: a name of 1 to 100 characters is needed.")
        description = str(row.get("description", "")).strip()
        if len(description) > 300:
            raise SeedError(f"{path.name}, {slug}: description longer than 300 characters.")
        clean.append(dict(slug=slug, name=name, description=description,
                          position=int(row.get("position", number))))
    return clean


Term = TypeVar("Term", Topic, Audience)


def _upsert_taxonomy(model: type[Term], rows: list[dict[str, Any]], label: str) -> Tally:
    tally = Tally(label)
    existing = {item.slug: item for item in db.session.scalars(select(model))}
    for row in rows:
        item = existing.get(row["slug"])
        if item is None:
            db.session.add(model(**row))
            tally.created += 1
        elif assign(item, row):
            tally.updated += 1
        else:
            tally.unchanged += 1
    return tally

