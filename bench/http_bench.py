"""The HTTP benchmark (bench/http.py runs it): the site's pages under gunicorn against a constant page.

Builds (or reuses) the synthetic directory of bench/search.py, serves it with gunicorn (2 sync workers) and,
beside it under the same settings, a Flask app answering a constant 2 KB page (bench/constant_page.py): the
stack's ceiling on this machine. Both are loaded from 127.0.0.1 in interleaved rounds (wrk when installed,
else a Python load generator), and each page's rate is printed as a share of the constant page's:

  - home; a listing page; an area page (each the same URL again and again);
  - varied `/search` and varied `/api/v1/listings`: a different place, radius and filters every request, so
    nothing is answered from a cache;
  - one popular search asked again and again (the search cache warm);
  - the listing page again, asked as a browser asks (Accept-Encoding), so compressed: informative, no target.

    python bench/http.py                                  # 100,000 listings on SQLite
    python bench/http.py --listings 20000 --seconds 5
    python bench/http.py --postgres postgresql://postgres@127.0.0.1/scratch   # that database is wiped
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from contextlib import closing  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

from search import host_speed  # noqa: E402 - bench/search.py's measure of the host, beside its figures
from sqlalchemy import create_engine, text  # noqa: E402

from directory.config import normalise_database_url  # noqa: E402

WORKERS = 2
SITE_CONFIG = {"RATELIMIT_ENABLED": False}  # the limiter would refuse one client's load
POPULAR = "/search?near=10001&radius=25"
# The Accept-Encoding a current Chromium sends.
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
KEYWORDS = ["grief", "fathers", "recovery", "divorce", "anger", "trauma"]
# Each page's share of the constant page's rate: what the issue asks for.
TARGETS = {"home": 0.50, "listing page": 0.50, "area page": 0.50, "search, varied": 0.07,
           "API listings, varied": 0.07, "search, popular (cache warm)": 0.25}


def log(message: str) -> None:
    print(message, flush=True)


# The database -------------------------------------------------------------------------------------


def listing_count(url: str) -> int:
    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM listings")).scalar() or 0)
    except Exception:  # noqa: BLE001 - no such table or database: it needs building
        return 0
    finally:
        engine.dispose()


def ensure_database(options) -> str:
    """The database URL, built by bench/search.py unless it already holds the listings asked for."""
    if options.postgres:
        url = options.postgres
        arguments = ["--postgres", url, "--no-sqlite"]
    else:
        path = options.database or ROOT / "instance" / f"bench-{options.listings}.sqlite3"
        url = f"sqlite:///{Path(path).resolve()}"
        arguments = ["--save", str(path)]
    have = listing_count(url)
    if have == options.listings and not options.rebuild:
        log(f"reusing {url.split('@')[-1]}: {have:,} listings")
        return url
    log(f"building {options.listings:,} listings with bench/search.py ...")
    started = time.perf_counter()
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    subprocess.run(  # noqa: S603 - our own script, our own arguments
        [sys.executable, str(HERE / "search.py"), "--listings", str(options.listings), "--build-only",
         *arguments], cwd=ROOT, env=environment, check=True)
    log(f"built in {time.perf_counter() - started:.0f} s")
    return url


def sample(url: str, count: int, seed: int) -> dict:
    """What the requests ask for: postal codes with listings, topics, a published listing and its area."""
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        postcodes = [row[0] for row in connection.execute(text(
            "SELECT DISTINCT postal_code FROM listings WHERE country = 'US' AND postal_code != '' "
            "AND status = 'published' LIMIT 30000"))]
        topics = [row[0] for row in connection.execute(text("SELECT slug FROM topics ORDER BY position"))]
        slug, country, region = connection.execute(text(
            "SELECT slug, country, region FROM listings WHERE status = 'published' AND region != '' "
            "AND country = 'US' ORDER BY id LIMIT 1")).one()
    engine.dispose()
    rng = random.Random(seed)
    rng.shuffle(postcodes)
    varied = []
    for number in range(count):
        args = {"near": postcodes[number % len(postcodes)],
                "radius": (10, 25, 50)[(number // len(postcodes)) % 3]}
        if number % 3 == 1:
            args["topic"] = rng.choice(topics)
        if number % 5 == 2:
            args["q"] = rng.choice(KEYWORDS)
        varied.append(urlencode(args))
    return {"varied": varied, "listing": f"/listings/{slug}",
            "area": f"/areas/{country.lower()}/{region.lower()}/"}


# The servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(app_spec: str, environment: dict, folder: Path, name: str) -> tuple[subprocess.Popen, int]:
    """gunicorn with 2 sync workers, no access log; the same settings for both apps."""
    port = free_port()
    settings = folder / "gunicorn-settings.py"  # empty: not the project's gunicorn.conf.py (threads, logs)
    settings.write_text("")
    output = (folder / f"{name}.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "gunicorn", "--config", str(settings), "--workers", str(WORKERS),
         "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    output.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited:\n{(folder / f'{name}.log').read_text()[-3000:]}")
        try:
            status, _ = fetch(port, "/")
            if status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"{name} did not answer:\n{(folder / f'{name}.log').read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# The load -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    rate: float  # requests per second
    p50: float  # milliseconds
    p99: float
    errors: int = 0


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def with_wrk(port: int, paths: list[str], seconds: float, connections: int, folder: Path,
             headers: dict[str, str]) -> Figures:
    command = ["wrk", "--threads", "2", "--connections", str(connections), "--duration", f"{seconds:g}s",
               "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    if len(paths) > 1:
        script = folder / "paths.lua"
        quoted = ",\n".join('"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"' for path in paths)
        # Each of wrk's threads walks its own half of the list, so no request is asked twice.
        script.write_text("paths = {\n" + quoted + "\n}\ncounter = 0\nlocal threads = 0\n"
                          "setup = function(thread)\n"
                          "  thread:set(\"counter\", threads * math.floor(#paths / 2))\n"
                          "  threads = threads + 1\nend\n"
                          "request = function()\n  counter = counter + 1\n"
                          "  return wrk.format(\"GET\", paths[(counter % #paths) + 1], wrk.headers)\nend\n")
        command += ["--script", str(script)]
    output = subprocess.run(  # noqa: S603 - fixed arguments
        [*command, f"http://127.0.0.1:{port}{paths[0]}"], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {match.group(1): float(match.group(2)) * UNITS[match.group(3)]
               for match in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    failed = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    count = int(errors.group(1)) if errors else 0
    count += sum(int(value) for value in failed.groups()) if failed else 0
    return Figures(rate, latency.get("50", 0.0), latency.get("99", 0.0), count)


def with_python(port: int, paths: list[str], seconds: float, connections: int,
                headers: dict[str, str]) -> Figures:
    """A plain load generator for machines without wrk: one thread per connection."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        index, mine, failed = number * 7919, [], 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(number,)) for number in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return Figures(len(latencies) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99),
                   errors[0])


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=100_000, help="synthetic listings (default 100,000)")
    parser.add_argument("--database", type=Path, help="the SQLite file to build or reuse "
                        "(default instance/bench-<listings>.sqlite3)")
    parser.add_argument("--postgres", help="a scratch PostgreSQL database to use (wiped when it is rebuilt)")
    parser.add_argument("--rebuild", action="store_true", help="build the database even if it looks ready")
    parser.add_argument("--redis", help="REDIS_URL for the site (the search cache shared by both workers)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per page per round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--python-load", action="store_true", help="the Python load generator even with wrk")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--only", action="append", metavar="PAGE", help="load only the pages whose name "
                        "contains PAGE (repeatable; the constant page always runs: the shares need it)")
    options = parser.parse_args(argv)

    use_wrk = bool(shutil.which("wrk")) and not options.python_load
    log(f"HTTP benchmark: {options.listings:,} listings, gunicorn {WORKERS} sync workers, "
        f"{options.connections} connections, {options.rounds} rounds of {options.seconds:g} s per page, "
        f"load from {'wrk' if use_wrk else 'a Python load generator'}, {os.cpu_count()} CPUs")
    url = ensure_database(options)
    # Enough varied searches that none is asked twice in the whole run.
    wanted = int(options.rounds * options.seconds * 2000) + 1000
    asked = sample(url, min(wanted, 200_000), options.seed)
    varied = asked["varied"]
    scenarios: dict[str, tuple[str, list[str], dict[str, str]]] = {
        "constant page": ("constant", ["/"], {}),
        "home": ("site", ["/"], {}),
        "listing page": ("site", [asked["listing"]], {}),
        "area page": ("site", [asked["area"]], {}),
        "search, varied": ("site", [f"/search?{query}" for query in varied], {}),
        "API listings, varied": ("site", [f"/api/v1/listings?{query}" for query in varied], {}),
        "search, popular (cache warm)": ("site", [POPULAR], {}),
        # What a browser asks: the same page, compressed (the constant page is never compressed).
        "listing page, compressed": ("site", [asked["listing"]], BROWSER),
    }
    if options.only:
        scenarios = {name: scenario for name, scenario in scenarios.items()
                     if name == "constant page" or any(part in name for part in options.only)}
    results: dict[str, list[Figures]] = {name: [] for name in scenarios}
    with tempfile.TemporaryDirectory(prefix="http-bench-") as scratch:
        folder = Path(scratch)
        environment = {key: value for key, value in os.environ.items()
                       if key not in ("REDIS_URL", "FLASK_PRODUCTION", "PRODUCTION", "FLASK_ENV")}
        environment.update({"DATABASE_URL": url, "SECRET_KEY": "benchmark",
                            "DIRECTORY_INSTANCE_PATH": str(folder / "instance")})
        if options.redis:
            environment["REDIS_URL"] = options.redis
        site, site_port = start(f"directory:create_app({SITE_CONFIG!r})", environment, folder, "site")
        constant, constant_port = start("bench.constant_page:app", environment, folder, "constant")
        ports = {"site": site_port, "constant": constant_port}
        try:
            for path in ("/", asked["listing"], asked["area"], POPULAR, f"/search?{varied[-1]}"):
                status, _ = fetch(site_port, path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
            speed_before, load_before = host_speed(), load_average()
            for round_number in range(options.rounds):
                for name, (server, paths, headers) in scenarios.items():
                    if len(paths) > 1:  # a fresh stretch of the varied list each round
                        share = len(paths) // options.rounds
                        paths = paths[round_number * share:(round_number + 1) * share]
                    if use_wrk:
                        figures = with_wrk(ports[server], paths, options.seconds, options.connections, folder,
                                           headers)
                    else:
                        figures = with_python(ports[server], paths, options.seconds, options.connections,
                                              headers)
                    results[name].append(figures)
                log(f"round {round_number + 1} of {options.rounds} done (load average {load_average()})")
            speed_after, load_after = host_speed(), load_average()
        finally:
            stop(site)
            stop(constant)

    ceiling = statistics.median(figures.rate for figures in results["constant page"])
    log("")
    log(f"{'page':<30} {'requests/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'share':>7}  target")
    missed = []
    for name, runs in results.items():
        rate = statistics.median(figures.rate for figures in runs)
        middle = sorted(runs, key=lambda figures: figures.rate)[len(runs) // 2]
        share = rate / ceiling if ceiling else 0.0
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            met = share >= target
            verdict = f">= {target:.2f}: {'met' if met else 'MISSED'}"
            if not met:
                missed.append(name)
        errors = sum(figures.errors for figures in runs)
        log(f"{name:<30} {rate:>10,.0f} {middle.p50:>8.1f} {middle.p99:>8.1f} {share:>7.3f}  {verdict}"
            + (f"  ({errors} errors)" if errors else ""))
    log(f"host speed, before / after: {speed_before:.0f} / {speed_after:.0f} ms for a fixed Python loop; "
        f"load average before / after: {load_before} / {load_after}")
    log("Result: " + ("every target met" if not missed else f"targets missed: {', '.join(missed)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
