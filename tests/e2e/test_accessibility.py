"""Every kind of page, scanned with axe-core for WCAG 2.2 A and AA (plus axe's best practices).

Each page is loaded at desktop (1280) and phone (375) width and scanned with every WCAG A/AA rule in light
mode, then with the colour rules in dark mode (nothing else differs). Pages are grouped by the data and
sign-in they need, so one test sets data up once and scans many pages with one browser context. All
violations of a test are collected first and reported together: rule, impact, the elements it found and
axe's help text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from playwright.sync_api import expect

from directory.listings.snapshots import snapshot
from directory.moderation import reports, revisions
from directory.moderation import services as moderation
from tests.clients import commit_test_session
from tests.factories import make_audience, make_listing, make_topic, make_user

from .conftest import COLOUR_RULES, DESKTOP, PHONE, WCAG_22_AA

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

WIDTHS = (("desktop", DESKTOP), ("phone", PHONE))
TILE_HOST = "tile.openstreetmap.org"  # map tiles: refused here, so nothing leaves the machine
REFUSED = (200, 400, 422)  # a form sent back with its errors shown (the status depends on the form)
# Resolves when every running CSS transition or animation that has an end has reached it.
FINISH_TRANSITIONS = """() => Promise.all(document.getAnimations()
    .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
    .map(a => a.finished.catch(() => null)))"""


class Sweep:
    """Loads each page at both widths, scans it in both colour schemes and keeps what axe found."""

    def __init__(self, page, axe) -> None:
        self.page, self.axe = page, axe
        page.emulate_media(reduced_motion="reduce")  # the site then turns transitions off: none half-way
        self.found: dict[str, list[str]] = {}
        self.scanned: list[str] = []

    def check(self, name: str, load: Callable[[], object], status: int | tuple[int, ...] = 200) -> None:
        """`load()` brings the page into the state to scan (navigation, or filling and sending a form)."""
        for width_name, viewport in WIDTHS:
            self.page.set_viewport_size(viewport)
            self.page.emulate_media(color_scheme="light")
            response = load()
            if response is not None:
                expected = (status,) if isinstance(status, int) else status
                assert response.status in expected, (name, response.status, self.page.url)
            self._scan(f"{name} [{width_name} light]", tags=WCAG_22_AA)
            # Only colours differ in dark mode. Should any still change through a transition, wait for it.
            self.page.emulate_media(color_scheme="dark")
            self.page.evaluate(FINISH_TRANSITIONS)
            self._scan(f"{name} [{width_name} dark]", rules=COLOUR_RULES)

    def _scan(self, where: str, **which) -> None:
        self.scanned.append(where)
        violations = self.axe(self.page, **which)
        if violations:
            self.found[where] = violations

    def goto(self, name: str, url: str, status: int | tuple[int, ...] = 200) -> None:
        self.check(name, lambda: self.page.goto(url), status)

    def assert_clean(self) -> None:
        report = "\n".join(
            f"{where}:\n" + "\n".join(f"    {line}" for line in lines) for where, lines in self.found.items()
        )
        count = f"{len(self.found)} of {len(self.scanned)} scans"
        assert not self.found, f"axe-core found problems on {count}:\n{report}"


@pytest.fixture
def sweep(page, axe):
    return Sweep(page, axe)


def submit(page, button: str):
    """Click a submit button and return the response to the form's request."""
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    return posted.value


