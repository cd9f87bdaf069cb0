"""What speaking Spanish costs each page: the public pages rendered in English and in Spanish, in one
run, beside the same pages of an earlier commit (`--against REF`, e.g. the last one before the site was
translated).

Each side gets a scratch SQLite database of its own, made by its own migrations, gazetteer and demo data
(the instance database is never touched). Then, in interleaved rounds, a fresh process per side and
language renders every page through the WSGI app (`--requests` times each, after a warm-up; processor
time) with the caches that would hide the rendering turned off (kept pages, search results). Printed: each
page's median milliseconds per side and language, and each one's ratio to the first side's English. The
machine may be shared: compare ratios taken in one run, never two runs' milliseconds.

    python bench/languages.py                      # this checkout, English and Spanish
    python bench/languages.py --against 0fe34a5    # beside that commit (English only: it has no catalogue)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Settings that would answer a repeated page from memory instead of rendering it; a side that predates a
# setting ignores it.
UNCACHED = {"KEPT_PAGES": 0, "SEARCH_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": False}
# Pages every visitor can reach; <listing>, <area> and <contact> are filled in from the demo data.
PAGES = {
    "home": "/",
    "about": "/about",
    "search near a place": "/search?near=10001&radius=25",
    "search with a topic": "/search?near=10001&radius=50&topic=fatherhood",
    "search online": "/search?format=online",
    "listing": "/listings/<listing>",
    "areas": "/areas/",
    "area page": "<area>",
    "contact form": "<contact>",
    "register": "/account/register",
    "sign in": "/account/sign-in",
}


def log(message: str) -> None:
    print(message, flush=True)


# A side: a source tree with its own database ---------------------------------------------------------


def side_environment(source: Path, folder: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("FLASK_PRODUCTION", None)
    environment.update({
        "PYTHONPATH": str(source),
        "DATABASE_URL": f"sqlite:///{folder / 'site.db'}",
        "DIRECTORY_INSTANCE_PATH": str(folder),
        "SECRET_KEY": "bench-languages",
    })
    return environment


def checkout(ref: str, into: Path) -> Path:
    """The tree of `ref`, unpacked (no worktree is registered), with its catalogues compiled."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref],  # noqa: S603,S607 - git, fixed arguments
                             cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)  # noqa: S603,S607
    for po in into.glob("directory/translations/*/LC_MESSAGES/messages.po"):
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-i", str(po),  # noqa: S603
                        "-o", str(po.with_suffix(".mo"))], check=True, capture_output=True)
    return into


def languages_of(source: Path) -> list[str]:
    compiled = source.glob("directory/translations/*/LC_MESSAGES/*.mo")
    codes = sorted(path.parent.parent.name for path in compiled)
    return ["en", *[code for code in codes if code != "en"]]


def prepare(source: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    environment = side_environment(source, folder)
    for command in (["db", "upgrade"], ["gazetteer", "load"], ["seed", "--demo"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "directory", *command],  # noqa: S603
                       cwd=source, env=environment, check=True, capture_output=True)


def measure(source: Path, folder: Path, language: str, requests: int) -> dict[str, float]:
    finished = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, "--worker", "--language", language, "--requests", str(requests)],
        cwd=source, env=side_environment(source, folder), capture_output=True, text=True, check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"the worker failed:\n{finished.stderr[-3000:]}")
    result: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


# The worker: one process, one side, one language ------------------------------------------------------


def worker(language: str, requests: int) -> None:
    from directory import create_app

    app = create_app(dict(UNCACHED))
    client = app.test_client()
    headers = {"Accept-Language": language}

    def get(url: str):
        separator = "&" if "?" in url else "?"
        return client.get(f"{url}{separator}lang={language}", headers=headers)

    pages = dict(PAGES)
    results = get("/search?near=10001&radius=50").get_data(as_text=True)
    listing = re.search(r'href="/listings/([a-z0-9-]+)[?"]', results)
    area = re.search(r'href="(/areas/[^"/]+/[^"/]+/[^"/]+/)"', _city_index(get).get_data(as_text=True))
    pages["listing"] = f"/listings/{listing.group(1)}" if listing else ""
    pages["area page"] = area.group(1) if area else ""
    contact = re.search(r'href="(/listings/[^"]+/contact)"', get(pages["listing"]).get_data(as_text=True)) \
        if listing else None
    pages["contact form"] = contact.group(1) if contact else ""

    figures: dict[str, float] = {}
    for name, url in pages.items():
        if not url:
            continue
        first = get(url)
        if first.status_code != 200:
            continue
        for _ in range(3):
            get(url)
        timings = []
        for _ in range(requests):
            # Processor time, not wall time: another process on a shared machine does not count.
            started = time.process_time()
            get(url)
            timings.append(time.process_time() - started)
        figures[name] = statistics.median(timings) * 1000
    print(json.dumps(figures))


def _city_index(get):
    """An area index that lists cities: the first region's page."""
    regions = get("/areas/").get_data(as_text=True)
    region = re.search(r'href="(/areas/[^"/]+/[^"/]+/)"', regions)
    return get(region.group(1)) if region else get("/areas/")


# The run ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", action="append", default=[], metavar="REF",
                        help="an earlier commit to measure beside this checkout (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page per round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--language", default="en", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        worker(options.language, options.requests)
        return 0

    scratch = Path(tempfile.mkdtemp(prefix="bench-languages-"))
    try:
        sides = [(ref, checkout(ref, scratch / f"src-{index}")) for index, ref in enumerate(options.against)]
        sides.append(("this checkout", ROOT))
        for index, (name, source) in enumerate(sides):
            log(f"preparing {name}: migrations, gazetteer, demo data")
            prepare(source, scratch / f"db-{index}")
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        for round_number in range(1, options.rounds + 1):
            for index, (name, source) in enumerate(sides):
                for language in languages_of(source):
                    runs.setdefault((name, language), []).append(
                        measure(source, scratch / f"db-{index}", language, options.requests))
            log(f"round {round_number} of {options.rounds} done (load average {os.getloadavg()[0]:.1f})")
        report(runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(runs: dict[tuple[str, str], list[dict[str, float]]]) -> None:
    columns = list(runs)
    reference = columns[0]
    log("")
    log("median ms per page (median of the rounds), and the ratio to " + f"{reference[0]} [{reference[1]}]")
    log("| page | " + " | ".join(f"{name} [{language}]" for name, language in columns) + " |")
    log("|---|" + "---|" * len(columns))
    worst = 0.0
    for page in PAGES:
        cells = []
        base = _median(runs[reference], page)
        for column in columns:
            value = _median(runs[column], page)
            if value is None:
                cells.append("-")
            elif base is None or column == reference:
                cells.append(f"{value:.2f}")
            else:
                ratio = value / base
                worst = max(worst, ratio)
                cells.append(f"{value:.2f} ({ratio:.2f})")
        log(f"| {page} | " + " | ".join(cells) + " |")
    log(f"slowest ratio to {reference[0]} [{reference[1]}]: {worst:.2f}")


def _median(results: list[dict[str, float]], page: str) -> float | None:
    values = [result[page] for result in results if page in result]
    return statistics.median(values) if values else None


if __name__ == "__main__":
    raise SystemExit(main())
