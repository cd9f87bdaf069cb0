"""Load benchmark: the real site under gunicorn (4 workers), many clients at once, on SQLite and PostgreSQL.

For each database it prepares a scratch copy of the site (`flask db upgrade`, `flask gazetteer load`,
`flask seed --demo` into a temporary instance folder; never the instance database), starts gunicorn with the
project's gunicorn.conf.py, rate limits counted in a scratch Redis database (raised for the run, so the load
is not all 429s) and CSRF on, then lets N clients loose on 127.0.0.1 for S seconds. Each client is a browser
of its own (cookies, CSRF tokens taken from the forms) doing a mix of:
  - searches       GET /search?near=<demo ZIP>&radius=25[&topic=...]
  - listing pages  GET /listings/<slug>
  - sign-ins       GET the form, POST it (a real password check)
  - contacts       GET a listing's "Get in touch" form, POST a message carrying a unique token
  - edits          a signed-in owner saves a draft through the owner form, its description carrying a token
It prints requests per second, p50/p95/p99 latency per kind of request and overall, the number of 5xx
answers (target 0), then reads the database directly: every contact answered with the thank-you redirect must
be a row, and every listing must hold its owner's last acknowledged edit (target: 0 lost). It also prints the
CPU time the workers spent per request: on a shared machine latency swings with the neighbours, that less so.

    python bench/load.py                            # SQLite, then PostgreSQL; 50 clients for 30 s each
    python bench/load.py --clients 20 --seconds 10
    python bench/load.py --postgres postgresql://postgres@127.0.0.1:5432/scratch   # that database is wiped
    python bench/load.py --no-postgres

PostgreSQL: --postgres URL, else $DATABASE_URL, else a database `directory_load` on the local server, created
if missing. Whichever it is gets wiped. Exit status 1 when a request got a 5xx or no answer, or a write
was lost.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from directory.config import DEFAULTS, normalise_database_url  # noqa: E402

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/directory_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
WORKERS = 4
TOKEN_PATTERN = re.compile(r"LT[0-9a-f]{20}")
# Limits high enough that the load measures the site, not the limiter; the counters still go to Redis.
UNLIMITED = "1000000 per minute"
LOAD_CONFIG = {
    "RATELIMIT_SIGN_IN": UNLIMITED,
    "RATELIMIT_SIGN_IN_ACCOUNT": UNLIMITED,
    "RATELIMIT_ACCOUNT_CHANGES": UNLIMITED,
    "CONTACT_RATE_LIMIT_IP": UNLIMITED,
    "CONTACT_RATE_LIMIT_LISTING": UNLIMITED,
    "REPORT_RATE_LIMIT": UNLIMITED,
    "API_RATE_LIMIT": UNLIMITED,
    "CONTACT_MIN_SECONDS": 0,  # clients post the contact form at once; a person would wait
}
MIX = (("search", 45), ("listing", 25), ("sign-in", 10), ("contact", 10), ("edit", 10))
KINDS = ("search", "listing", "form", "sign-in", "contact", "edit")  # "form": the GETs before each POST


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------------------------- HTML forms


class FormParser(HTMLParser):
    """Every <form> on a page with what a browser would send: fields, checked boxes, selected options."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, bool] | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._template_depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "template":
            self._template_depth += 1
        if self._template_depth:
            return
        if tag == "form":
            self._form = {"action": attributes.get("action"), "fields": [], "buttons": {}}
            self.forms.append(self._form)
        elif self._form is None or attributes.get("disabled") is not None:
            return
        elif tag == "input":
            name, kind = attributes.get("name"), attributes.get("type", "text").lower()
            if not name:
                return
            if kind in {"submit", "button", "image"}:
                self._form["buttons"][name] = attributes.get("value", "")
            elif kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self._form["fields"].append((name, attributes.get("value", "on")))
            elif kind != "file":
                self._form["fields"].append((name, attributes.get("value", "")))
        elif tag == "button":
            if attributes.get("name"):
                self._form["buttons"][attributes["name"]] = attributes.get("value", "")
        elif tag == "select" and attributes.get("name"):
            self._select = (attributes["name"], "multiple" in attributes)
            self._select_first, self._select_chosen = None, False
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attributes:
                self._form["fields"].append((self._select[0], value))
                self._select_chosen = True
        elif tag == "textarea" and attributes.get("name"):
            self._textarea, self._text = attributes["name"], []

    def handle_endtag(self, tag):
        if tag == "template":
            self._template_depth = max(0, self._template_depth - 1)
        if self._template_depth or self._form is None:
            return
        if tag == "select" and self._select:
            name, multiple = self._select
            if not multiple and not self._select_chosen and self._select_first is not None:
                self._form["fields"].append((name, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._form["fields"].append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._textarea and not self._template_depth:
            self._text.append(data)


def find_form(page: str, *, field: str | None = None, button: str | None = None) -> dict:
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        names = {name for name, _ in form["fields"]}
        if (field is None or field in names) and (button is None or button in form["buttons"]):
            return form
    raise LookupError(f"no form with {field or button} on the page")


def replace_field(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(key, value if key == name else old) for key, old in fields]


# ------------------------------------------------------------------------------------------- a browser


@dataclass
class Response:
    status: int
    location: str
    body: str


class Browser:
    """One visitor: a cookie jar and a kept-alive connection (POSTs go on a fresh one, as after a form)."""

    def __init__(self, host: str, port: int, record) -> None:
        self.host, self.port, self.record = host, port, record
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def forget(self) -> None:
        self.cookies.clear()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def get(self, kind: str, path: str) -> Response:
        return self._request(kind, "GET", path, None)

    def post(self, kind: str, path: str, fields: list[tuple[str, str]]) -> Response:
        self.close()  # a POST never rides on a connection the server may be closing
        return self._request(kind, "POST", path, urllib.parse.urlencode(fields).encode())

    def _request(self, kind: str, method: str, path: str, body: bytes | None) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "directory-load-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        attempts = 2 if method == "GET" else 1
        for attempt in range(attempts):
            started = time.perf_counter()
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.connection.request(method, path, body=body, headers=headers)
                answer = self.connection.getresponse()
                data = answer.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt + 1 < attempts:
                    continue  # a kept-alive connection the server closed (worker restart): retry a GET once
                self.record(kind, 0, time.perf_counter() - started)
                return Response(0, "", "")
            elapsed = time.perf_counter() - started
            self.record(kind, answer.status, elapsed)
            for header in answer.headers.get_all("Set-Cookie") or []:
                self._keep_cookie(header)
            if answer.headers.get("Connection", "").lower() == "close":
                self.close()
            location = answer.headers.get("Location", "")
            return Response(answer.status, location, data.decode("utf-8", "replace"))
        raise AssertionError("unreachable")

    def _keep_cookie(self, header: str) -> None:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


# -------------------------------------------------------------------------------------------- the load


@dataclass
class Fixture:
    """What the clients need to know about the prepared site."""

    zips: list[str]
    topics: list[str]
    listings: list[str]
    contactable: list[str]
    owners: list[tuple[str, int]]  # (e-mail, draft listing id), one per client
    password: str


@dataclass
class Tally:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    contacts_acknowledged: set[str] = field(default_factory=set)
    contacts_tried: int = 0
    edits_acknowledged: dict[int, str] = field(default_factory=dict)  # listing id -> last acknowledged token
    edits_tried: int = 0
    edits_ok: int = 0
    failures: Counter = field(default_factory=Counter)
    client_cpu: float = 0.0  # CPU seconds the load generator itself used: it shares the machine
    server_cpu: float = 0.0  # CPU seconds the gunicorn workers used (not counting PostgreSQL's own)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            self.statuses[kind][status] += 1


def token() -> str:
    return "LT" + secrets.token_hex(10)


class Client:
    def __init__(self, number: int, host: str, port: int, fixture: Fixture, tally: Tally, seed: int) -> None:
        self.rng = random.Random(seed + number)  # noqa: S311 - a repeatable mix, not a secret
        self.fixture, self.tally = fixture, tally
        self.email, self.draft_id = fixture.owners[number]
        self.browser = Browser(host, port, tally.record)
        self.signed_in = False

    def run(self, deadline: float) -> None:
        kinds, weights = zip(*MIX, strict=True)
        try:
            while time.monotonic() < deadline:
                action = self.rng.choices(kinds, weights)[0]
                try:
                    getattr(self, action.replace("-", "_"))()
                except LookupError as error:  # the page had no form where one was expected
                    with self.tally.lock:
                        self.tally.failures[f"{action}: {error}"] += 1
        finally:
            self.browser.close()

    def search(self) -> None:
        query = [("near", self.rng.choice(self.fixture.zips)), ("radius", "25")]
        for topic in self.rng.sample(self.fixture.topics, self.rng.choice((0, 1, 1, 2))):
            query.append(("topic", topic))
        self.browser.get("search", "/search?" + urllib.parse.urlencode(query))

    def listing(self) -> None:
        self.browser.get("listing", f"/listings/{self.rng.choice(self.fixture.listings)}")

    def sign_in(self) -> bool:
        self.browser.forget()  # a new visit: signing in again from a fresh browser
        self.signed_in = False
        page = self.browser.get("form", "/account/sign-in")
        if page.status != 200:
            return False
        fields = find_form(page.body, field="password")["fields"]
        fields = replace_field(replace_field(fields, "email", self.email), "password", self.fixture.password)
        answer = self.browser.post("sign-in", "/account/sign-in", fields)
        self.signed_in = answer.status == 303 and "/account" in answer.location
        if not self.signed_in and answer.status and answer.status < 500:
            with self.tally.lock:
                self.tally.failures[f"sign-in answered {answer.status}"] += 1
        return self.signed_in

    def contact(self) -> None:
        slug = self.rng.choice(self.fixture.contactable)
        path = f"/listings/{slug}/contact"
        page = self.browser.get("form", path)
        if page.status != 200:
            return
        fields = find_form(page.body, field="message")["fields"]
        mark = token()
        values = {"name": "Load", "email": f"{mark.lower()}@example.org", "how_to_reach": "",
                  "message": f"Hello, I'd like to come along. Reference {mark}."}
        for name, value in values.items():
            fields = replace_field(fields, name, value)
        with self.tally.lock:
            self.tally.contacts_tried += 1
        answer = self.browser.post("contact", path, fields)
        if answer.status == 303 and answer.location.rstrip("/").endswith(f"{path}/sent"):
            with self.tally.lock:
                self.tally.contacts_acknowledged.add(mark)
        elif answer.status and answer.status < 500:
            with self.tally.lock:
                self.tally.failures[f"contact answered {answer.status}"] += 1

    def edit(self) -> None:
        if not self.signed_in and not self.sign_in():
            return
        path = f"/my/listings/{self.draft_id}/edit"
        page = self.browser.get("form", path)
        if page.status != 200:
            if page.status == 302:  # the session ended; sign in again next time
                self.signed_in = False
            return
        form = find_form(page.body, button="save_draft")
        mark = token()
        fields = replace_field(form["fields"], "description", f"Edited under load. Revision {mark}.")
        fields.append(("save_draft", form["buttons"]["save_draft"]))
        with self.tally.lock:
            self.tally.edits_tried += 1
        answer = self.browser.post("edit", path, fields)
        if answer.status in (302, 303) and urllib.parse.urlsplit(answer.location).path.endswith(path):
            with self.tally.lock:
                self.tally.edits_acknowledged[self.draft_id] = mark
                self.tally.edits_ok += 1
        elif answer.status and answer.status < 500:
            with self.tally.lock:
                self.tally.failures[f"edit answered {answer.status}"] += 1


def run_load(port: int, fixture: Fixture, clients: int, seconds: float, seed: int) -> tuple[Tally, float]:
    tally = Tally()
    cpu = time.process_time()
    deadline = time.monotonic() + seconds
    workers = [Client(number, "127.0.0.1", port, fixture, tally, seed) for number in range(clients)]
    threads = [threading.Thread(target=client.run, args=(deadline,), daemon=True) for client in workers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    tally.client_cpu = time.process_time() - cpu
    return tally, time.monotonic() - started


# ----------------------------------------------------------------------------------- preparing a site


def flask_command(environment: dict, *arguments: str) -> str:
    finished = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "flask", "--app", "directory", *arguments], cwd=ROOT, env=environment,
        capture_output=True, text=True, check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"flask {' '.join(arguments)} failed:\n{finished.stdout}\n{finished.stderr}")
    return finished.stdout.strip()


def wipe_postgres(url: str) -> None:
    """Create the scratch database if it is missing, then empty it."""
    parsed = make_url(normalise_database_url(url))
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": parsed.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    engine = create_engine(parsed)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(url: str, instance: Path, clients: int, environment: dict) -> Fixture:
    """Migrate, load places and demo data with the real commands, then add one owner and draft per client."""
    for arguments in (("db", "upgrade"), ("gazetteer", "load"), ("seed", "--demo")):
        started = time.monotonic()
        output = flask_command(environment, *arguments)
        last = output.splitlines()[-1] if output else "done"
        log(f"  flask {' '.join(arguments)}: {last} ({time.monotonic() - started:.1f} s)")

    from directory import create_app
    from directory.accounts.models import ROLE_MEMBER, User
    from directory.accounts.services import hash_password
    from directory.extensions import db
    from directory.listings import services
    from directory.listings.models import STATUS_PUBLISHED, Listing, Topic
    from directory.listings.snapshots import snapshot
    from directory.timeutil import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": environment["SECRET_KEY"]})
    logging.getLogger("directory").setLevel(logging.WARNING)  # not a line per draft made
    password = secrets.token_urlsafe(18)
    with app.app_context():
        published = db.session.scalars(select(Listing).where(Listing.status == STATUS_PUBLISHED)).all()
        zips = sorted({listing.postal_code for listing in published
                       if listing.postal_code and listing.country == "US"})
        contactable = [listing.slug for listing in published
                       if listing.contact_enabled and listing.contact_email]
        templates = [listing for listing in published if listing.kind == "mentor"][:5]
        password_hash = hash_password(password)
        owners = []
        for number in range(clients):
            user = User(email=f"load-owner-{number}@example.org", password_hash=password_hash,
                        display_name=f"Load owner {number}", role=ROLE_MEMBER, confirmed_at=utcnow())
            db.session.add(user)
            db.session.flush()
            data = snapshot(templates[number % len(templates)])
            data["name"] = f"Load test draft {number}"
            draft = services.create_listing(user, "mentor", data)
            owners.append((user.email, draft.id))
        db.session.commit()
        fixture = Fixture(
            zips=zips,
            topics=list(db.session.scalars(select(Topic.slug))),
            listings=[listing.slug for listing in published],
            contactable=contactable,
            owners=owners,
            password=password,
        )
        db.session.remove()
        db.engine.dispose()
    log(f"  {len(fixture.listings)} published demo listings ({len(contactable)} take messages), "
        f"{len(zips)} ZIP codes, {len(fixture.topics)} topics, {clients} owners with a draft each")
    return fixture


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_keys(url: str, flush: bool = False) -> int:
    """How many keys (rate-limit counters) the scratch Redis database holds; empties it first if asked."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        if flush:
            client.flushdb()
        return client.dbsize()
    finally:
        client.close()


def start_gunicorn(port: int, environment: dict, log_path: Path) -> subprocess.Popen:
    """The project's gunicorn.conf.py, with the app factory given the raised limits."""
    handle = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
         "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", f"directory:create_app({LOAD_CONFIG!r})"],
        cwd=ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )
    handle.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited early:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return process
            connection.close()
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer /healthz:\n{log_path.read_text()[-3000:]}")


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children (Linux /proc; 0 elsewhere). Unlike latency, the
    CPU a request costs hardly changes when other work shares the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ------------------------------------------------------------------------------------ checking writes


