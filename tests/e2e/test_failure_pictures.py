"""What the browser fixtures leave behind: pictures of a failed test's pages, always; named screenshots only
with --screenshots. Runs a small browser suite of its own in a child pytest, since the pictures come from
fixture teardown and report hooks that only a real run goes through."""

from __future__ import annotations

import os
import uuid

import pytest

from ..support import PROJECT_ROOT, chromium_path
from .conftest import ARTIFACTS

pytest_plugins = ("pytester",)
pytestmark = pytest.mark.e2e

CONFTEST = """
from tests.conftest import pytest_addoption  # noqa: F401 - the --screenshots option
from tests.e2e.conftest import (  # noqa: F401 - the project's browser fixtures and their report hook
    browser, console_log, page, phone_page, pytest_runtest_makereport, requests_made, screenshot)
"""

INNER = """
def test_passes_{token}(page, phone_page, screenshot):
    page.set_content("<h1>Fine</h1>")
    screenshot(page, "named")


def test_fails_{token}(page, phone_page):
    page.set_content("<h1>Broken</h1>")
    phone_page.set_content("<h1>Broken on a phone</h1>")
    assert False, "fails on purpose"
"""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def browser_suite(pytester, monkeypatch):
    """run(*options) -> (outcomes, names of the pictures the run left), for a suite of one passing and one
    failing browser test; the pictures are removed afterwards."""
    chromium_path()
    token = uuid.uuid4().hex[:10]
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_inner=INNER.format(token=token))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                                   os.environ.get("PYTHONPATH")])))
    folder = ARTIFACTS / "screenshots"

    def left_behind() -> list:
        return sorted(folder.glob(f"*{token}*")) if folder.exists() else []

    def run(*options: str):
        for picture in left_behind():
            picture.unlink()
        result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", *options)
        pictures = left_behind()
        for picture in pictures:
            assert picture.read_bytes().startswith(PNG_SIGNATURE), picture.name
        return result.parseoutcomes(), [picture.name.replace(token, "T") for picture in pictures]

    yield run
    for picture in left_behind():
        picture.unlink()


def test_a_failed_test_leaves_pictures_of_its_pages_and_named_screenshots_wait_for_the_option(browser_suite):
    outcomes, pictures = browser_suite()
    assert (outcomes.get("passed"), outcomes.get("failed")) == (1, 1)
    assert pictures == ["test_fails_T-failed-page.png", "test_fails_T-failed-phone_page.png"]

    outcomes, pictures = browser_suite("--screenshots")
    assert (outcomes.get("passed"), outcomes.get("failed")) == (1, 1)
    assert pictures == ["test_fails_T-failed-page.png", "test_fails_T-failed-phone_page.png",
                        "test_passes_T-named.png"]