@pytest.fixture
def public_directory(app, gazetteer):
    """Groups with meetings near ZIP 10001, a mentor, an online group: enough for every public page."""
    make_topic("grief", "Grief and loss")
    make_topic("fatherhood", "Fatherhood")
    make_audience("new-fathers", "New fathers")
    group = make_listing(
        name="Chelsea Fathers Circle", slug="chelsea-fathers", topics=("fatherhood", "grief"),
        website="https://fathers.example.org/", phone="+1 212 555 0100", phone_public=True,
        address_line="Hudson Guild, 441 W 26th St", location_precision="exact",
        meetings=[dict(weekday=1, start_time=time(19, 0), duration_minutes=90, recurrence="weekly"),
                  dict(weekday=5, start_time=time(10, 0), duration_minutes=60, recurrence="monthly",
                       week_of_month=1, notes="Breakfast meeting")],
    )
    make_listing(name="Midtown Grief Group", slug="midtown-grief", latitude=40.7549, longitude=-73.9840)
    mentor = make_listing(
        kind="mentor", name="Marcus, mentor for new dads", slug="marcus-mentor", topics=("fatherhood",),
        experience="Raised three sons on my own after a divorce.", meets_in_person=True, meets_video=True,
        availability="Weekday evenings", cost="donation", cost_details="Pay what you can",
    )
    make_listing(name="Online grief circle", slug="online-grief", format="online",
                 online_url="https://meet.example.net/grief")
    commit_test_session()
    return {"group": group.slug, "mentor": mentor.slug}


def show_map(page, url: str):
    """Open `url` and press "Show map" (Leaflet, with its controls and markers; tiles are not fetched)."""
    response = page.goto(url)
    page.get_by_role("button", name="Show map").click()
    page.wait_for_selector("[data-map-ready]")
    return response


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
def test_public_pages(app, live_server, page, sweep, public_directory):
    base = live_server
    group, mentor = public_directory["group"], public_directory["mentor"]
    page.route(f"https://{TILE_HOST}/**", lambda route: route.abort())

    sweep.goto("home", f"{base}/")
    sweep.goto("search with results", f"{base}/search?near=10001&radius=25")
    assert page.locator("#local-results .result").count() >= 2
    sweep.check("search with the map shown", lambda: show_map(page, f"{base}/search?near=10001&radius=25"))
    assert page.locator(".leaflet-marker-icon").count() >= 2
    sweep.goto("search without a place", f"{base}/search")
    sweep.goto("empty search", f"{base}/search?near=10001&q=zebracrossing")
    expect(page.locator(".empty-crisis")).to_be_visible()
    sweep.goto("unknown place", f"{base}/search?near=Qwzxyville")
    expect(page.get_by_text("We couldn't find")).to_be_visible()
    sweep.goto("ambiguous place", f"{base}/search?near=Springfield")
    expect(page.get_by_text("Did you mean")).to_be_visible()
    sweep.goto("search with a refused choice", f"{base}/search?near=10001&radius=7&day=funday", status=400)
    sweep.goto("group listing", f"{base}/listings/{group}")
    assert page.locator(".next-meetings li").count() >= 1
    sweep.check("group listing with the map shown", lambda: show_map(page, f"{base}/listings/{group}"))
    sweep.goto("mentor listing", f"{base}/listings/{mentor}")
    sweep.goto("areas", f"{base}/areas/")

    sweep.goto("contact form", f"{base}/listings/{group}/contact")

    def contact_with_errors():
        page.goto(f"{base}/listings/{group}/contact")
        page.get_by_label("Your e-mail address").fill("not an address")
        return submit(page, "Send message")

    sweep.check("contact form with errors", contact_with_errors, status=REFUSED)
    assert page.locator(".field-error, .error-summary").count() >= 1

    def contact_sent():
        page.goto(f"{base}/listings/{group}/contact")
        page.get_by_label("Your first name").fill("Sam")
        page.get_by_label("Your e-mail address").fill("sam@example.com")
        page.get_by_label("Your message").fill("Can I come along on Tuesday?")
        submit(page, "Send message")
        assert page.url.endswith("/contact/sent")

    sweep.check("contact: message sent", contact_sent)

    sweep.goto("report form", f"{base}/listings/{group}/report")

    def report_with_errors():
        page.goto(f"{base}/listings/{group}/report")
        return submit(page, "Send report")

    sweep.check("report form with errors", report_with_errors, status=REFUSED)
    expect(page.get_by_text("Please choose what is wrong.").first).to_be_visible()

    def report_sent():
        page.goto(f"{base}/listings/{group}/report")
        page.get_by_label("Wrong time or place").check()
        submit(page, "Send report")
        assert page.url.endswith("/report/thanks")

    sweep.check("report: thank you", report_sent)

    sweep.goto("sign-in", f"{base}/account/sign-in")

    def sign_in_failed():
        page.goto(f"{base}/account/sign-in")
        page.get_by_label("E-mail address").fill("nobody@example.org")
        page.get_by_label("Password").fill("wrong password")
        return submit(page, "Sign in")

    sweep.check("sign-in failed", sign_in_failed)
    sweep.goto("register", f"{base}/account/register")

    def register_with_errors():
        page.goto(f"{base}/account/register")
        page.get_by_label("E-mail address").fill("not-an-address")
        return submit(page, "Create account")

    sweep.check("register with errors", register_with_errors, status=REFUSED)
    assert page.locator(".error-summary").count() == 1
    sweep.goto("forgot password", f"{base}/account/forgot")
    sweep.goto("404", f"{base}/no-such-page", status=404)

    sweep.assert_clean()