def lost_writes(url: str, tally: Tally) -> dict[str, int]:
    """Read the database directly: every acknowledged write must be there."""
    from directory.contact.models import ContactMessage
    from directory.listings.models import Listing

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        stored_tokens = set()
        for message in connection.scalars(select(ContactMessage.message)):
            stored_tokens.update(TOKEN_PATTERN.findall(message))
        edited = list(tally.edits_acknowledged)
        descriptions = dict(connection.execute(
            select(Listing.id, Listing.description).where(Listing.id.in_(edited))).all())
    engine.dispose()
    lost_edits = sum(1 for listing_id, mark in tally.edits_acknowledged.items()
                     if mark not in (descriptions.get(listing_id) or ""))
    return {
        "contacts": len(tally.contacts_acknowledged - stored_tokens),
        "contacts_unacknowledged_but_stored": len(stored_tokens - tally.contacts_acknowledged),
        "edits": lost_edits,
    }


# --------------------------------------------------------------------------------------------- report


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index] * 1000


def report(name: str, tally: Tally, elapsed: float, lost: dict[str, int], log_path: Path) -> dict:
    log(f"\n[{name}] {elapsed:.1f} s of load")
    log(f"  {'request':<10}{'count':>8}{'rps':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'5xx':>6}"
        f"{'no answer':>11}  other statuses")
    everything: list[float] = []
    total_5xx = total_none = 0
    for kind in KINDS:
        samples = tally.samples.get(kind, [])
        if not samples:
            continue
        everything.extend(samples)
        statuses = tally.statuses[kind]
        server_errors = sum(count for status, count in statuses.items() if status >= 500)
        no_answer = statuses.get(0, 0)
        total_5xx += server_errors
        total_none += no_answer
        others = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())
                           if 0 < status < 500)
        log(f"  {kind:<10}{len(samples):>8}{len(samples) / elapsed:>9.1f}{percentile(samples, .5):>9.1f}"
            f"{percentile(samples, .95):>9.1f}{percentile(samples, .99):>9.1f}"
            f"{server_errors:>6}{no_answer:>11}  {others}")
    rps = len(everything) / elapsed
    log(f"  {'overall':<10}{len(everything):>8}{rps:>9.1f}{percentile(everything, .5):>9.1f}"
        f"{percentile(everything, .95):>9.1f}{percentile(everything, .99):>9.1f}"
        f"{total_5xx:>6}{total_none:>11}")
    log(f"  contact messages: {len(tally.contacts_acknowledged)} of {tally.contacts_tried} acknowledged, "
        f"{lost['contacts']} of those missing from the database "
        f"({lost['contacts_unacknowledged_but_stored']} stored without an answer)")
    log(f"  draft edits: {tally.edits_ok} of {tally.edits_tried} acknowledged on "
        f"{len(tally.edits_acknowledged)} drafts, {lost['edits']} drafts lack their last acknowledged edit")
    for failure, count in tally.failures.most_common(8):
        log(f"  not a success: {failure} x{count}")
    server_log = log_path.read_text(errors="replace")
    tracebacks = server_log.count("Traceback")
    recycled = server_log.count("Autorestarting worker")
    log(f"  server log: {tracebacks} tracebacks, {recycled} workers recycled by max_requests during the run")
    log(f"  CPU: gunicorn workers {tally.server_cpu:.1f} s ({tally.server_cpu / elapsed:.2f} of "
        f"{os.cpu_count()} CPUs; {1000 * tally.server_cpu / max(1, len(everything)):.1f} ms a request), "
        f"the load generator {tally.client_cpu:.1f} s")
    p = {q: percentile(everything, q) for q in (.5, .95, .99)}
    return {"rps": rps, "p50": p[.5], "p95": p[.95], "p99": p[.99], "5xx": total_5xx, "no_answer": total_none,
            "lost": lost["contacts"] + lost["edits"], "acknowledged":
            len(tally.contacts_acknowledged) + tally.edits_ok,
            "cpu_ms": 1000 * tally.server_cpu / max(1, len(everything))}


