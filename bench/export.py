"""Export benchmark: the Meeting Guide feed and one HSDS services page at 10,000 published listings.

Builds the same scratch database as bench/search.py (synthetic published listings over the real
gazetteer; never the instance database), gives the joinable ones a Zoom link so the feed has online
entries too, then prints, per database, the time each answer takes through the WSGI app:
  - GET /api/meeting-guide.json: built (the first request after a change) and served (from the
    built copy, as every request is until something changes or a minute passes);
  - GET /api/hsds/services?page=N&per_page=50 (never cached: a few statements a page);
  - GET /api/hsds/services/{id} and the data package's build, for reference.

    python bench/export.py                        # 10,000 listings, SQLite (and PostgreSQL if DATABASE_URL)
    python bench/export.py --postgres postgresql://postgres@127.0.0.1/scratch   # that database is wiped
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import log, make_app, populate, prepare_schema, reset_postgres  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from directory.extensions import db  # noqa: E402
from directory.listings.models import Listing  # noqa: E402

TARGET_MS = 100.0


def timed(client, url: str, runs: int, clear: bool = False) -> tuple[float, int, int]:
    """Median milliseconds of `runs` GETs of `url` (after clearing the built exports when `clear`), the
    status and the body's size."""
    times, status, size = [], 0, 0
    for _ in range(runs):
        if clear:
            client.application.extensions.pop("interop_cache", None)
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        status, size = response.status_code, len(response.data)
    return statistics.median(times), status, size


def run(name: str, url: str, workdir: Path, options) -> dict[str, float]:
    log(f"[{name}] building {options.listings:,} listings ...")
    app = make_app(url, workdir / f"instance-{name}")
    with app.app_context():
        prepare_schema()
        populate(options.listings, options.seed)
        # The synthetic links are on a host no Meeting Guide reader accepts; give them a known one.
        db.session.execute(text("UPDATE listings SET online_url = 'https://zoom.us/j/' || id "
                                "WHERE format <> 'in_person'"))
        db.session.commit()
        published = db.session.scalar(select(func.count()).where(Listing.status == "published"))
        log(f"[{name}] {published:,} published listings")
        db.session.remove()
    client = app.test_client()
    figures: dict[str, float] = {}
    with app.app_context():
        built, status, size = timed(client, "/api/meeting-guide.json", options.runs, clear=True)
        entries = len(client.get("/api/meeting-guide.json").get_json())
        log(f"[{name}] GET /api/meeting-guide.json, built     {built:7.1f} ms   ({entries:,} meetings, "
            f"{size / 1e6:.1f} MB, status {status})")
        served, status, _ = timed(client, "/api/meeting-guide.json", options.runs)
        figures["feed"] = served
        log(f"[{name}] GET /api/meeting-guide.json, served    {served:7.1f} ms   (status {status})")
        page = max(1, published // 50 // 2)
        services, status, size = timed(client, f"/api/hsds/services?page={page}&per_page=50", options.runs)
        figures["services"] = services
        log(f"[{name}] GET /api/hsds/services (page {page}, 50)   {services:7.1f} ms   ({size / 1e3:.0f} kB, "
            f"status {status})")
        first = client.get("/api/hsds/services?per_page=1").get_json()["contents"][0]["id"]
        one, status, _ = timed(client, f"/api/hsds/services/{first}", options.runs)
        log(f"[{name}] GET /api/hsds/services/{{id}}            {one:7.1f} ms   (status {status})")
        package, status, size = timed(client, "/api/hsds/datapackage.zip", 1, clear=True)
        log(f"[{name}] GET /api/hsds/datapackage.zip, built   {package:7.1f} ms   ({size / 1e6:.1f} MB, "
            f"status {status})")
        for label in ("feed", "services"):
            verdict = "met" if figures[label] <= TARGET_MS else "MISSED"
            log(f"[{name}] {label}: {figures[label]:.1f} ms, target under {TARGET_MS:.0f} ms: {verdict}")
        db.session.remove()
        db.engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=10_000, help="synthetic listings (default 10,000)")
    parser.add_argument("--runs", type=int, default=7, help="requests timed per figure (median)")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL"),
                        help="a scratch PostgreSQL database to wipe and use (default: $DATABASE_URL)")
    parser.add_argument("--seed", type=int, default=20240601)
    options = parser.parse_args(argv)
    logging.disable(logging.INFO)
    log(f"Export benchmark: {options.listings:,} listings, median of {options.runs} requests, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    summary = {}
    with tempfile.TemporaryDirectory(prefix="export-bench-") as folder:
        workdir = Path(folder)
        summary["sqlite"] = run("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", workdir, options)
        if options.postgres:
            reset_postgres(options.postgres)
            summary["postgresql"] = run("postgresql", options.postgres, workdir, options)
        else:
            log("[postgresql] skipped: set DATABASE_URL or pass --postgres URL (that database is wiped)")
    missed = [name for name, figures in summary.items() if max(figures.values()) > TARGET_MS]
    log("Result: " + ("every target met" if not missed else f"targets missed on {', '.join(missed)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
