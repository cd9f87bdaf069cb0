"""Import benchmark: a Meeting Guide feed of 10,000 meetings, imported, then synced again unchanged.

Builds a scratch database (migrations, the real gazetteer, the seeded taxonomies; never the instance
database) and a feed of 2,500 men's groups meeting four times a week at gazetteer towns, each with its
time zone in the record as TSML feeds give it, then prints:
  - the first import (every meeting mapped, every listing, record and audit row written);
  - an unchanged re-sync (target under 10 s: nothing mapped again, nothing written);
  - a re-sync where one group in a hundred changed.

    python bench/import.py                          # SQLite (and PostgreSQL if DATABASE_URL)
    python bench/import.py --postgres postgresql://postgres@127.0.0.1/scratch   # that database is wiped
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import log, make_app, prepare_schema, reset_postgres  # noqa: E402
from sqlalchemy import select  # noqa: E402

from directory.extensions import db  # noqa: E402
from directory.geo.models import Place  # noqa: E402
from directory.interop.sources import registry, services  # noqa: E402

IMPORT_TARGET_S = 60.0
RESYNC_TARGET_S = 10.0


def feed(meetings: int, seed: int) -> list[dict]:
    """`meetings` entries, four per group, at real towns (with a street made up)."""
    rng = random.Random(seed)
    places = db.session.execute(select(Place.name, Place.region, Place.postal_code, Place.latitude,
                                       Place.longitude, Place.time_zone)
                                .where(Place.kind == "postal", Place.country == "US").limit(20_000)).all()
    rows = []
    for group in range(meetings // 4):
        place = rng.choice(places)
        for day in range(4):
            rows.append({
                "slug": f"group-{group}-{day}", "name": f"Men's Step Group {group}",
                "group": f"Group {group}",
                "group_id": group, "day": (day * 2) % 7,
                "time": f"{rng.randint(6, 21):02d}:{rng.choice(['00', '30'])}",
                "end_time": "22:30", "types": ["M", "O", rng.choice(["D", "B", "Y", "SEN"])],
                "address": f"{rng.randint(1, 999)} Main St", "city": place.name, "state": place.region or "",
                "postal_code": place.postal_code or "", "country": "US",
                "latitude": round(place.latitude + rng.uniform(-0.01, 0.01), 6),
                "longitude": round(place.longitude + rng.uniform(-0.01, 0.01), 6),
                "timezone": place.time_zone, "approximate": "no",
                "conference_url": f"https://zoom.us/j/{group}" if group % 5 == 0 else "",
                "email": f"secretary{group}@example.org",
            })
    return rows


def run(name: str, url: str, workdir: Path, options) -> dict[str, float]:
    app = make_app(url, workdir / f"instance-{name}")
    figures: dict[str, float] = {}
    with app.app_context():
        log(f"[{name}] preparing the database ...")
        prepare_schema()
        rows = feed(options.meetings, options.seed)
        path = workdir / "feed.json"
        path.write_text(json.dumps(rows))
        log(f"[{name}] feed: {len(rows):,} meetings, {path.stat().st_size / 1e6:.1f} MB")
        source = registry.source_for(str(path), "meeting-guide", name="Bench", all_types=False, publish=True)
        started = time.perf_counter()
        outcome = services.sync(source)
        figures["import"] = time.perf_counter() - started
        log(f"[{name}] import of {len(rows):,} meetings        {figures['import']:6.1f} s  "
            f"({outcome.summary()}; "
            f"target under {IMPORT_TARGET_S:.0f} s)")
        db.session.remove()
        source = registry.source_by_name("Bench")
        started = time.perf_counter()
        outcome = services.sync(source)
        figures["resync"] = time.perf_counter() - started
        log(f"[{name}] unchanged re-sync                 {figures['resync']:6.1f} s  ({outcome.summary()}; "
            f"target under {RESYNC_TARGET_S:.0f} s)")
        for row in rows[::400]:
            row["time"] = "23:00"
        path.write_text(json.dumps(rows))
        source = registry.source_for(str(path), "meeting-guide", name="Bench", all_types=False, publish=True)
        started = time.perf_counter()
        outcome = services.sync(source)
        log(f"[{name}] re-sync, 1 group in 100 changed     {time.perf_counter() - started:6.1f} s  "
            f"({outcome.summary()})")
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL"),
                        help="a scratch PostgreSQL database (wiped)")
    options = parser.parse_args()
    logging.disable(logging.INFO)
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        targets = [("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}")]
        if options.postgres:
            reset_postgres(options.postgres)
            targets.append(("postgresql", options.postgres))
        for name, url in targets:
            figures = run(name, url, workdir, options)
            failed |= figures["import"] > IMPORT_TARGET_S or figures["resync"] > RESYNC_TARGET_S
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
