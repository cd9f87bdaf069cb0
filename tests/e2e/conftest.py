"""Browser tests: the real site on a local port, driven by Chromium through Playwright.

Fixtures:
  live_server   base URL ("http://127.0.0.1:<port>") of the test `app`, served on its test database
  sign_in_browser(page, user)   a signed session cookie for `user` in the page's browser context
  browser       one headless Chromium per session
  page          a fresh browser context and page per test, 1280x900
  phone_page    the same at phone size (375x812, touch, mobile)
  use_phone / use_desktop(page)   resize an existing page
  requests_made every request the test's pages made (.urls, .offsite())
  console_log   console errors and uncaught exceptions (.errors); CSP violations land here too
  screenshot    screenshot(page, "name") saves test-artifacts/screenshots/<test>-<name>.png when pytest runs
                with --screenshots (`make test SCREENSHOTS=1`); a failed test saves its page and phone_page
                as <test>-failed-page.png / -failed-phone_page.png whatever the option
  axe           axe(page) -> axe-core violations on the current page, one "rule (impact): targets: help"
                string each; axe(page, tags=WCAG_22_AA) runs the WCAG 2.2 A/AA rules (+ best practice)

The server runs in threads of this process, each request in a context of its own, and writes to the same
database as the test. The tests set data up in their own app context (`app_context`, which `make_user` and
`make_listing` bring): commit it (`commit_test_session()` from tests/clients.py) before the browser asks for
a page, so the test thread holds no transaction open while the server writes and reads fresh rows after.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from ..clients import device_identity
from ..support import CHROMIUM_ARGS, PROJECT_ROOT, chromium_path, missing, serving

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
LOCAL_HOSTS = {"127.0.0.1"}
# Requests that never touch the network.
LOCAL_SCHEMES = ("data:", "blob:", "about:", "chrome-error:")
TIMEOUT_MS = 10_000
# axe-core tags for WCAG 2.0-2.2 level A and AA. Naming them also turns on rules axe leaves off by default
# (target-size, WCAG 2.5.8). "best-practice" adds heading order, landmarks and the like.
WCAG_22_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
COLOUR_RULES = ("color-contrast", "link-in-text-block")


class RequestLog:
    """Every URL the browser asked for, in order."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def record(self, request) -> None:
        self.urls.append(request.url)

    def offsite(self) -> list[str]:
        """Requests that left this machine's test server: should always be empty."""
        return [
            url for url in self.urls
            if not url.startswith(LOCAL_SCHEMES) and urlsplit(url).hostname not in LOCAL_HOSTS
        ]


