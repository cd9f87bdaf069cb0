"""The search form's checkbox lists are rendered once and reused: the page is byte for byte the macro's."""

from __future__ import annotations

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
    assert app.extensions["rendered_choices"]
    monkeypatch.setattr(views, "checkbox_group", lambda *args, **kwargs: None)
    assert once == again == pages()
    assert 'name="topic" value="grief" checked>' in once[1]
    assert 'name="day" value="sun" checked>' in once[1]
    assert 'name="day" value="tue">' in once[1]
