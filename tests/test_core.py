"""The layout, the home/about/privacy pages, error pages, and the helpers every template uses."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import abort, flash, render_template_string, request
from sqlalchemy import select
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from directory.core import templating
from directory.errors import MESSAGES
from directory.extensions import db
from directory.listings.models import Topic
from tests.factories import make_topic


class Page(HTMLParser):
    """The parts of an HTML page the tests look at: every tag with its attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str, **attrs) -> list[dict[str, str]]:
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [found for name, found in self.tags
                if name == tag and all(found.get(key) == value for key, value in wanted.items())]

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs in self.tags if "id" in attrs}


def get_page(client, path: str, status: int = 200) -> Page:
    response = client.get(path)
    assert response.status_code == status
    return Page(response.get_data(as_text=True))


# ---------------------------------------------------------------- home page


def test_home_search_form_sends_the_search_page_its_parameters(app_context, client):
    make_topic("fatherhood", "Fatherhood")
    make_topic("divorce-and-separation", "Divorce and separation")
    page = get_page(client, "/")

    forms = [form for form in page.find("form") if form.get("action") == "/search"]
    assert forms and forms[0]["method"] == "get"
    assert page.find("input", name="near", id="near")
    assert page.find("label", for_="near")
    radius = [attrs for tag, attrs in page.tags if tag == "option"]
    values = [option["value"] for option in radius]
    assert values[:6] == ["1", "5", "10", "25", "50", "100"]
    assert page.find("option", value="10", selected="")
    assert page.find("select", name="radius") and page.find("select", name="topic")
    assert page.find("option", value="fatherhood") and page.find("option", value="divorce-and-separation")
    assert {attrs["value"] for attrs in page.find("input", name="kind")} == {"", "group", "mentor"}
    assert page.find("input", name="kind", value="", checked="")


def test_home_links_each_topic_to_its_search(app_context, client):
    make_topic("grief-and-loss", "Grief and loss")
    page = get_page(client, "/")
    assert page.find("a", href="/search?topic=grief-and-loss")
    assert "Grief and loss" in page.text


def test_home_without_topics_still_offers_the_search(app_context, client):
    assert db.session.scalars(select(Topic)).first() is None
    page = get_page(client, "/")
    assert page.find("select", name="topic")
    assert len(page.find("option")) == 6 + 1  # six radii and "Anything"
    assert "Or start with a topic" not in page.text