def run(name: str, url: str, workdir: Path, options) -> dict:
    log(f"\n[{name}] preparing a scratch site")
    instance = workdir / f"instance-{name}"
    instance.mkdir()
    secret = secrets.token_urlsafe(32)
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FLASK_APP"}}
    environment.update(DATABASE_URL=url, DIRECTORY_INSTANCE_PATH=str(instance), SECRET_KEY=secret,
                       PYTHONPATH=str(ROOT), WEB_CONCURRENCY=str(WORKERS), GUNICORN_LOG_LEVEL="info")
    fixture = prepare(normalise_database_url(url), instance, options.clients, environment)
    redis_keys(options.redis, flush=True)
    environment["REDIS_URL"] = options.redis
    port = free_port()
    log_path = workdir / f"gunicorn-{name}.log"
    process = start_gunicorn(port, environment, log_path)
    threads = os.environ.get("GUNICORN_THREADS", "2")
    log(f"  gunicorn: {WORKERS} workers x {threads} threads on 127.0.0.1:{port}; "
        f"{options.clients} clients for {options.seconds:g} s; machine load average before: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    try:
        server_cpu = cpu_seconds(process.pid)
        tally, elapsed = run_load(port, fixture, options.clients, options.seconds, options.seed)
        tally.server_cpu = cpu_seconds(process.pid) - server_cpu
    finally:
        stop_gunicorn(process)
    log(f"  rate limits: {redis_keys(options.redis)} counters in {options.redis}, shared by the workers")
    lost = lost_writes(url, tally)
    return report(name, tally, elapsed, lost, log_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=30, help="length of each load run (default 30)")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES,
                        help="a scratch PostgreSQL database to wipe and use (default: $DATABASE_URL, "
                             f"else {DEFAULT_POSTGRES})")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help=f"a scratch Redis database, flushed "
                                                               f"(default {DEFAULT_REDIS})")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--seed", type=int, default=20240601)
    options = parser.parse_args(argv)
    if options.clients < 1 or options.seconds <= 0:
        parser.error("--clients and --seconds must be positive")

    unknown = sorted(key for key in LOAD_CONFIG if key not in DEFAULTS and key != "API_RATE_LIMIT")
    if unknown:
        log(f"warning: the site no longer knows {', '.join(unknown)}; expect 429s (update LOAD_CONFIG)")
    summary: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="directory-load-") as folder:
        workdir = Path(folder)
        if not options.no_sqlite:
            summary["sqlite"] = run("sqlite", f"sqlite:///{workdir / 'load.sqlite3'}", workdir, options)
        if not options.no_postgres:
            try:
                wipe_postgres(options.postgres)
            except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
                log(f"\n[postgresql] skipped: {options.postgres} is not usable ({error.__class__.__name__})")
            else:
                summary["postgresql"] = run("postgresql", options.postgres, workdir, options)

    log(f"\nSummary: {WORKERS} gunicorn workers, {options.clients} clients, "
        f"{options.seconds:g} s per database")
    log(f"  {'database':<12}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'5xx':>6}{'no answer':>11}"
        f"{'writes ok':>11}{'lost':>6}{'CPU ms/request':>16}")
    for name, row in summary.items():
        log(f"  {name:<12}{row['rps']:>8.1f}{row['p50']:>9.1f}{row['p95']:>9.1f}{row['p99']:>9.1f}"
            f"{row['5xx']:>6}{row['no_answer']:>11}{row['acknowledged']:>11}{row['lost']:>6}{row['cpu_ms']:>16.1f}")
    bad = [name for name, row in summary.items() if row["5xx"] or row["lost"] or row["no_answer"]]
    if bad:
        log(f"FAILED on {', '.join(bad)}: server errors, unanswered requests or lost writes (target: 0)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
