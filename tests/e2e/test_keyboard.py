"""Keyboard only: search, open a result, open "Get in touch" and send a message without touching a mouse.

Every Tab stop on the way must show where focus is (a computed outline or box-shadow) and be on screen.
"""

from __future__ import annotations

import re
from datetime import time

import pytest

from directory.extensions import db
from tests.factories import make_listing, make_topic

from .test_accessibility import FINISH_TRANSITIONS

pytestmark = pytest.mark.e2e

# What has focus, and how it is shown. An outline of width 0 or style none shows nothing.
FOCUS = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const label = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '').trim();
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && style.outlineColor !== 'rgba(0, 0, 0, 0)';
    return {
        element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + label.slice(0, 40) + '"',
        outline: outline ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : null,
        shadow: style.boxShadow !== 'none' ? style.boxShadow : null,
        onScreen: box.width > 1 && box.height > 1 && box.bottom > 0 && box.right > 0,
    };
}"""


class Keyboard:
    """Tab through a page like a keyboard user, checking every stop on the way."""

    def __init__(self, page) -> None:
        self.page = page
        self.stops: list[str] = []

    def tab(self) -> dict:
        self.page.keyboard.press("Tab")
        self.page.evaluate(FINISH_TRANSITIONS)  # a focus ring that fades in is checked once it is there
        state = self.page.evaluate(FOCUS)
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
    assert skip.is_visible()
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
