"""Shared steps: send every string through one surface, read the site's mail."""

from __future__ import annotations

import email
from collections import Counter
from collections.abc import Callable, Iterable
from email import policy
from pathlib import Path

from sqlalchemy import func, select

from directory.extensions import db

from .markup import Scan, assert_quiet_baseline, could_be_markup, injected, scan
from .payloads import tally

BENIGN = "Benign words 42"
# Harmless strings that still trip each kind of check (missing, too long, wrong format), so the benign
# twin shows every message a hostile string can cause.
BENIGN_STRINGS = (BENIGN, "", "Benign words " * 500)


def is_html(response) -> bool:
    return response.mimetype == "text/html" and not 300 <= response.status_code < 400


def describe(failures: list[tuple[str, object]], limit: int = 12) -> str:
    lines = [f"{len(failures)} strings failed; the first {min(limit, len(failures))}:"]
    lines += [f"  {text[:100]!r}: {problem}" for text, problem in failures[:limit]]
    return "\n".join(lines)


def sweep(surface: str, strings: Iterable[str], send: Callable[[str], object], *, record_property,
          benign: Iterable[str] = BENIGN_STRINGS, between: Callable[[], None] | None = None) -> Counter:
    """Send each string once through `send`; no 500, and no string comes back as live markup.

    The pages for the `benign` strings, merged, are the twin every other page is compared with.
    `between` runs after each request (to put back state a successful submission changed).
    Returns the statuses seen.
    """
    strings = list(strings)
    baseline = Scan()
    benign = list(benign)
    for text in benign:
        response = send(text)
        assert response.status_code < 500, f"{surface}: a benign request failed with {response.status_code}"
        if is_html(response):
            baseline = baseline.merged(scan(response.get_data(as_text=True)))
        if between:
            between()
    assert_quiet_baseline(baseline)
    statuses: Counter = Counter()
    failures: list[tuple[str, object]] = []
    parsed = 0
    for text in strings:
        response = send(text)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append((text, f"status {response.status_code}"))
        elif is_html(response) and could_be_markup(text):
            parsed += 1
            problems = injected(response.get_data(as_text=True), baseline, [text])
            if problems:
                failures.append((text, problems[:3]))
        if between:
            between()
    tally(surface, record_property, strings=len(strings), requests=len(strings) + len(benign),
          pages_parsed=parsed, **{f"status_{code}": count for code, count in sorted(statuses.items())})
    assert not failures, f"{surface}: " + describe(failures)
    return statuses


def check_page(surface: str, html: str, baseline_html: str, strings: Iterable[str], *,
               record_property) -> None:
    """One page that shows many stored strings at once, against the same page showing benign ones."""
    strings = list(strings)
    baseline = scan(baseline_html)
    assert_quiet_baseline(baseline)
    problems = injected(html, baseline, strings)
    tally(surface, record_property, strings_on_page=len(strings))
    assert not problems, f"{surface}: " + "; ".join(problems[:12])


def mail_html(folder: Path) -> list[tuple[str, str]]:
    """(subject, HTML part) of every message the site wrote to its mail folder, oldest first."""
    if not folder.exists():
        return []
    found = []
    for path in sorted(folder.glob("*.eml"), key=lambda item: item.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("html",))
        found.append((str(message["Subject"]), body.get_content() if body is not None else ""))
    return found


def clear_mail(folder: Path) -> None:
    if folder.exists():
        for path in folder.glob("*.eml"):
            path.unlink()


def row_counts() -> dict[str, int]:
    """Rows in every table the models know: proof that nothing was dropped, added or emptied."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def needs_parse(strings: Iterable[str]) -> bool:
    return any(could_be_markup(text) for text in strings)
