"""Did a string someone typed come back as live markup? A parser-based check of a page against its twin.

`scan()` reads a page with the standard library's HTML parser and counts what could run or load something:
elements, `on*` handler attributes, links and sources with a script scheme, comments and declarations.
`injected()` compares a page that shows hostile strings with the same page showing harmless ones and names
everything the hostile version has in addition. An element counts as new when

- it is one that can run, load or submit something (script, img, svg, iframe, form, input, a link to
  another site...) and there are more of that tag than in the benign page (links within the site, like
  those an error summary adds, do not count), or
- its opening tag, exactly as written, occurs inside one of the strings and appears more often than in
  the benign page (this catches harmless-looking ones too: <b>, <xss>, <marquee>).

Handler attributes and script links are counted the same way, but with no benign allowance at all on
pages (the site's CSP forbids both, so a benign page has none: `scan` of the baseline proves it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements that run script, load something, submit somewhere or change how the page is read.
ACTIVE_TAGS = frozenset(
    """a applet area audio base basefont bgsound body button embed form frame frameset head html iframe
    ilayer image img input isindex keygen layer link marquee math meta noscript object param picture
    portal script select source style svg template textarea track video xml""".split()
)
# Attributes whose value the browser follows as a URL.
URL_ATTRIBUTES = frozenset(
    """action background cite codebase data dynsrc formaction href longdesc lowsrc manifest ping poster
    src srcset usemap xlink:href""".split()
)
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# Browsers drop these from a URL before reading its scheme ("java\tscript:" is "javascript:").
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_STYLE_SCRIPT = re.compile(r"expression\s*\(|javascript:|vbscript:|-moz-binding|behavior\s*:", re.IGNORECASE)
_META_REFRESH_SCRIPT = re.compile(r"url\s*=\s*['\"]?\s*(javascript|vbscript|data):", re.IGNORECASE)
# Characters without which a string can form no tag, attribute, entity or URL scheme in an
# autoescaped page (every attribute the site writes is quoted): strings lacking all of them
# cannot come back as markup, so their pages need no parsing.
MARKUP_CHARACTERS = frozenset("<>\"'`&:=")


def _is_local_link(href: str | None) -> bool:
    """A link to a part of this page or another page of the site (what error summaries add)."""
    return bool(href) and (href.startswith("#") or (href.startswith("/") and not href.startswith("//")))


def could_be_markup(text: str) -> bool:
    return any(char in MARKUP_CHARACTERS for char in text)


def is_script_url(value: str) -> bool:
    """True for a URL a browser would run or render inline (after dropping whitespace and controls)."""
    return _URL_NOISE.sub("", value or "").lower().startswith(SCRIPT_SCHEMES)


@dataclass
class Scan:
    """What a page holds that could run or load something, counted."""

    tags: Counter = field(default_factory=Counter)  # tag name -> count
    raw: Counter = field(default_factory=Counter)  # opening tag exactly as written -> count
    handlers: Counter = field(default_factory=Counter)  # (tag, on* attribute) -> count
    script_urls: Counter = field(default_factory=Counter)  # (tag, attribute, value) -> count
    specials: Counter = field(default_factory=Counter)  # comments, declarations, processing instructions

    def merged(self, other: Scan) -> Scan:
        """The most of each thing either page has: a twin for pages in several benign states."""
        return Scan(*(getattr(self, name) | getattr(other, name)
                      for name in ("tags", "raw", "handlers", "script_urls", "specials")))


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Scan()
        self.hrefs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        result = self.result
        if not (tag == "a" and _is_local_link(dict(attrs).get("href"))):
            result.tags[tag] += 1
        result.raw[self.get_starttag_text()] += 1
        for name, value in attrs:
            name = name.lower()
            value = value or ""
            if name.startswith("on"):
                result.handlers[(tag, name)] += 1
            if name in URL_ATTRIBUTES:
                self.hrefs.append((tag, name, value))
                if is_script_url(value) or (name == "srcset" and any(
                        is_script_url(part) for part in value.split(","))):
                    result.script_urls[(tag, name, value)] += 1
            elif name == "style" and _STYLE_SCRIPT.search(value):
                result.script_urls[(tag, name, value)] += 1
            elif (name == "content" and tag == "meta" and _META_REFRESH_SCRIPT.search(value)
                  and (dict(attrs).get("http-equiv") or "").lower() == "refresh"):
                result.script_urls[(tag, name, value)] += 1

    def handle_comment(self, data):
        self.result.specials["comment"] += 1

    def handle_decl(self, decl):
        self.result.specials["declaration " + decl.split()[0].lower() if decl.split() else "declaration"] += 1

    def unknown_decl(self, data):
        self.result.specials["unknown declaration"] += 1

    def handle_pi(self, data):
        self.result.specials["processing instruction"] += 1


def scan(html: str) -> Scan:
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.result


def urls(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every URL-valued attribute in a page."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.hrefs


def variants(text: str) -> set[str]:
    """The forms a typed string may take on the way back out: as sent, trimmed, whitespace collapsed, LF."""
    return {text, text.strip(), " ".join(text.split()), text.replace("\r\n", "\n").replace("\r", "\n")}


def injected(html: str, baseline: Scan, strings: Iterable[str]) -> list[str]:
    """What `html` holds beyond `baseline` that makes markup live; empty when the strings stayed text."""
    haystack = "\x00".join(form for text in strings for form in variants(text))
    lowered = haystack.lower()
    page = scan(html)
    problems: list[str] = []
    for raw, count in page.raw.items():
        if count <= baseline.raw[raw]:
            continue
        if raw in haystack or raw.lower() in lowered:
            problems.append(f"element from the input: {raw[:120]!r}")
    for tag, count in page.tags.items():
        if tag in ACTIVE_TAGS and count > baseline.tags[tag]:
            problems.append(f"{count - baseline.tags[tag]} more <{tag}> than the benign page")
    for key, count in page.handlers.items():
        if count > baseline.handlers[key]:
            problems.append(f"handler attribute {key[1]} on <{key[0]}>")
    for key, count in page.script_urls.items():
        if count > baseline.script_urls[key]:
            problems.append(f"script URL in {key[1]} of <{key[0]}>: {key[2][:80]!r}")
    for key, count in page.specials.items():
        if count > baseline.specials[key]:
            problems.append(f"{count - baseline.specials[key]} more {key} than the benign page")
    return list(dict.fromkeys(problems))


def assert_quiet_baseline(baseline: Scan) -> None:
    """A benign page has no handler attributes and no script links, or comparing with it proves nothing."""
    assert not baseline.handlers, f"the benign page itself has handler attributes: {dict(baseline.handlers)}"
    assert not baseline.script_urls, f"the benign page itself has script URLs: {dict(baseline.script_urls)}"