@pytest.mark.config(PROPAGATE_EXCEPTIONS=False)
def test_the_500_page(app, live_server, sweep):
    def broken():
        raise RuntimeError("a deliberate failure for the error page")

    app.add_url_rule("/test-only/broken", "test_only_broken", broken)
    sweep.goto("500", f"{live_server}/test-only/broken", status=500)
    sweep.assert_clean()


@pytest.mark.config(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="1 per minute")
def test_the_429_page(app, live_server, page, sweep):
    def slow_down():
        page.goto(f"{live_server}/account/sign-in")
        page.get_by_label("E-mail address").fill("nobody@example.org")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state()
        if page.get_by_role("button", name="Sign in", exact=True).count():
            return submit(page, "Sign in")
        return None  # already refused: this page is the 429

    sweep.check("429", slow_down, status=429)
    expect(page.get_by_role("heading", name="Please slow down")).to_be_visible()
    sweep.assert_clean()


def test_member_pages(app, live_server, page, sweep, gazetteer, sign_in_browser):
    make_topic("grief", "Grief and loss")
    owner = make_user("organiser@example.org", display_name="Dan")
    published = make_listing(owner, name="Published circle")
    make_listing(owner, status="draft", name="Draft circle")
    make_listing(owner, status="pending", name="Waiting circle")
    make_listing(owner, kind="mentor", status="changes_requested", name="Dan as a mentor",
                 moderation_note="Please say which evenings you are free.")
    listing_id = published.id
    commit_test_session()
    sign_in_browser(page, owner)
    base = live_server

    sweep.goto("account", f"{base}/account")
    sweep.goto("account: change password", f"{base}/account/password")
    sweep.goto("account: delete", f"{base}/account/delete")
    sweep.goto("owner dashboard", f"{base}/my/listings")
    expect(page.get_by_role("heading", name="My listings")).to_be_visible()
    sweep.goto("owner: choose a kind", f"{base}/my/listings/new")
    sweep.goto("owner: group form", f"{base}/my/listings/new?kind=group")

    def group_form_with_errors():
        page.goto(f"{base}/my/listings/new?kind=group")
        page.get_by_label("Website").fill("javascript:alert(1)")
        return submit(page, "Submit for review")

    sweep.check("owner: group form with errors", group_form_with_errors, status=REFUSED)
    assert page.locator(".error-summary").count() == 1

    def mentor_form_with_errors():
        page.goto(f"{base}/my/listings/new?kind=mentor")
        return submit(page, "Submit for review")

    sweep.check("owner: mentor form with errors", mentor_form_with_errors, status=REFUSED)
    sweep.goto("owner: edit a published listing", f"{base}/my/listings/{listing_id}/edit")
    sweep.goto("owner: withdraw", f"{base}/my/listings/{listing_id}/withdraw")
    sweep.goto("403 (admin page, not an admin)", f"{base}/admin/", status=403)
    sweep.assert_clean()


