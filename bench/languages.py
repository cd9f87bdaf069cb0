"""What speaking Spanish costs each page: the public pages rendered in English and in Spanish, in one
run, beside the same pages of an earlier commit (`--against REF`, e.g. the last one before the site was
translated).

Each side gets a scratch SQLite database of its own, made by its own migrations, gazetteer and demo data
(the instance database is never touched). Then, in interleaved rounds, a fresh process per side and
language renders every page through the WSGI app (`--requests` times each, after a warm-up; processor
time) with the caches that would hide the rendering turned off (kept pages, search results). Printed: each
page's median milliseconds per side and language, and each one's ratio to the first side's English. The
machine may be shared: compare ratios taken in one run, never two runs' milliseconds.

With `--instructions` each page is measured in instructions executed instead (valgrind's callgrind,
which counts them whatever else the machine does): a worker under callgrind asks every page a few times,
and once more for each page with that page asked `--requests` times more; the difference, divided, is the
page's instructions. Slower (a run under callgrind takes a minute or two; they run one per core), but the
same figure twice on a busy machine.

    python bench/languages.py                      # this checkout, English and Spanish
    python bench/languages.py --against 0fe34a5    # beside that commit (English only: it has no catalogue)
    python bench/languages.py --against 0fe34a5 --instructions --requests 20
    python bench/languages.py --against 0fe34a5 --instructions --page home --page listing --in en
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
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


def measure(source: Path, folder: Path, language: str, requests: int, pages: list[str]) -> dict[str, float]:
    finished = _work(source, folder, ["--language", language, "--requests", str(requests),
                                      *_page_arguments(pages)])
    result: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


def _work(source: Path, folder: Path, arguments: list[str], prefix: tuple[str, ...] = ()) \
        -> subprocess.CompletedProcess[str]:
    environment = side_environment(source, folder)
    environment["PYTHONHASHSEED"] = "0"  # the same dictionaries, the same instructions, run after run
    finished = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [*prefix, sys.executable, __file__, "--worker", *arguments],
        cwd=source, env=environment, capture_output=True, text=True, check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"the worker failed:\n{finished.stderr[-3000:]}")
    return finished


CALLGRIND = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")
# Requests of every page in every run (besides the warm-up): what the runs have in common cancels out.
BASE_REQUESTS = 3


def _page_arguments(pages: list[str]) -> list[str]:
    return [argument for page in pages for argument in ("--page", page)]


def count_instructions(source: Path, folder: Path, language: str, requests: int, pages: list[str],
                       pool: concurrent.futures.Executor) -> dict[str, float]:
    """Thousands of instructions per request for each page: runs under callgrind that differ only in how
    often one page is asked."""
    def run(extra_page: str | None) -> int:
        arguments = ["--language", language, "--requests", str(BASE_REQUESTS), "--count-only",
                     *_page_arguments(pages)]
        if extra_page is not None:
            arguments += ["--more", extra_page, "--more-requests", str(requests)]
        finished = _work(source, folder, arguments, prefix=CALLGRIND)
        found = re.search(r"Collected : (\d+)", finished.stderr)
        if not found:
            raise SystemExit(f"callgrind printed no count:\n{finished.stderr[-2000:]}")
        return int(found.group(1))

    names = [None, *pages]
    totals = dict(zip(names, pool.map(run, names), strict=True))
    base = totals[None]
    return {page: (totals[page] - base) / requests / 1000 for page in pages if totals[page] != base}


# The worker: one process, one side, one language ------------------------------------------------------


def worker(language: str, requests: int, only: list[str], count_only: bool = False, more: str = "",
           more_requests: int = 0) -> None:
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

    measured = {}
    for name, url in pages.items():
        if not url or name not in only:
            continue
        if get(url).status_code != 200:
            continue
        for _ in range(3):
            get(url)
        measured[name] = url
    # What warming up left (compiled templates, caches, the app) is moved out of the collector's reach, as
    # a server that freezes after loading: a full collection then goes through the requests' own objects,
    # not a heap whose size depends on which pages came before, and two runs that differ only in how
    # often one page is asked differ only by that page's work.
    gc.collect()
    gc.freeze()
    figures: dict[str, float] = {}
    for name, url in measured.items():
        if count_only:  # instructions are counted from outside: only ask
            for _ in range(requests + (more_requests if name == more else 0)):
                get(url)
            continue
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
    parser.add_argument("--page", action="append", choices=list(PAGES), metavar="PAGE",
                        help=f"measure only this page (repeatable): {', '.join(PAGES)}")
    parser.add_argument("--in", dest="languages", action="append", metavar="LANG",
                        help="measure only this language (repeatable; e.g. en)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page per round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of timing")
    parser.add_argument("--language", default="en", help=argparse.SUPPRESS)
    parser.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--more", default="", help=argparse.SUPPRESS)
    parser.add_argument("--more-requests", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        worker(options.language, options.requests, options.page or list(PAGES), options.count_only,
               options.more, options.more_requests)
        return 0
    pages = options.page or list(PAGES)

    def measured_languages(source: Path) -> list[str]:
        return [code for code in languages_of(source) if not options.languages or code in options.languages]

    if options.instructions and not shutil.which("valgrind"):
        raise SystemExit("--instructions needs valgrind (Debian's package valgrind)")

    scratch = Path(tempfile.mkdtemp(prefix="bench-languages-"))
    try:
        sides = [(ref, checkout(ref, scratch / f"src-{index}")) for index, ref in enumerate(options.against)]
        sides.append(("this checkout", ROOT))
        for index, (name, source) in enumerate(sides):
            log(f"preparing {name}: migrations, gazetteer, demo data")
            prepare(source, scratch / f"db-{index}")
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        if options.instructions:
            with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                for index, (name, source) in enumerate(sides):
                    for language in measured_languages(source):
                        runs[(name, language)] = [count_instructions(
                            source, scratch / f"db-{index}", language, options.requests, pages, pool)]
                        log(f"counted {name} [{language}]")
            report(runs, unit="thousand instructions per page")
            return 0
        for round_number in range(1, options.rounds + 1):
            for index, (name, source) in enumerate(sides):
                for language in measured_languages(source):
                    runs.setdefault((name, language), []).append(
                        measure(source, scratch / f"db-{index}", language, options.requests, pages))
            log(f"round {round_number} of {options.rounds} done (load average {os.getloadavg()[0]:.1f})")
        report(runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def report(runs: dict[tuple[str, str], list[dict[str, float]]],
           unit: str = "median ms per page (median of the rounds)") -> None:
    columns = list(runs)
    reference = columns[0]
    log("")
    log(f"{unit}, and the ratio to {reference[0]} [{reference[1]}]")
    log("| page | " + " | ".join(f"{name} [{language}]" for name, language in columns) + " |")
    log("|---|" + "---|" * len(columns))
    worst = 0.0
    for page in PAGES:
        if all(_median(runs[column], page) is None for column in columns):  # not measured
            continue
        cells = []
        base = _median(runs[reference], page)
        for column in columns:
            value = _median(runs[column], page)
            if value is None:
                cells.append("-")
            elif base is None or column == reference:
                cells.append(_figure(value))
            else:
                ratio = value / base
                worst = max(worst, ratio)
                cells.append(f"{_figure(value)} ({ratio:.2f})")
        log(f"| {page} | " + " | ".join(cells) + " |")
    log(f"slowest ratio to {reference[0]} [{reference[1]}]: {worst:.2f}")


def _figure(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.2f}"


def _median(results: list[dict[str, float]], page: str) -> float | None:
    values = [result[page] for result in results if page in result]
    return statistics.median(values) if values else None


if __name__ == "__main__":
    raise SystemExit(main())
