"""Fixtures for the bad-input tests, and a summary of how many strings met which surface.

The bad-input modules use `bad_input` (pytestmark = pytest.mark.usefixtures("bad_input")); the other
security tests in this folder keep their own clients and are not timed here.
"""

from __future__ import annotations

import time

import pytest

from tests.factories import make_user

from .helpers import FreshClient, sign_in
from .payloads import TALLY, corpus_sizes

# Processor seconds each test used: a figure a busy machine does not inflate the way wall time is.
CPU_SECONDS: dict[str, float] = {}


@pytest.fixture
def bad_input(app, request):
    """Clients that load their user per request (see FreshClient), and the test's processor time noted."""
    app.test_client_class = FreshClient
    start = time.process_time()
    yield
    CPU_SECONDS[request.node.nodeid] = time.process_time() - start


@pytest.fixture
def visitor(app):
    return app.test_client()


@pytest.fixture
def owner(app):
    return make_user("owner@example.org", display_name="Owner")


@pytest.fixture
def admin(app):
    return make_user("admin@example.org", admin=True, display_name="Admin")


@pytest.fixture
def owner_client(app, owner):
    client = app.test_client()
    sign_in(client, owner)
    return client


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    sign_in(client, admin)
    return client


def pytest_terminal_summary(terminalreporter):
    if not TALLY:
        return
    write = terminalreporter.write_line
    terminalreporter.section("bad input: strings tried")
    write(f"processor time of the {len(CPU_SECONDS)} security tests: {sum(CPU_SECONDS.values()):.1f} s "
          "(setup of shared fixtures excluded); the most:")
    for nodeid, seconds in sorted(CPU_SECONDS.items(), key=lambda item: -item[1])[:12]:
        write(f"  {seconds:6.1f} s  {nodeid}")
    try:
        for name, size in corpus_sizes().items():
            write(f"corpus {name}: {size}")
    except BaseException:  # noqa: BLE001, S110 - a missing corpus was already reported by the tests
        pass
    for surface, figures in sorted(TALLY.items()):
        write(f"{surface}: " + ", ".join(f"{key}={value}" for key, value in figures.items()))