def test_home_explains_itself_and_invites_organisers(client):
    page = get_page(client, "/")
    assert "find it hard to reach out" in page.text
    assert "For mentors and organisers" in page.text
    assert page.find("meta", name="description")[0]["content"].startswith("Men often find it hard")


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize("path", ["/", "/about", "/privacy", "/no-such-page"])
def test_every_page_has_skip_link_landmarks_crisis_line_and_attribution(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    page = Page(html)

    assert page.find("html", lang="en")
    assert page.find("meta", name="viewport")
    assert page.find("meta", name="description")[0]["content"].strip()
    body_links = [attrs for tag, attrs in page.tags if tag == "a"]
    assert body_links[0]["href"] == "#main"  # the skip link comes first
    assert page.find("main", id="main")
    assert page.find("header") and page.find("footer")
    assert page.find("nav", aria_label="Main")
    assert len(page.find("h1")) == 1
    line = "In crisis? In the US call or text 988."
    assert page.find("aside", aria_label="Crisis support")
    assert page.text.count(line) >= 2  # at the top and in the footer
    assert page.text.index(line) < page.text.index("Find support")  # above the navigation
    assert page.find("a", href="tel:988")
    assert "Contains GeoNames data, CC BY 4.0" in page.text
    assert page.find("a", href="https://www.geonames.org/")
    assert page.find("a", href="/about") and page.find("a", href="/privacy")


def test_compact_search_sits_in_the_header_except_on_home(client):
    assert not get_page(client, "/").find("input", id="header-near")
    about = get_page(client, "/about")
    assert about.find("input", id="header-near", name="near")
    assert about.find("form", action="/search", method="get", role="search")


@pytest.mark.config(CRISIS_LINE="In crisis? In the UK call Samaritans free on 116 123.")
def test_crisis_line_is_configurable(client):
    page = get_page(client, "/about")
    assert page.text.count("In crisis? In the UK call Samaritans free on 116 123.") >= 2
    assert "988" not in page.text
    assert not [attrs for tag, attrs in page.tags if tag == "a" and attrs.get("href", "").startswith("tel:")]


@pytest.mark.config(CRISIS_LINE="Need to talk? Call Samaritans on 116 123.", CRISIS_TEL="116123")
def test_crisis_line_can_dial_its_own_number(client):
    page = get_page(client, "/")
    assert page.find("a", href="tel:116123")


def test_anonymous_nav_offers_search_areas_register_and_sign_in(client, app):
    page = get_page(client, "/about")
    assert page.find("a", href="/search") and page.find("a", href="/areas/")
    text = page.text
    assert ("Sign in" in text) == ("accounts.sign_in" in app.view_functions)
    assert ("List your group" in text) == ("accounts.register" in app.view_functions)
    assert "Sign out" not in text and "Admin" not in text


@pytest.fixture
def account_endpoints(app):
    """The account views, or stand-ins where that blueprint has not registered them."""
    for endpoint, path, methods in [
        ("accounts.sign_in", "/stub/sign-in", ["GET"]),
        ("accounts.sign_out", "/stub/sign-out", ["POST"]),
        ("accounts.register", "/stub/register", ["GET"]),
        ("accounts.account", "/stub/account", ["GET"]),
        ("owner.dashboard", "/stub/my", ["GET"]),
        ("moderation.queue", "/stub/admin", ["GET"]),
    ]:
        if endpoint not in app.view_functions:
            app.add_url_rule(path, endpoint=endpoint, view_func=lambda: "", methods=methods)


@pytest.mark.parametrize("admin", [False, True])
def test_signed_in_nav_has_account_links_and_a_post_sign_out(client, app, make_user, account_endpoints,
                                                            admin):
    user = make_user(admin=admin)
    client.sign_in(user)
    with app.test_request_context():
        from flask import url_for

        sign_out = url_for("accounts.sign_out")
        queue = url_for("moderation.queue")
        dashboard = url_for("owner.dashboard")
    page = get_page(client, "/about")
    forms = page.find("form", action=sign_out)
    assert forms and forms[0]["method"] == "post"
    assert page.find("input", type="hidden", name="csrf_token")
    assert page.find("a", href=dashboard)
    assert "My listings" in page.text and "Account" in page.text
    assert bool(page.find("a", href=queue)) is admin
    assert "Sign in" not in page.text


def test_flash_messages_carry_a_role_by_category(app):
    with app.test_request_context("/"):
        for category in ("success", "info", "warning", "error", "message"):
            flash(f"{category} text", category)
        page = Page(render_template_string("{% extends 'base.html' %}"))
    assert page.find("div", class_="flash flash-error", role="alert")
    assert page.find("div", class_="flash flash-warning", role="alert")
    assert page.find("div", class_="flash flash-success", role="status")
    assert len(page.find("div", class_="flash flash-info", role="status")) == 2  # "message" counts as info


# ---------------------------------------------------------------- nothing from other hosts


ASSET_TAGS = {"link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src", "video": "src",
              "audio": "src", "embed": "src", "object": "data"}


def test_home_loads_nothing_from_another_host(app_context, client):
    make_topic("fatherhood", "Fatherhood")
    page = get_page(client, "/")
    # A rel="alternate" link names the meetings feed for other programs; the browser fetches nothing.
    assets = [attrs[attribute] for tag, attrs in page.tags
              for name, attribute in ASSET_TAGS.items()
              if tag == name and attrs.get(attribute) and attrs.get("rel") != "alternate"]
    paths = [urlsplit(url).path for url in assets]
    assert any(path.endswith(".css") for path in paths) and any(path.endswith(".js") for path in paths)
    for url in assets:
        assert not urlsplit(url).netloc and not url.startswith("//"), url
        assert url.startswith("/static/"), url
    for url in (url for url in assets if urlsplit(url).path.endswith(".css")):
        response = client.get(url)
        assert response.status_code == 200
        css = response.get_data(as_text=True)
        assert "@import" not in css
        for reference in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            assert reference.startswith("data:") or not urlsplit(reference).netloc, reference
        response.close()


def test_favicon_is_served_for_browsers_that_ask(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data().startswith(b"<svg")
    response.close()


def test_vendored_framework_ships_with_its_licence(app):
    from pathlib import Path

    vendor = Path(app.static_folder) / "vendor" / "pico"
    assert "MIT License" in (vendor / "LICENSE.md").read_text()


# ---------------------------------------------------------------- error pages


@pytest.fixture
def failing_routes(app):
    """A route that fails with each code (the tests using it are marked own_app: they add a route)."""
    def fail(code: int):
        if code == 500:
            raise RuntimeError("boom")
        if code == 413:
            return str(len(request.form))
        abort(code)

    app.add_url_rule("/test-fail/<int:code>", "test_fail", fail, methods=["GET", "POST"])


@pytest.mark.own_app
@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500, 503])
def test_error_pages_render_in_the_layout(client, failing_routes, code):
    if code == 405:
        response = client.post("/about")
    elif code == 413:
        response = client.post("/test-fail/413", data={"text": "x" * (300 * 1024)})
    else:
        response = client.get(f"/test-fail/{code}")
    assert response.status_code == code
    page = Page(response.get_data(as_text=True))
    title, message = MESSAGES[code]
    assert page.find("h1", id="error-title")
    assert title in page.text and message in page.text
    assert f"Error {code}" in page.text
    assert page.find("a", href="/")
    assert page.find("input", name="near", id="error-near")
    assert "In crisis? In the US call or text 988." in page.text
    assert page.find("meta", name="robots", content="noindex")
    if code == 503:
        assert response.headers["Retry-After"]


