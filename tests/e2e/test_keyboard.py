"""Keyboard only: search, open a result, open "Get in touch" and send a message without touching a mouse;
then Tab through whole public, owner and admin pages.

Every Tab stop on the way must show where focus is (a computed outline or box-shadow that can be seen) and
be on screen. Reduced motion is on, so focus rings appear at once instead of fading in.
"""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import expect

from directory.extensions import db
from directory.listings.snapshots import snapshot
from directory.moderation import reports, revisions
from directory.moderation import services as moderation
from tests.factories import make_listing, make_topic, make_user

from .test_accessibility import FINISH_TRANSITIONS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("app_context")]

# What has focus, and how it is shown: an outline, or a box-shadow that can be seen (Pico gives unfocused
# buttons a transparent zero-size shadow, which is "not none" but shows nothing).
FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) {
        return {element: 'body', outline: null, shadow: null, onScreen: false, body: true};
    }
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const label = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '').trim();
    const seen = colour => !/^rgba\\(.*,\\s*0\\)$/.test(colour) && colour !== 'transparent';
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && seen(style.outlineColor);
    const list = style.boxShadow === 'none' ? [] : style.boxShadow.split(/,(?![^(]*\\))/);
    const shadows = list.filter(shadow => {
        const colour = (shadow.match(/rgba?\\([^)]*\\)/) || ['rgb(0, 0, 0)'])[0];
        const sizes = shadow.replace(colour, '').replace('inset', '').trim().split(/\\s+/).map(parseFloat);
        return seen(colour) && sizes.some(size => size !== 0);
    });
    return {
        element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + label.slice(0, 40) + '"',
        outline: outline ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : null,
        shadow: shadows.length ? shadows.join(', ') : null,
        onScreen: box.width > 1 && box.height > 1 && box.bottom > 0 && box.right > 0,
        body: false,
    };
}"""


class Keyboard:
    """Tab through a page like a keyboard user, checking every stop on the way."""

    def __init__(self, page) -> None:
        self.page = page
        self.stops: list[str] = []
        # Pico and the site turn transitions off for reduced motion: focus rings appear at once.
        page.emulate_media(reduced_motion="reduce")

    def tab(self) -> dict:
        self.page.keyboard.press("Tab")
        return self.check(self.focus())

    def focus(self) -> dict:
        self.page.evaluate(FINISH_TRANSITIONS)  # a focus ring that still fades in is checked once it is there
        return self.page.evaluate(FOCUS)

    def check(self, state: dict) -> dict:
        self.stops.append(state["element"])
        assert state["outline"] or state["shadow"], f"focus is not visible on {state['element']}: {state}"
        assert state["onScreen"], f"focus went to something not on screen: {state['element']}"
        return state

    def tab_to(self, target, limit: int = 80) -> None:
        """Press Tab until focus is on (one of) `target`'s elements."""
        start = len(self.stops)
        for _ in range(limit):
            self.tab()
            if self.has_focus(target):
                return
        raise AssertionError(f"{target} never got focus; Tab stops: {self.stops[start:]}")

    def tab_through(self, limit: int = 250) -> list[str]:
        """From a fresh page, Tab past every stop until focus leaves the page or comes round again."""
        self.starts_at_the_skip_link()
        start = len(self.stops) - 1
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            state = self.focus()
            if state["body"] or state["element"].startswith('a "Skip to main content"'):
                return self.stops[start:]
            self.check(state)
        raise AssertionError(f"more than {limit} Tab stops on {self.page.url}")

    def starts_at_the_skip_link(self) -> None:
        """On a newly opened page, the first Tab stop is "Skip to main content"."""
        self.tab()
        skip = self.page.get_by_role("link", name="Skip to main content")
        assert self.has_focus(skip), f"first Tab stop on {self.page.url}: {self.stops[-1]}"

    @staticmethod
    def has_focus(target) -> bool:
        return target.evaluate_all("elements => elements.includes(document.activeElement)")


@pytest.fixture
def groups(app, gazetteer):
    make_topic("fatherhood", "Fatherhood")
    for number, (lat, lon) in enumerate([(40.7506, -73.9972), (40.7549, -73.9840), (40.7614, -73.9776)]):
        make_listing(name=f"Keyboard group {number + 1}", slug=f"keyboard-group-{number + 1}",
                     topics=("fatherhood",), latitude=lat, longitude=lon,
                     contact_email=f"organiser{number + 1}@example.org",
                     meetings=[dict(weekday=number, start_time=time(19, 0), duration_minutes=90)])
    db.session.commit()