class ConsoleLog:
    """Console errors and uncaught page exceptions (a CSP violation is a console error)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.messages: list[str] = []

    def on_console(self, message) -> None:
        self.messages.append(f"{message.type}: {message.text}")
        if message.type == "error":
            self.errors.append(message.text)

    def on_page_error(self, error) -> None:
        self.errors.append(f"uncaught: {error}")


# Where each request's responses are noted in its WSGI environ, so a dropped connection can close them.
RESPONSES = "tests.responses"


def noting_responses(app):
    def noted(environ, start_response):
        response = app(environ, start_response)
        environ.setdefault(RESPONSES, []).append(response)
        return response
    return noted


class ClosingRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, closing the response when the browser drops the connection.

    A test that ends while its page still loads (a stylesheet, a script) drops connections mid-answer; when
    the drop surfaces while werkzeug drains the request, it never closes the response, and the static
    file it holds is reported unclosed in whichever test the collector next runs in.
    """

    def connection_dropped(self, error: BaseException, environ=None) -> None:
        for response in (environ or {}).get(RESPONSES, ()):
            close = getattr(response, "close", None)
            if close is not None:
                close()
        super().connection_dropped(error, environ)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test app on a free local port for one test; yields the base URL."""
    server = make_server("127.0.0.1", 0, noting_responses(app), threaded=True,
                         request_handler=ClosingRequestHandler)
    app.config["SITE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links in mail lead back here
    with serving(server):
        yield app.config["SITE_URL"]


@pytest.fixture
def sign_in_browser(app, live_server):
    """sign_in_browser(page, user): a signed session cookie in the page's context, as a sign-in leaves."""

    def sign_in(page, user) -> None:
        serializer = app.session_interface.get_signing_serializer(app)
        cookie = serializer.dumps({"_user_id": device_identity(user, app), "_fresh": True})
        page.context.add_cookies([{"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": cookie,
                                   "url": live_server}])

    return sign_in


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
    except Exception as error:  # noqa: BLE001 - any launch failure means "no usable browser here"
        playwright.stop()
        missing(f"Chromium at {executable} did not start: {error}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def requests_made() -> RequestLog:
    return RequestLog()


@pytest.fixture
def console_log() -> ConsoleLog:
    return ConsoleLog()


def _new_page(browser, requests_made: RequestLog, console_log: ConsoleLog, **context_options):
    context = browser.new_context(
        locale="en-US", timezone_id="America/New_York", service_workers="block", **context_options
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.on("request", requests_made.record)
    page = context.new_page()
    page.on("console", console_log.on_console)
    page.on("pageerror", console_log.on_page_error)
    return context, page


# Where each test's call report is kept for its fixtures' teardown (see `_picture_if_failed`).
CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


def _picture_if_failed(request, page, name: str) -> None:
    """The page as the failed test left it: what a person wants to see first, option or not."""
    report = request.node.stash.get(CALL_REPORT, None)
    if report is None or not report.failed:
        return
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(folder / f"{_file_name(request)}-failed-{name}.png"), full_page=True)
    except Exception as error:  # noqa: BLE001 - the test's own failure is what gets reported
        warnings.warn(f"no picture of the failed test's {name}: {error}", stacklevel=1)


@pytest.fixture
def page(browser, requests_made, console_log, request):
    """A desktop-sized page in its own context (no cookies shared between tests)."""
    context, new_page = _new_page(browser, requests_made, console_log, viewport=DESKTOP)
    yield new_page
    _picture_if_failed(request, new_page, "page")
    context.close()


@pytest.fixture
def phone_page(browser, requests_made, console_log, request):
    """A phone: 375x812, touch, mobile viewport rules."""
    context, new_page = _new_page(
        browser, requests_made, console_log,
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
    )
    yield new_page
    _picture_if_failed(request, new_page, "phone_page")
    context.close()


@pytest.fixture
def use_phone():
    """use_phone(page): resize a page to phone width (no touch; use phone_page for a real mobile context)."""
    return lambda page: page.set_viewport_size(PHONE)


@pytest.fixture
def use_desktop():
    return lambda page: page.set_viewport_size(DESKTOP)


def _file_name(request) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")


@pytest.fixture
def screenshot(request):
    """screenshot(page, name, full_page=True) -> Path under test-artifacts/screenshots/ (gitignored).

    Taken only with --screenshots: a full page at a phone's pixel density is a good part of a browser
    test's processor time, and nothing reads the pictures unless someone asked for them.
    """
    folder = ARTIFACTS / "screenshots"
    test_name = _file_name(request)
    wanted = request.config.getoption("--screenshots")

    def take(page, name: str, full_page: bool = True) -> Path:
        from playwright.sync_api import Error as PlaywrightError

        path = folder / f"{test_name}-{name}.png"
        if not wanted:
            return path
        folder.mkdir(parents=True, exist_ok=True)
        # A picture is for a person to look at, not something a test asserts. Chromium sometimes answers
        # "Unable to capture screenshot" while a busy machine repaints after a navigation: wait for the next
        # frame and try again, then note the miss rather than fail a test whose checks all passed.
        for attempt in range(3):
            try:
                page.screenshot(path=str(path), full_page=full_page)
                return path
            except PlaywrightError as error:
                if "screenshot" not in str(error).lower():
                    raise
                page.wait_for_timeout(250 * (attempt + 1))
        warnings.warn(f"no screenshot {path.name}: Chromium could not capture the page", stacklevel=2)
        return path

    return take


@pytest.fixture
def axe():
    """axe(page, disable=(), tags=None, rules=None) -> "rule (impact): element, ...: help" per violation.

    tags=None runs axe-core's default rule set; tags=WCAG_22_AA runs only rules with those tags;
    rules=COLOUR_RULES only those rules (what changes between light and dark mode).

    axe-core needs timers, which never fire in a context made with java_script_enabled=False; such a
    page is checked as a copy (same URL, HTML, styles and viewport, its own scripts blocked).
    """
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("axe-playwright-python is not installed (pip install -e '.[test]')")
    checker = Axe()
    # JavaScript on or off, per browser context (kept referenced, so no later context reuses its id).
    scripts_on: dict[int, tuple[object, bool]] = {}

    def run(page, options) -> dict:
        # A click that navigates returns once the next document is committed, before it is parsed.
        page.wait_for_load_state("load")
        if id(page.context) not in scripts_on:
            scripts_on[id(page.context)] = (page.context, _timers_run(page))
        if scripts_on[id(page.context)][1]:
            # Inject axe-core once per document, not before every scan of it (it is half a megabyte).
            if not page.evaluate("() => typeof window.axe === 'object' && typeof axe.run === 'function'"):
                page.evaluate(checker.axe_script)
            return page.evaluate("options => window.axe.run(document, options)", options)
        context = page.context.browser.new_context(viewport=page.viewport_size)
        try:
            copy = context.new_page()
            html, url = page.content(), page.url
            copy.route("**/*.js", lambda route: route.abort())
            copy.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
            copy.goto(url)
            return checker.run(copy, options=options).response
        finally:
            context.close()

    def violations(page, disable: tuple[str, ...] = (), tags: tuple[str, ...] | None = None,
                   rules: tuple[str, ...] | None = None) -> list[str]:
        options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in disable}}
        if tags or rules:
            options["runOnly"] = {"type": "rule", "values": list(rules)} if rules else {
                "type": "tag", "values": list(tags)}
        results = run(page, options)
        return [
            f"{rule['id']} ({rule['impact']}): " + ", ".join(str(node["target"]) for node in rule["nodes"])
            + f": {rule['help']}"
            for rule in results["violations"]
        ]

    return violations


def _timers_run(page) -> bool:
    """False when the page's context has JavaScript turned off (evaluate works, setTimeout never fires)."""
    page.evaluate("() => { window.__timerProbe = false; setTimeout(() => { window.__timerProbe = true; }); }")
    for _ in range(20):
        if page.evaluate("() => window.__timerProbe"):
            return True
        time.sleep(0.025)
    return False
