"""Security headers on every response: every GET route in the URL map (as visitors, owners and admins), error
pages, static files and the JSON API; HSTS in production; nothing cached that a signed-in person was shown.

And the promise the Content-Security-Policy makes pages keep: no inline script, event handler or style.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import DEFAULT_PASSWORD

from .test_access_matrix import ALLOWED, OUTCOMES, RoleClient, cases

STRICT_REFERRER_POLICIES = {"no-referrer", "same-origin"}  # same-origin or stricter
HSTS_MIN_AGE = 180 * 24 * 3600
SWEEP_ROLES = ("anonymous", "owner", "admin")  # between them: every kind of page, 403, 404 and sign-in bounce
HTTPS = "https://localhost"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
SCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = [word.lower() for word in words[1:]]
    return found


def header_problems(response, *, signed_in: bool, production: bool = False,
                    static: bool = False, embed: bool = False) -> list[str]:
    """What is missing or too loose in this response's headers (and, for a page, its markup).

    `embed`: the finder other sites frame (/embed), which names who may frame it and is the same
    anonymous page for everyone (no user is loaded, so a shared cache may keep it)."""
    problems = []
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts is None:
        problems.append("no script-src or default-src in the Content-Security-Policy")
    else:
        loose = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts)
        if loose:
            problems.append(f"script-src allows {sorted(loose)}")
    for directive in ("object-src", "base-uri") if embed else ("frame-ancestors", "object-src", "base-uri"):
        if policy.get(directive) != ["'none'"]:
            problems.append(f"{directive} is {policy.get(directive)}, not 'none'")
    if embed and not policy.get("frame-ancestors"):
        problems.append("the embeddable page names no frame-ancestors")
    if headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    referrer = headers.get("Referrer-Policy", "")
    if referrer.lower() not in STRICT_REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {referrer!r}")
    if production:
        match = re.search(r"max-age=(\d+)", headers.get("Strict-Transport-Security", ""))
        if not match or int(match.group(1)) < HSTS_MIN_AGE:
            problems.append(f"Strict-Transport-Security {headers.get('Strict-Transport-Security')!r}")
    if signed_in and not static and not embed:
        cache = {part.strip().lower() for part in headers.get("Cache-Control", "").split(",")}
        if "no-store" not in cache or "public" in cache:
            problems.append(f"to a signed-in person with Cache-Control {headers.get('Cache-Control')!r}")
    if response.mimetype == "text/html" and response.status_code < 300:
        page = response.get_data(as_text=True)
        for name, pattern in (("inline script", INLINE_SCRIPT), ("event handler attribute", EVENT_HANDLER),
                              ("style attribute", STYLE_ATTRIBUTE), ("javascript: URL", SCRIPT_URL)):
            found = pattern.search(page)
            if found:
                problems.append(f"{name} the CSP would block: {found.group(0)[:80]}")
    return problems


def report(label: str, response, problems: list[str]) -> list[str]:
    return [f"{label} ({response.status_code}): {problem}" for problem in problems]


@pytest.mark.parametrize("role", ("anonymous", "member"))
def test_error_pages_static_files_and_the_api(app, world, role, monkeypatch):
    browser = RoleClient(app, world, role)
    signed_in = role != "anonymous"
    requests = [
        ("GET", "/no/such/page", 404),
        ("GET", "/listings/no-such-listing", 404),
        ("GET", "/account/sign-out", 405),
        ("POST", "/about", 405),
        ("POST", "/account/forgot", 413),
        ("GET", "/api/v1/listings/no-such-listing", 404),
        ("GET", "/api/v1/listings?radius=far", 400),
        ("POST", "/api/v1/listings", 405),
        ("GET", "/api/v1/listings", 200),
        ("GET", "/api/v1/openapi.json", 200),
        ("GET", "/healthz", 200),
    ]
    failures = []
    for method, path, status in requests:
        data = {"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)} if status == 413 else None
        response = browser.open(path, method=method, data=data)
        assert response.status_code == status, (method, path, response.status_code)
        failures += report(f"{method} {path}", response, header_problems(response, signed_in=signed_in))

    for path in ("/favicon.ico", f"/static/{world.static_file}", "/static/js/site.js", "/static/no-such.css"):
        response = browser.open(path)
        failures += report(path, response, header_problems(response, signed_in=signed_in, static=True))
        response.close()

    # A failure inside a view (page and API) still answers with every header.
    from directory.api import views as api_views
    from directory.listings import views as listing_views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(listing_views, "run_search", broken)
    monkeypatch.setattr(api_views, "run_search", broken)
    for path in ("/search", "/api/v1/listings"):
        response = browser.open(path)
        assert response.status_code == 500, path
        failures += report(f"failing {path}", response, header_problems(response, signed_in=signed_in))
    assert not failures, "\n".join(failures)


@pytest.mark.config(RATELIMIT_ENABLED=True, REPORT_RATE_LIMIT="1 per hour")
def test_the_rate_limit_page_has_the_headers_too(app, world):
    browser = RoleClient(app, world, "anonymous")
    url = f"/listings/{world.published.slug}/report"
    statuses = [browser.open(url, method="POST", data={"reason": "other"}).status_code for _ in range(2)]
    response = browser.open(url, method="POST", data={"reason": "other"})
    assert response.status_code == 429, statuses
    assert not header_problems(response, signed_in=False)


@pytest.mark.parametrize("role", SWEEP_ROLES)
def test_every_get_route_in_production(production_app, world, role):
    """Every GET route in the URL map, over HTTPS, plus a missing page and a missing API listing."""
    browser = RoleClient(production_app, world, role)
    signed_in = role != "anonymous"
    failures = []
    allowed = 0
    for case in cases(production_app, writes=False):
        response = browser.open(case.url(world.values(case.subject)), base_url=HTTPS)
        static = case.endpoint in ("static", "core.favicon")
        failures += report(str(case), response, header_problems(response, signed_in=signed_in,
                                                                 production=True, static=static,
                                                                 embed=case.endpoint == "embed.finder"))
        response.close()
        allowed += OUTCOMES[case.category][role] == ALLOWED
    for path in ("/no/such/page", "/api/v1/listings/no-such-listing"):
        response = browser.open(path, base_url=HTTPS)
        failures += report(path, response, header_problems(response, signed_in=signed_in, production=True))
    assert allowed >= 20
    assert not failures, f"as {role}:\n" + "\n".join(failures)


def test_an_api_answer_to_a_remembered_browser_is_never_public(app, world):
    """A remember cookie alone turns into a new session cookie on any request, the API's too: that response
    must not be one a shared cache keeps and hands to the next person."""
    browser = app.test_client()
    response = browser.post("/account/sign-in", data={"email": "owner@example.org", "remember": "y",
                                                      "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    remembered = app.test_client()
    remembered.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    response = remembered.get("/api/v1/topics")
    assert response.status_code == 200
    assert any(header.startswith("session=") for header in response.headers.getlist("Set-Cookie"))
    assert response.headers["Cache-Control"] == "no-store"
    anonymous = app.test_client().get("/api/v1/topics")
    assert anonymous.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert not anonymous.headers.getlist("Set-Cookie")