def test_admin_pages(app, live_server, page, sweep, sign_in_browser):
    make_topic("grief", "Grief and loss")
    owner = make_user("organiser@example.org", display_name="Dan")
    admin = make_user("admin@example.org", admin=True, display_name="Alex Admin")
    waiting = make_listing(owner, status="draft", name="Waiting Fathers Circle")
    moderation.submit(waiting, owner)
    live = make_listing(owner, name="Riverside Dads")
    data = snapshot(live)
    data["meetings"][0]["start_time"] = "18:30"
    data["summary"] = "A weekly circle for dads, now half an hour earlier."
    revision = revisions.propose_revision(live, owner, {key: data[key] for key in ("meetings", "summary")})
    reports.create_report(live, "no_longer_meets", "The hall was locked two weeks running.",
                             "visitor@example.com")
    moderation.approve(make_listing(owner, status="pending", name="Approved group"), admin)
    ids = {"listing": waiting.id, "revision": revision.id, "owner": owner.id}
    commit_test_session()
    sign_in_browser(page, admin)
    base = live_server

    sweep.goto("admin queue", f"{base}/admin/")
    assert page.get_by_role("link", name="Waiting Fathers Circle").count() == 1
    sweep.goto("admin listing review", f"{base}/admin/listings/{ids['listing']}")
    sweep.goto("admin revision diff", f"{base}/admin/revisions/{ids['revision']}")
    assert page.locator("table.diff").count() == 1
    sweep.goto("admin reports", f"{base}/admin/reports")
    expect(page.get_by_text("The hall was locked two weeks running.")).to_be_visible()
    sweep.goto("admin audit log", f"{base}/admin/audit")
    assert page.locator("table.audit tbody tr").count() >= 3
    sweep.goto("admin users", f"{base}/admin/users")
    sweep.goto("admin user", f"{base}/admin/users/{ids['owner']}")
    sweep.assert_clean()


def test_the_sweep_reports_a_violation(live_server, page, axe):
    """The sweep really fails: no alt text, no label, a tiny button and (in dark mode too) faint text."""
    page.goto(f"{live_server}/about")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
            '<img src="/static/favicon.svg"><input type="text" id="nolabel"><p id="faint">Faint words</p>'
            + '<div id="tiny"><button aria-label="Back">a</button><button aria-label="On">b</button></div>');
        Object.assign(document.getElementById('faint').style, {color: '#777', background: '#888'});
        document.getElementById('tiny').style.display = 'flex';
        for (const button of document.querySelectorAll('#tiny button')) {
            Object.assign(button.style, {width: '12px', height: '12px', minHeight: '0', padding: '0',
                                         margin: '0', border: '0', fontSize: '8px'});
        }
    }""")
    found = Sweep(page, axe)
    found.check("broken", lambda: None)
    assert set(found.found) == {"broken [desktop light]", "broken [desktop dark]", "broken [phone light]",
                                "broken [phone dark]"}
    light = found.found["broken [desktop light]"]
    # WCAG 2.2's target size (2.5.8) is there: axe-core leaves it off unless the wcag22aa tag is asked for.
    assert {line.split(" ")[0] for line in light} == {"image-alt", "label", "color-contrast", "target-size"}
    assert "image-alt (critical): ['img']: Images must have alternative text" in light
    assert "label (critical): ['#nolabel']: Form elements must have labels" in light
    assert [line.split(" ")[0] for line in found.found["broken [phone dark]"]] == ["color-contrast"]
    with pytest.raises(AssertionError, match=r"on 4 of 4 scans:\n *broken \[desktop light\]:\n *color-"):
        found.assert_clean()
