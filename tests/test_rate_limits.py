"""Rate limits on the account forms: per address, per account, configurable, and shared between worker
processes through Redis."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from .factories import DEFAULT_PASSWORD
from .support import PROJECT_ROOT, missing

STRONG = "quiet harbour seventeen lanterns"
LIMITED = dict(RATELIMIT_ENABLED=True)


WRONG = "wrong password"


def sign_in(client, email, password=WRONG, **environ):
    return client.post("/account/sign-in", data={"email": email, "password": password}, environ_base=environ)


def retry_after(response) -> int:
    return int(response.headers["Retry-After"])


# --- in one process ------------------------------------------------------------------------------


@pytest.mark.config(**LIMITED, RATELIMIT_SIGN_IN="3 per minute", RATELIMIT_SIGN_IN_ACCOUNT="100 per minute")
def test_sign_in_is_limited_per_address_and_the_page_says_when_to_come_back(client):
    statuses = [sign_in(client, f"person{n}@example.org").status_code for n in range(3)]
    refused = sign_in(client, "person4@example.org")
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert 0 < retry_after(refused) <= 60
    text = refused.get_data(as_text=True)
    assert "Please slow down" in text
    assert re.search(r"You can try again in about \d+ seconds", text)
    # Looking at the form is not an attempt; another address has its own allowance.
    assert client.get("/account/sign-in").status_code == 200
    assert sign_in(client, "person5@example.org", REMOTE_ADDR="192.0.2.7").status_code == 200


@pytest.mark.config(**LIMITED, RATELIMIT_SIGN_IN="100 per minute", RATELIMIT_SIGN_IN_ACCOUNT="3 per hour")
def test_sign_in_is_limited_per_account_whatever_the_address(client, make_user):
    make_user("target@example.org")
    for number in range(3):
        assert sign_in(client, "target@example.org", REMOTE_ADDR=f"192.0.2.{number + 1}").status_code == 200
    refused = sign_in(client, " Target@Example.org", REMOTE_ADDR="192.0.2.99")
    assert refused.status_code == 429
    assert 60 < retry_after(refused) <= 3600
    assert "in about 60 minutes" in refused.get_data(as_text=True)
    assert sign_in(client, "someone-else@example.org").status_code == 200
    # An unknown address is limited just the same, so the limit does not tell who has an account.
    for _ in range(3):
        sign_in(client, "nobody@example.org")
    assert sign_in(client, "nobody@example.org").status_code == 429


@pytest.mark.config(**LIMITED, RATELIMIT_SIGN_IN="100 per minute", RATELIMIT_SIGN_IN_ACCOUNT="3 per hour")
def test_a_password_reset_lets_the_owner_past_the_account_limit(client, make_user, sent_mail):
    assert _locked_out_then_reset(client, make_user, sent_mail) == (429, 303, 303)


@pytest.mark.config(**LIMITED, RATELIMIT_SIGN_IN="100 per minute", RATELIMIT_SIGN_IN_ACCOUNT="3 per hour",
                    RATELIMIT_KEY_PREFIX="directory-site")
def test_a_password_reset_lets_the_owner_in_when_the_limits_have_a_key_prefix(client, make_user, sent_mail):
    """Sites sharing one Redis tell their counters apart by a prefix: the reset clears the prefixed one."""
    assert _locked_out_then_reset(client, make_user, sent_mail) == (429, 303, 303)


def _locked_out_then_reset(client, make_user, sent_mail) -> tuple[int, int, int]:
    """Three wrong passwords, then: the right one's status, the reset's, and signing in with the new one."""
    make_user("target@example.org")
    for _ in range(3):
        sign_in(client, "target@example.org")
    locked = sign_in(client, "target@example.org", DEFAULT_PASSWORD).status_code
    client.post("/account/forgot", data={"email": "target@example.org"})
    text = sent_mail()[0].get_body(("plain",)).get_content()
    link = re.search(r"http://localhost(/account/reset/\S+)", text)
    reset = client.post(link.group(1), data={"password": STRONG, "confirm": STRONG}).status_code
    client.post("/account/sign-out")
    return locked, reset, sign_in(client, "target@example.org", STRONG).status_code


@pytest.mark.config(**LIMITED, RATELIMIT_REGISTER="2 per hour")
def test_registration_is_limited(client):
    def register(number):
        return client.post("/account/register", data={"display_name": "Sam", "password": STRONG,
                                                      "email": f"new{number}@example.org", "confirm": STRONG})

    assert [register(n).status_code for n in range(3)] == [303, 303, 429]
    assert client.get("/account/register").status_code == 200


@pytest.mark.config(**LIMITED, RATELIMIT_FORGOT="2 per hour", RATELIMIT_FORGOT_ACCOUNT="100 per hour")
def test_password_reset_requests_are_limited_per_address(client, sent_mail):
    statuses = [client.post("/account/forgot", data={"email": f"person{n}@example.org"}).status_code
                for n in range(3)]
    assert statuses == [303, 303, 429]
    assert len(sent_mail()) == 2


@pytest.mark.config(**LIMITED, RATELIMIT_FORGOT="100 per hour", RATELIMIT_FORGOT_ACCOUNT="1 per hour")
def test_password_reset_requests_are_limited_per_account(client, make_user, sent_mail):
    """One inbox is not flooded with reset mails, from however many addresses they are asked for."""
    make_user("member@example.org")

    def forgot(email, address):
        return client.post("/account/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address})

    assert forgot("member@example.org", "192.0.2.1").status_code == 303
    assert forgot("Member@example.org", "192.0.2.2").status_code == 429
    assert forgot("other@example.org", "192.0.2.2").status_code == 303
    assert [message["To"] for message in sent_mail()] == ["member@example.org", "other@example.org"]


@pytest.mark.config(**LIMITED, RATELIMIT_CONFIRM_RESEND="1 per hour")
def test_resending_the_confirmation_is_limited(client, make_user, sent_mail):
    make_user("member@example.org", confirmed=False)
    assert sign_in(client, "member@example.org", DEFAULT_PASSWORD).status_code == 303
    assert client.post("/account/confirm/resend").status_code == 303
    assert client.post("/account/confirm/resend").status_code == 429
    assert len(sent_mail()) == 1


@pytest.mark.config(**LIMITED, RATELIMIT_ACCOUNT_CHANGES="2 per hour")
def test_guessing_the_current_password_from_a_session_is_limited(client, make_user):
    make_user("member@example.org")
    sign_in(client, "member@example.org", DEFAULT_PASSWORD)
    attempts = [
        client.post("/account/password", data={"current_password": f"guess {n}", "password": STRONG,
                                               "confirm": STRONG}).status_code
        for n in range(3)
    ]
    assert attempts == [200, 200, 429]
    assert client.post("/account/delete", data={"current_password": "guess"}).status_code == 429


def test_limits_are_off_when_disabled(client):
    """The test default: many attempts, no 429 (so the other test files need not think about limits)."""
    assert all(sign_in(client, "x@example.org").status_code == 200 for _ in range(12))


# --- behind a reverse proxy ------------------------------------------------------------------------

PROXY = "10.0.0.5"  # the proxy's own address: every request reaches the app from it


def through_proxy(client, visitor, sent_by_client=None):
    """A sign-in as it arrives from one proxy: the proxy appends the visitor's address to whatever
    X-Forwarded-For the client sent."""
    forwarded = f"{sent_by_client}, {visitor}" if sent_by_client else visitor
    return sign_in(client, "someone@example.org", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.config(**LIMITED, RATELIMIT_SIGN_IN="2 per minute", RATELIMIT_SIGN_IN_ACCOUNT="100 per minute",
                    TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_visitor_has_an_allowance_of_his_own(client):
    assert [through_proxy(client, "198.51.100.1").status_code for _ in range(2)] == [200, 200]
    assert through_proxy(client, "198.51.100.1").status_code == 429
    # Another visitor behind the same proxy is not held back by the first...
    assert through_proxy(client, "198.51.100.2").status_code == 200
    # ...and the first cannot slip past his limit by sending an address of his own.
    assert through_proxy(client, "198.51.100.1", sent_by_client="203.0.113.9").status_code == 429


@pytest.mark.config(**LIMITED, RATELIMIT_SIGN_IN="2 per minute", RATELIMIT_SIGN_IN_ACCOUNT="100 per minute")
def test_without_trusted_proxies_forwarded_addresses_are_not_believed(client):
    """By default the app is reached directly, and X-Forwarded-For is just a header a client can send."""
    assert [through_proxy(client, "198.51.100.1").status_code for _ in range(2)] == [200, 200]
    assert through_proxy(client, "198.51.100.2").status_code == 429


@pytest.mark.config(TRUSTED_PROXIES=1, SITE_URL="https://directory.example")
def test_behind_a_trusted_proxy_links_carry_the_site_url_whatever_host_is_forwarded(client, make_listing):
    listing = make_listing()
    for host in ("directory.example", "evil.example"):
        forwarded = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": host}
        data = client.get(f"/api/v1/listings/{listing.slug}", environ_base=forwarded).get_json()
        assert data["url"] == f"https://directory.example/listings/{listing.slug}"


# --- across worker processes ---------------------------------------------------------------------


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def shared_redis():
    """Settings that keep the limits in Redis (TEST_REDIS_URL) under a key prefix of this test's own.

    Tests running in parallel may share one Redis database: each counts only its own keys, and deletes
    them after.
    """
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = f"test-{uuid.uuid4().hex}"
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        missing(f"Redis at TEST_REDIS_URL is not reachable: {error.__class__.__name__}")
    yield {"REDIS_URL": url, "RATELIMIT_KEY_PREFIX": prefix}
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def _post(base: str, path: str, data: dict) -> int:
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(base + path, data=body, method="POST")  # noqa: S310 - http only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a local test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 - a local test server
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"server did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture
def two_workers(app, database_url, tmp_path):
    """start(config) -> two base URLs: separate gunicorn processes serving the test database."""
    processes: list[tuple[subprocess.Popen, object]] = []
    # An empty config file, so the production gunicorn.conf.py (many workers, port 8000) is not read.
    settings = tmp_path / "gunicorn.conf.py"
    settings.write_text("")

    def start(config: dict) -> list[str]:
        bases = []
        for number in range(2):
            port = _free_port()
            instance = tmp_path / f"instance-{number}"
            full = {
                "SECRET_KEY": "test-secret-key",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "INSTANCE_PATH": str(instance),
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_CHEAP": True,
                **config,
            }
            log = tmp_path / f"server-{number}.log"
            handle = log.open("w")
            environment = {key: value for key, value in os.environ.items()
                           if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
            environment["PYTHONPATH"] = str(PROJECT_ROOT)
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "gunicorn", "--config", str(settings), "--workers", "1",
                 "--bind", f"127.0.0.1:{port}", f"directory:create_app({config_literal(full)})"],
                cwd=tmp_path, env=environment, stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the arbiter and its worker end together
            )
            processes.append((process, handle))
            bases.append((f"http://127.0.0.1:{port}", process, log))
        for base, process, log in bases:  # both start at once
            _wait_until_up(base, process, log)
        return [base for base, _, _ in bases]

    yield start
    # Killed, arbiter and worker at once: the test is over, and gunicorn's own quick shutdown took more
    # than a second each.
    for process, _ in processes:
        os.killpg(process.pid, signal.SIGKILL)
    for process, handle in processes:
        process.wait()
        handle.close()


def config_literal(config: dict) -> str:
    """A Python literal gunicorn can read in 'module:create_app({...})'."""
    return repr(config)


def test_sign_in_limits_hold_across_two_worker_processes_sharing_redis(app, two_workers, shared_redis,
                                                                       make_user):
    """The DESIGN's warning: in-memory counters are per process. With Redis, two processes count together."""
    make_user("member@example.org")
    first, second = two_workers({
        "RATELIMIT_ENABLED": True,
        **shared_redis,
        "RATELIMIT_SIGN_IN": "4 per hour",
        "RATELIMIT_SIGN_IN_ACCOUNT": "100 per hour",
    })
    statuses = [
        _post(server, "/account/sign-in", {"email": f"person{n}@example.org", "password": "wrong password"})
        for n, server in enumerate([first, second] * 3)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_the_per_account_limit_holds_across_processes_too(app, two_workers, shared_redis, make_user):
    make_user("member@example.org")
    first, second = two_workers({
        "RATELIMIT_ENABLED": True,
        **shared_redis,
        "RATELIMIT_SIGN_IN": "100 per hour",
        "RATELIMIT_SIGN_IN_ACCOUNT": "3 per hour",
        "SIGN_IN_FAILURES_BEFORE_DELAY": 100,
    })
    statuses = [
        _post(server, "/account/sign-in", {"email": "member@example.org", "password": "wrong password"})
        for server in [first, second] * 2
    ]
    assert statuses == [200, 200, 200, 429]
    # Another account typed in from the same address is not affected.
    assert _post(second, "/account/sign-in", {"email": "other@example.org", "password": "x"}) == 200


def test_without_redis_each_process_counts_alone(app, two_workers):
    """Why Redis is needed: with in-memory storage a limit of 2 lets 4 attempts through on two processes."""
    first, second = two_workers({
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_SIGN_IN": "2 per hour",
        "RATELIMIT_SIGN_IN_ACCOUNT": "100 per hour",
    })
    statuses = [
        _post(server, "/account/sign-in", {"email": f"person{n}@example.org", "password": "wrong"})
        for n, server in enumerate([first, second] * 2)
    ]
    assert statuses == [200, 200, 200, 200]
