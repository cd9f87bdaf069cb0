"""Fixtures for the bad-input tests, and a summary of how many strings met which surface.

The bad-input modules are marked `corpus` and use `bad_input`; the other security tests in this folder are
not timed here. `world` and `production_app` serve the access, header and session tests.
"""

from __future__ import annotations

import time

import pytest

from directory.extensions import db
from tests.conftest import build_app
from tests.factories import make_user

from .payloads import corpus_sizes
from .test_access_matrix import World, build_world

# Processor seconds each test used: a figure a busy machine does not inflate the way wall time is.
PROCESSOR_SECONDS = "processor seconds"


@pytest.fixture
def bad_input(app_context, request):
    """An app context for the test's own code, and the test's processor time noted."""
    start = time.process_time()
    yield
    request.node.user_properties.append((PROCESSOR_SECONDS, time.process_time() - start))


@pytest.fixture
def visitor(app):
    return app.test_client()


@pytest.fixture
def owner(app_context):
    return make_user("owner@example.org", display_name="Owner")


@pytest.fixture
def admin(app_context):
    return make_user("admin@example.org", admin=True, display_name="Admin")


@pytest.fixture
def owner_client(app, owner):
    return app.test_client(user=owner)


@pytest.fixture
def admin_client(app, admin):
    return app.test_client(user=admin)


@pytest.fixture
def world(app, app_context) -> World:
    """One of everything a URL can point at, with a user of every role (test_access_matrix.py)."""
    return build_world(app)


@pytest.fixture
def production_app(app, database_url, tmp_path):
    """The site as deployed: PRODUCTION on, a real secret key, CSRF on; the same test database as `app`."""
    production = build_app(database_url, str(tmp_path / "production"), PRODUCTION=True, TESTING=False,
                           SECRET_KEY="a-production-secret-key-of-some-length-0123456789",
                           WTF_CSRF_ENABLED=True)
    yield production
    with production.app_context():
        db.engine.dispose()


def pytest_terminal_summary(terminalreporter):
    """Read from the tests' reports, which come back from every xdist worker."""
    seconds: dict[str, float] = {}
    tally: dict[str, dict[str, int]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "teardown":
                continue
            for name, value in report.user_properties:
                if name == PROCESSOR_SECONDS:
                    seconds[report.nodeid] = value
                elif ": " in name:
                    surface, figure = name.rsplit(": ", 1)
                    tally.setdefault(surface, {})[figure] = value
    if not tally:
        return
    write = terminalreporter.write_line
    terminalreporter.section("bad input: strings tried")
    write(f"processor time of the {len(seconds)} security tests: {sum(seconds.values()):.1f} s "
          "(setup of shared fixtures excluded); the most:")
    for nodeid, used in sorted(seconds.items(), key=lambda item: -item[1])[:12]:
        write(f"  {used:6.1f} s  {nodeid}")
    try:
        for name, size in corpus_sizes().items():
            write(f"corpus {name}: {size}")
    except BaseException:  # noqa: BLE001, S110 - a missing corpus was already reported by the tests
        pass
    for surface, figures in sorted(tally.items()):
        write(f"{surface}: " + ", ".join(f"{key}={value}" for key, value in figures.items()))
