"""The search benchmark still runs and prints its figures (a smoke test: nothing here is timed)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import PROJECT_ROOT

pytestmark = pytest.mark.bench


def test_the_search_benchmark_runs_on_a_small_scratch_database():
    # Never hand it a real database: with a PostgreSQL URL it would wipe that database.
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    finished = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/search.py", "--listings", "500", "--queries", "5", "--requests", "5"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )
    output = finished.stdout
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "[sqlite] built 500 listings" in output
    assert "[sqlite] plan uses ix_listings_search_box: yes" in output
    assert "SCAN listings" not in output
    # Each statement of a keyword search is named with what it reads, and none reads the whole table.
    reads = output.split("[sqlite] indexes read by a keyword search", 1)[1].splitlines()[1]
    assert "WHOLE TABLE" not in reads and len(reads.split(", ")) >= 3, reads
    for line in ("[sqlite] all searches ", "[sqlite] host speed", "[sqlite] GET /search ",
                 "[sqlite] GET /api/v1/listings "):
        assert line in output, line
    summary = next(line for line in output.splitlines() if line.startswith("[sqlite] all searches "))
    assert " p50 " in summary and " p95 " in summary and "ms" in summary
    assert "requests/s" in output
    assert "[postgresql] skipped" in output


def test_the_export_benchmark_runs_on_a_small_scratch_database():
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    finished = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/export.py", "--listings", "300", "--runs", "1"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=180, check=False,
    )
    output = finished.stdout
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "[sqlite] 300 published listings" in output
    for line in ("GET /api/meeting-guide.json, built", "GET /api/meeting-guide.json, served",
                 "GET /api/hsds/services (page", "GET /api/hsds/datapackage.zip, built"):
        assert f"[sqlite] {line}" in output
        assert "status 200" in output.split(f"[sqlite] {line}", 1)[1].split("\n")[0], line
    assert "[sqlite] feed: " in output and "[sqlite] services: " in output


def test_the_language_benchmark_measures_the_pages_and_languages_asked_for():
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("runs in the SQLite pass: the benchmark makes SQLite databases of its own")
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "DIRECTORY_INSTANCE_PATH")}
    finished = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/languages.py", "--page", "home", "--page", "listing", "--in", "es",
         "--rounds", "1", "--requests", "2"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=180, check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    table = [line for line in finished.stdout.splitlines() if line.startswith("| ")]
    assert table[0] == "| page | this checkout [es] |"
    rows = {line.split(" | ")[0][2:]: line.split(" | ")[1].rstrip(" |") for line in table[1:]}
    assert set(rows) == {"home", "listing"}  # only the pages asked for, each measured
    assert all(float(figure) > 0 for figure in rows.values()), rows


def test_the_http_benchmark_builds_serves_and_compares_with_the_constant_page(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    database = tmp_path / "bench.sqlite3"
    # A quarter of a second per page: enough requests to show each page answers under load, not to measure.
    command = [sys.executable, "bench/http.py", "--listings", "300", "--database", str(database), "--seconds",
               "0.25", "--rounds", "1", "--connections", "2", "--python-load"]
    finished = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=240, check=False)
    output = finished.stdout
    assert finished.returncode == 0, (output + finished.stderr)[-3000:]
    assert database.exists()
    for page in ("constant page", "home", "listing page", "area page", "search, varied",
                 "API listings, varied", "search, popular (cache warm)", "listing page, compressed"):
        line = next(line for line in output.splitlines() if line.startswith(page + " "))
        assert "errors" not in line, line
    assert "host speed" in output and "load average" in output
    again = subprocess.run(  # noqa: S603 - the same
        [*command, "--rounds", "1"], cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
        timeout=240, check=False)
    assert "reusing" in again.stdout and "building" not in again.stdout
