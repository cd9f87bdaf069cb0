"""The search form's fields are rendered once and reused: the page is byte for byte the macro's."""

from __future__ import annotations

import re

import pytest

from directory.extensions import db
from directory.listings import views
from tests.factories import make_audience, make_topic

PAGES = [
    "/search?near=10001",
    "/search?near=10001&topic=grief&topic=fatherhood&audience=veterans&day=mon&day=sun",
    "/search?near=10001&topic=no-such-topic&day=mon",  # an error: that list is rendered the ordinary way
    "/search?near=10001&topic=grief&lang=es",
    "/search?day=tue&day=fri",
    # Every select and radio at another value, and text that must be escaped in a value attribute.
    "/search?near=10001&radius=50&units=km&kind=group&format=online&cost=free&language=en&q=%22dads%22+%3C%26%3E",
    "/search?near=%22New+York%22+%3Cb%3E&q=anger+%27&format=hybrid&cost=donation&kind=mentor",
    "/search?near=10001&radius=7&format=nope&cost=nope",  # refused values: those fields by the macro
]


@pytest.mark.own_app
def test_the_pages_are_the_same_with_and_without_rendering_once(app, geo, make_listing, monkeypatch):
    make_topic("fatherhood", "Fatherhood")
    make_audience("veterans", "Veterans")
    make_listing(topics=("grief", "fatherhood"))
    db.session.commit()

    def pages():
        browser = app.test_client()  # a fresh browser each time: ?lang= leaves a cookie
        return [browser.get(url).get_data(as_text=True) for url in PAGES]

    once = pages()
    again = pages()  # from what was kept
    kinds = {key[1] for key in app.extensions["rendered_fields"]}  # every kind of field the form has
    assert kinds == {"StringField", "SearchField", "SelectField", "RadioField", "SelectMultipleField"}
    monkeypatch.setattr(views, "field_once", lambda *args, **kwargs: None)
    assert once == again == pages()
    assert 'value="&#34;dads&#34; &lt;&amp;&gt;"' in once[5] and 'value="anger &#39;"' in once[6]
    assert '<option selected value="50">' in once[5] and '<option selected value="hybrid">' in once[6]
    assert 'name="topic" value="grief" checked>' in once[1]
    assert 'name="day" value="sun" checked>' in once[1]
    assert 'name="day" value="tue">' in once[1]


@pytest.mark.config(KEEP_CHOICES=True)
def test_the_forms_choices_are_read_once_until_the_public_data_changes(app, client, geo, make_user,
                                                                         make_listing):
    from directory.moderation import services as moderation
    from tests.support import statements_run

    admin = make_user("admin@example.org", admin=True)
    make_topic("fatherhood", "Fatherhood")
    make_listing(topics=("fatherhood",), languages=("en",))
    spanish = make_listing(status="pending", name="Padres Unidos", languages=("es",))
    db.session.commit()

    def offered(page: str) -> list[str]:
        return re.findall(r'<option (?:selected )?value="(\w*)"', page.split('name="language"', 1)[1])

    def vocabulary_reads(statements) -> list[str]:
        return [sql for sql, _ in statements
                if re.search(r"FROM (topics|audiences) ORDER BY|RECURSIVE codes", sql)]

    with app.app_context(), statements_run() as statements:
        first = client.get("/search?near=10001").get_data(as_text=True)
        read = len(vocabulary_reads(statements))
        again = client.get("/search?near=10002").get_data(as_text=True)
    assert read == 3 and len(vocabulary_reads(statements)) == read  # topics, audiences, languages: once
    assert offered(first) == offered(again) == ["", "en"]
    assert 'value="fatherhood"' in again

    moderation.approve(spanish, admin)  # moves the data version: Spanish is offered on the next page
    assert offered(client.get("/search?near=10001").get_data(as_text=True)) == ["", "en", "es"]


@pytest.mark.config(KEEP_CHOICES=True)
def test_kept_choices_are_the_pages_language_and_units(app, geo, make_listing):
    """The form's choices are made once per data version, language and units: each page shows its own."""
    make_listing()
    db.session.commit()

    def select(page: str, name: str) -> str:
        return page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]

    browser = app.test_client()
    for _ in range(2):
        english = browser.get("/search?near=10001").get_data(as_text=True)
        km = browser.get("/search?near=10001&units=km").get_data(as_text=True)
        spanish = app.test_client().get("/search?near=10001&lang=es").get_data(as_text=True)
        assert 'value="10">10 miles<' in select(english, "radius")
        assert 'value="10">10 miles (16 km)<' in select(km, "radius")
        assert ">Any<" in select(english, "cost") and ">Cualquiera<" in select(spanish, "cost")
        assert "Monday" in english and "Monday" not in spanish and "lunes" in spanish
