"""Cross-site request forgery: every state-changing route, found in the URL map, refuses a request without
this session's CSRF token, but the three in EXEMPT, each for its reason: the JSON API takes GET only.

The other half of the rule, that no GET changes the database whoever sends it, is checked request by
request in test_access_matrix.py's read sweep (it opens every GET route as every role anyway); the one
write a GET may make, an audit row for reading kept messages, is pinned down here.
"""

from __future__ import annotations

import re

import pytest
from flask_wtf.csrf import CSRFError

from directory.errors import render_error
from directory.extensions import db

from .test_access_matrix import (
    ALLOWED,
    AUDITED_READS,
    OUTCOMES,
    Case,
    RoleClient,
    audited_read,
    cases,
    changed_tables,
    database_fingerprint,
)

EXEMPT: dict[str, str] = {  # endpoint -> why it may change state without a token; add none lightly
    "alerts.stop": "RFC 8058 one-click unsubscribe: the mail program POSTs without a form; the signed link "
                   "in the path is the key",
    "followups.forget": "the same, for the check-in mail",
    "alerts.new": "the sign-up box is on cookie-free search and area pages; other sites' forms are refused "
                  "by their Origin (test_alerts.py), and a sign-up only sends a confirmation mail",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
TOKEN_VALUE = re.compile(r'value="([^"]+)"')


@pytest.fixture
def csrf_refusals(app) -> list[str]:
    """Why Flask-WTF refused each request, so a 400 from the token is told apart from a 400 from the form."""
    refusals: list[str] = []

    @app.errorhandler(CSRFError)
    def record(error: CSRFError):
        refusals.append(error.description)
        return render_error(400)

    return refusals


def token_of(browser: RoleClient) -> str:
    """This session's CSRF token, read from a page with a form, as a browser would."""
    page = browser.open("/account" if browser.user is not None else "/account/sign-in")
    assert page.status_code == 200, page.status_code
    field = TOKEN_FIELD.search(page.get_data(as_text=True))
    assert field, "no CSRF token on the page"
    return TOKEN_VALUE.search(field.group(0)).group(1)


def acting_role(case: Case) -> str:
    """The least privileged role this route lets through, so only the token can be what stops it."""
    by_role = OUTCOMES[case.category]
    return next((role for role in ("anonymous", "member", "owner", "admin") if by_role[role] == ALLOWED),
                "anonymous")


def test_the_api_takes_no_state_changing_method_and_nothing_is_exempt(app):
    assert set(EXEMPT) == {"alerts.stop", "followups.forget", "alerts.new"}
    assert set(app.config["WTF_CSRF_METHODS"]) >= WRITE_METHODS
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert not (rule.methods & WRITE_METHODS), rule.rule


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.own_app  # csrf_refusals adds an error handler
def test_every_state_changing_route_refuses_a_missing_wrong_or_foreign_token(app, world, csrf_refusals):
    browsers = {role: RoleClient(app, world, role) for role in ("anonymous", "member", "owner", "admin")}
    # Tokens of other sessions of the same people (another browser, or a page an attacker fetched).
    foreign = {role: token_of(RoleClient(app, world, role)) for role in browsers}
    failures = []
    checked = 0
    for case in cases(app, writes=True):
        if case.endpoint in EXEMPT:
            continue
        role = acting_role(case)
        browser = browsers[role]
        values = world.fresh(case.subject)
        url = case.url(values)
        form = {"message_id": str(values["message_id"])}
        browser.ready()  # a control below may have signed this browser out of its device session
        before = database_fingerprint()
        for label, token in (("no token", None), ("a made-up token", "ImZha2UiLCJ0b2tlbiJd.Zm9v.YmFy"),
                             ("another session's token", foreign[role])):
            data = dict(form, csrf_token=token) if token else form
            refused_before = len(csrf_refusals)
            response = browser.open(url, method=case.method, data=data)
            if response.status_code != 400 or len(csrf_refusals) != refused_before + 1:
                failures.append(f"{case} as {role} with {label}: {response.status_code}, not refused for it")
        changes = changed_tables(before, database_fingerprint())
        if changes:
            failures.append(f"{case} as {role}: refused, yet the database changed: {changes}")
        # The control: with this session's own token the check passes (whatever the form then says).
        token = token_of(browser)
        refused_before = len(csrf_refusals)
        browser.open(url, method=case.method, data=dict(form, csrf_token=token))
        if len(csrf_refusals) != refused_before:
            failures.append(f"{case} as {role}: refused with the session's own token: {csrf_refusals[-1]}")
        checked += 1
    assert checked >= 25
    assert not failures, "\n".join(failures)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.own_app  # csrf_refusals adds an error handler
def test_a_token_in_a_header_is_checked_the_same_way(app, world, csrf_refusals):
    """Flask-WTF also reads X-CSRFToken: a foreign one there is refused too."""
    owner = RoleClient(app, world, "owner")
    stranger_token = token_of(RoleClient(app, world, "owner"))
    listing_id = world.draft.id
    response = owner.open(f"/my/listings/{listing_id}/withdraw", method="POST",
                          headers={"X-CSRFToken": stranger_token})
    assert response.status_code == 400 and csrf_refusals
    db.session.refresh(world.draft)
    assert world.draft.status == "draft"
    response = owner.open(f"/my/listings/{listing_id}/withdraw", method="POST",
                          headers={"X-CSRFToken": token_of(owner)})
    assert response.status_code == 302
    db.session.refresh(world.draft)
    assert world.draft.status == "withdrawn"


def test_the_audited_read_is_the_only_exception_and_it_writes_one_row(app, world):
    """The read sweep's one exemption is real and narrow: opening the kept messages adds one audit row."""
    assert set(AUDITED_READS) == {"contact.admin_messages"}
    admin = RoleClient(app, world, "admin")
    before = database_fingerprint()
    response = admin.open(f"/admin/listings/{world.published.id}/messages")
    assert response.status_code == 200
    after = database_fingerprint()
    case = next(case for case in cases(app, writes=False) if case.endpoint == "contact.admin_messages")
    assert audited_read(case, before, after)
    assert not audited_read(next(cases(app, writes=False)), before, after)