@pytest.mark.own_app
def test_error_page_never_shows_a_traceback(client, failing_routes):
    body = client.get("/test-fail/500").get_data(as_text=True)
    assert "Traceback" not in body and "boom" not in body


# ---------------------------------------------------------------- the form macro


def example_form(formdata=None):
    from flask_wtf import FlaskForm

    class ExampleForm(FlaskForm):
        class Meta:
            csrf = False

        name = StringField("Your name", validators=[DataRequired(), Length(max=5)],
                           description="As people will see it.")
        bio = TextAreaField("About you", validators=[Optional()])
        kind = RadioField("Kind", validators=[DataRequired()],
                          choices=[SelectChoice("group", "A group"), SelectChoice("mentor", "A mentor")])
        topics = SelectMultipleField("Topics", choices=[
            SelectChoice("grief", "Grief"), SelectChoice("anger", "Anger"),
            SelectChoice("fatherhood", "Fatherhood"),
        ])
        country = SelectField("Country", choices=[SelectChoice("US", "United States"),
                                                  SelectChoice("GB", "United Kingdom")])
        agree = BooleanField("I agree", validators=[DataRequired("Tick the box to agree.")])
        token = HiddenField()

    return ExampleForm(formdata=formdata)


MACRO_PAGE = """{% from "_macros/forms.html" import field, form_errors %}
{{ form_errors(form) }}<form method="post">{% for f in form %}{{ field(f) }}{% endfor %}</form>"""


def render_form(app, data: dict | None):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context("/", method="POST", data=data or {}):
        form = example_form(MultiDict(data) if data is not None else None)
        if data is not None:
            form.validate()
        return form, Page(render_template_string(MACRO_PAGE, form=form))


