"""The finder as another site shows it: framed by a page on another origin, searched inside the frame,
results opened in a new tab; and the snippet page making the code and its preview."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from directory.extensions import db

from ..support import serve_in_thread, stop_serving
from .conftest import WCAG_22_AA

pytestmark = pytest.mark.e2e



@pytest.fixture
def listings(app, gazetteer, make_listing):
    made = [
        make_listing(slug="chelsea-fathers", name="Chelsea Fathers", topics=("fatherhood",)),
        make_listing(slug="harlem-fathers", name="Harlem Fathers", latitude=40.8116, longitude=-73.9465,
                     topics=("fatherhood",)),
        make_listing(slug="online-dads", name="Online Dads", format="online", online_url="https://zoom.us/j/1",
                     topics=("fatherhood",)),
    ]
    db.session.commit()
    return made


@pytest.fixture
def partner_site():
    """partner_site(live_server, query) -> the URL of a church's page with the snippet in it, served by a
    local HTTP server under another host name (localhost, where the site is 127.0.0.1): another site,
    as the browser sees it. Chrome refuses to let a page it cannot place on this machine frame a local one,
    so the page is really served, not faked inside the browser."""
    servers = []

    def start(live_server: str, query: str = "") -> str:
        html = (f'<!doctype html><html lang="en"><head><title>St Anne</title></head><body><h1>St Anne</h1>'
                f'<iframe src="{live_server}/embed{query}" title="Find a group" width="100%" height="600">'
                "</iframe></body></html>").encode()

        class Partner(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Partner)
        servers.append((server, serve_in_thread(server)))
        return f"http://localhost:{server.server_port}/"

    yield start
    for server, thread in servers:
        stop_serving(server, thread)


def test_the_finder_works_inside_another_sites_page(page, live_server, partner_site, listings, requests_made,
                                                    console_log, screenshot):
    partner = partner_site(live_server, "?topic=fatherhood")
    page.goto(partner)
    frame = page.frame_locator("iframe")
    frame.get_by_label("ZIP code, postcode or town").fill("10001")
    frame.get_by_role("button", name="Search").click()
    results = frame.locator(".embed-result a")
    results.first.wait_for()
    names = results.all_inner_texts()
    assert any("Chelsea Fathers" in name for name in names) and any("Online Dads" in name for name in names)
    with page.context.expect_page() as opened:
        results.first.click()
    listing = opened.value
    listing.wait_for_load_state()
    assert listing.url.startswith(live_server + "/listings/")
    assert page.url == partner  # the partner's page stays where it was
    assert [url for url in requests_made.offsite() if url != partner] == []
    assert console_log.errors == []
    context_cookies = page.context.cookies(live_server)
    assert context_cookies == []
    screenshot(page, "framed")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_finder_and_the_snippet_page_at_phone_and_desktop_width(page, live_server, listings, console_log,
                                                                    requests_made, screenshot, axe, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/embed?near=10001")
    assert page.locator(".embed-result").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the screen
    assert axe(page, tags=WCAG_22_AA) == []
    screenshot(page, f"embed-{width}")

    page.goto(f"{live_server}/put-this-on-your-site")
    page.get_by_label("Place").fill("10001")
    page.get_by_label("Topic").select_option("fatherhood")
    page.get_by_role("button", name="Make the code").click()
    code = page.locator("#snippet-code").input_value()
    assert code.startswith(f'<iframe src="{live_server}/embed?near=10001&amp;topic=fatherhood"')
    preview = page.frame_locator(".snippet-preview")
    preview.locator(".embed-result").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe(page, tags=WCAG_22_AA) == []
    assert console_log.errors == [] and requests_made.offsite() == []
    screenshot(page, f"snippet-{width}")


def test_a_bad_place_is_explained_next_to_the_field(page, live_server, listings, console_log):
    page.goto(f"{live_server}/put-this-on-your-site")
    page.get_by_label("Place").fill("Qqqqzzzz")
    page.get_by_role("button", name="Make the code").click()
    assert page.get_by_label("Place").input_value() == "Qqqqzzzz"
    assert "We could not find that place" in page.locator("#near-error").inner_text()
    assert page.locator("#snippet-code").count() == 0