@pytest.mark.config(CONTACT_MIN_SECONDS=0)
def test_search_a_listing_and_the_contact_form_by_keyboard(live_server, page, groups, sent_mail, console_log):
    keys = Keyboard(page)
    page.goto(f"{live_server}/")

    # The skip link is the first Tab stop, visible when focused, and moves focus to <main>.
    keys.starts_at_the_skip_link()
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] >= 24
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # From <main>, the search field is the next stop: type a ZIP code and press Enter.
    keys.tab()
    assert keys.has_focus(page.get_by_label("Where are you?"))
    page.keyboard.type("10001")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?near=10001"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Support near New York")

    # Tab through the filters to the first result, and open it with Enter.
    first_result = page.locator("#local-results .result h3 a").first
    assert first_result.inner_text() == "Keyboard group 1"
    keys.starts_at_the_skip_link()
    keys.tab_to(first_result)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/listings/keyboard-group-1")

    # On the listing, "Get in touch" is reachable and opens the form.
    keys.starts_at_the_skip_link()
    keys.tab_to(page.get_by_role("button", name="Get in touch"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/listings/keyboard-group-1/contact")

    # The fields come in order; typing fills them; the trap field is never a stop.
    keys.starts_at_the_skip_link()
    keys.tab_to(page.get_by_label("Your first name"))
    page.keyboard.type("Sam")
    for label, text in [("Your e-mail address", "sam@example.com"),
                        ("Your message", "Hello. Can I come along next week and just listen?"),
                        ("How should they reach you?", "E-mail is best")]:
        keys.tab()
        assert keys.has_focus(page.get_by_label(label)), (label, keys.stops[-1])
        page.keyboard.type(text)
    send = page.get_by_role("button", name="Send message")
    keys.tab_to(send, limit=5)
    assert not any("homepage" in stop or "Leave this empty" in stop for stop in keys.stops)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/listings/keyboard-group-1/contact/sent")

    to_owner = sent_mail()[0]
    assert str(to_owner["To"]) == "organiser1@example.org"
    assert str(to_owner["Reply-To"]) == "sam@example.com"
    assert "Can I come along next week" in to_owner.get_body(("plain",)).get_content()
    assert console_log.errors == []


def test_focus_check_fails_when_the_ring_is_gone(live_server, page):
    """The check above can fail: with the focus styles removed, the first Tab stop is reported."""
    page.goto(f"{live_server}/")
    page.evaluate("""() => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync('*:focus { outline: none !important; box-shadow: none !important; }');
        document.adoptedStyleSheets = [sheet];
    }""")
    with pytest.raises(AssertionError, match="focus is not visible on a "):
        Keyboard(page).tab()


def test_every_tab_stop_shows_focus(live_server, page, gazetteer, sign_in_browser):
    """Tab through whole pages, public, owner and admin: every stop is on screen and shows a focus ring."""
    make_topic("fatherhood", "Fatherhood")
    admin = make_user("admin@example.org", admin=True, display_name="Alex")
    owner = make_user("organiser@example.org", display_name="Dan")
    live = make_listing(owner, name="Riverside Dads", slug="riverside-dads", topics=("fatherhood",),
                        website="https://dads.example.org/", phone="+1 212 555 0100", phone_public=True)
    data = snapshot(live)
    revision = revisions.propose_revision(live, owner, {"summary": data["summary"] + " Now with coffee."})
    reports.create_report(live, "wrong_details", "They moved to the library.")
    waiting = make_listing(owner, status="draft", name="Waiting circle")
    moderation.submit(waiting, owner)
    make_listing(admin, status="draft", name="Alex's own draft")
    # Path -> fewest Tab stops it has (header and footer alone are a dozen): a walk cut short fails.
    paths = {
        "/": 20, "/search?near=10001": 30, "/listings/riverside-dads": 20,
        "/listings/riverside-dads/contact": 20, "/my/listings": 18, "/my/listings/new?kind=group": 50,
        "/account": 18, "/admin/": 18,
        f"/admin/listings/{waiting.id}": 20, f"/admin/revisions/{revision.id}": 20, "/admin/reports": 18,
        "/admin/audit": 20,
    }
    db.session.commit()
    sign_in_browser(page, admin)
    keys = Keyboard(page)
    for path, at_least in paths.items():
        page.goto(live_server + path)
        stops = keys.tab_through()
        assert len(stops) >= at_least, (path, stops)