def test_field_macro_renders_labels_help_and_required_marks(app):
    _, page = render_form(app, None)
    assert page.find("label", for_="name") and page.find("input", id="name", name="name")
    assert page.find("small", id="name-help")
    assert page.find("input", id="name", aria_describedby="name-help")
    assert "Your name (required)" in page.text
    assert "About you (required)" not in page.text
    assert page.find("textarea", id="bio")
    assert page.find("select", id="country")
    assert page.find("input", type="hidden", name="token")
    assert not page.find("label", for_="token")
    # SelectMultipleField: a checkbox per choice inside a fieldset with a legend.
    assert page.find("fieldset", id="topics")
    assert len(page.find("input", type="checkbox", name="topics")) == 3
    assert page.find("label", for_="topics-0")
    assert len(page.find("input", type="radio", name="kind")) == 2
    assert page.find("input", type="checkbox", name="agree", id="agree")
    assert not page.find("div", class_="error-summary")


def test_field_macro_shows_errors_next_to_fields_and_keeps_input(app):
    data = {"name": "Much too long", "topics": ["grief", "fatherhood"], "country": "GB", "bio": "<b>hi</b>"}
    form, page = render_form(app, data)
    assert set(form.errors) == {"name", "kind", "agree"}

    name = page.find("input", id="name")[0]
    assert name["value"] == "Much too long" and name["aria-invalid"] == "true"
    assert name["aria-describedby"].split() == ["name-help", "name-error"]
    assert {"name-help", "name-error", "kind-error", "agree-error"} <= page.ids()
    assert "Field cannot be longer than 5 characters." in page.text
    # Every aria-describedby points at something that exists.
    for _, attrs in page.tags:
        for target in attrs.get("aria-describedby", "").split():
            assert target in page.ids(), target
    assert page.find("fieldset", id="kind", aria_describedby="kind-error")
    assert all(radio.get("aria-invalid") == "true" for radio in page.find("input", name="kind"))
    checked = {box["value"] for box in page.find("input", name="topics") if "checked" in box}
    assert checked == {"grief", "fatherhood"}
    assert page.find("option", value="GB", selected="")
    assert "<b>hi</b>" in page.text  # kept, and escaped rather than rendered


def test_form_errors_summary_links_to_each_field(app):
    _, page = render_form(app, {"name": ""})
    assert page.find("div", class_="error-summary", role="alert")
    assert "There is a problem" in page.text
    assert "Your name: This field is required." in page.text  # a generic message says which field
    # a specific one needs no label
    assert "Tick the box to agree." in page.text and "I agree: Tick" not in page.text
    links = {attrs["href"] for tag, attrs in page.tags if tag == "a"}
    assert {"#name", "#kind", "#agree"} <= links
    for href in links:
        assert href[1:] in page.ids()


def test_form_errors_explains_an_expired_csrf_token(app):
    from flask_wtf import FlaskForm

    with app.test_request_context("/", method="POST"):
        form = FlaskForm(meta={"csrf": True})
        form.validate()
        html = render_template_string(
            '{% from "_macros/forms.html" import form_errors %}{{ form_errors(form) }}', form=form
        )
    assert templating.CSRF_MESSAGE in html
    assert 'href="#csrf_token"' not in html


def test_field_macro_passes_attributes_and_overrides(app):
    with app.test_request_context("/"):
        form = example_form()
        html = render_template_string(
            '{% from "_macros/forms.html" import field %}'
            '{{ field(form.name, label="Name on the listing", help="Shown publicly.", autocomplete="name",'
            ' class_="wide") }}{{ field(form.topics, as_select=True) }}',
            form=form,
        )
    page = Page(html)
    assert "Name on the listing" in page.text and "Shown publicly." in page.text
    assert page.find("input", id="name", autocomplete="name", class_="wide")
    assert page.find("select", id="topics", multiple="")


# ---------------------------------------------------------------- pagination


PAGINATION = '{% from "_macros/pagination.html" import pagination %}{{ pagination(page_obj) }}'


def test_pagination_keeps_every_query_parameter(app_context, app):
    for number in range(5):
        make_topic(f"topic-{number}")
    db.session.commit()
    with app.test_request_context("/search?near=10001&topic=a&topic=b&page=2"):
        request.endpoint  # noqa: B018 - the URL is matched lazily
        page_obj = db.paginate(select(Topic).order_by(Topic.id), page=2, per_page=2, error_out=False)
        html = render_template_string(PAGINATION, page_obj=page_obj)
    page = Page(html)
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert len(hrefs) == 5  # previous, 1, 2, 3, next
    for href in hrefs:
        url = urlsplit(href)
        assert url.path == "/search"
        query = parse_qs(url.query)
        assert query["near"] == ["10001"] and query["topic"] == ["a", "b"]
    assert {parse_qs(urlsplit(href).query)["page"][0] for href in hrefs} == {"1", "2", "3"}
    assert page.find("a", aria_current="page")
    assert "Page 2 of 3" in page.text


def test_pagination_is_silent_on_a_single_page(app):
    with app.test_request_context("/search"):
        page_obj = db.paginate(select(Topic), page=1, per_page=20, error_out=False)
        html = render_template_string(PAGINATION, page_obj=page_obj)
    assert html.strip() == ""


def test_url_with_args_replaces_removes_and_repeats(app):
    with app.test_request_context("/search?near=x&topic=a&topic=b&page=3"):
        url = templating.url_with_args(page=None, topic=["c"], kind="group")
    query = parse_qs(urlsplit(url).query)
    assert query == {"near": ["x"], "topic": ["c"], "kind": ["group"]}


# ---------------------------------------------------------------- helpers and filters


@pytest.mark.own_app  # renames a route of the app it is given
def test_a_renamed_endpoint_fails_loudly_instead_of_hiding_its_links(app, client, caplog):
    """Every page links to "All areas": renaming its view must break the page, not drop the link."""
    rules = app.url_map._rules_by_endpoint.pop("listings.areas")
    for rule in rules:
        rule.endpoint = "listings.every_area"
    app.url_map._rules_by_endpoint["listings.every_area"] = rules
    app.view_functions["listings.every_area"] = app.view_functions.pop("listings.areas")
    assert client.get("/about").status_code == 500
    assert "BuildError" in caplog.text and "'listings.areas'" in caplog.text


NOW = datetime(2025, 6, 15, 12, 0)


@pytest.mark.parametrize(("then", "expected"), [
    (NOW - timedelta(hours=3), "today"),
    (NOW - timedelta(days=1), "yesterday"),
    (NOW - timedelta(days=12), "12 days ago"),
    (NOW - timedelta(days=44), "44 days ago"),
    (NOW - timedelta(days=61), "2 months ago"),
    (NOW - timedelta(days=400), "1 year ago"),
    (NOW - timedelta(days=800), "2 years ago"),
    (NOW + timedelta(days=2), "in the future"),
    (None, "never"),
])
def test_timeago(then, expected):
    assert templating.timeago(then, now=NOW) == expected


@pytest.mark.parametrize(("distance", "expected"), [
    (0.04, "under 0.1 mi"), (2.44, "2.4 mi"), (9.96, "10 mi"), (37.4, "37 mi"), (1234.5, "1,234 mi"),
    (None, ""),
])
def test_miles(distance, expected):
    assert templating.miles(distance) == expected


def test_filters_are_available_in_templates(app):
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ d|human_date }}|{{ 2.44|miles }}|{{ 3|pluralize('group') }}"
            "|{{ 1|pluralize('person', 'people') }}|{{ 1124|pluralize('listing') }}"
            "|{{ 100|pluralize('option', more=True) }}",
            d=datetime(2025, 3, 3),
        )
    assert html == "3 March 2025|2.4 mi|3 groups|1 person|1,124 listings|more than 100 options"


def test_email_layout_wraps_a_message(app):
    with app.app_context():
        text = render_template_string(
            "{% extends 'emails/base.txt' %}{% block body %}Your listing is live.{% endblock %}", name="Sam"
        )
        html = render_template_string(
            "{% extends 'emails/base.html' %}{% block body %}<p>Your listing is live.</p>{% endblock %}",
            name="<Sam>",
        )
    assert text.startswith("Hello Sam,") and "Your listing is live." in text
    assert "In crisis? In the US call or text 988." in text
    assert "Hello &lt;Sam&gt;," in html and "<p>Your listing is live.</p>" in html
