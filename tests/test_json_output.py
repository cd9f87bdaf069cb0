"""JSON is written by orjson with Flask's rules: keys sorted, compact (indented in debug), dates and
dataclasses as Flask writes them, the same document as Flask's own provider."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from directory.json_output import OrjsonProvider


@dataclass
class Point:
    latitude: float
    longitude: float


DOCUMENT = {
    "zeta": [1, 2.5, None, True], "alpha": {"b": "Café ‘Ñ’", "a": -3},
    "when": datetime(2026, 12, 7, 21, 5, tzinfo=UTC), "day": date(2026, 12, 7),
    "point": Point(40.75, -73.99), "safe": Markup("<b>x</b>"),
}


def test_the_document_is_flasks_own_with_keys_sorted_and_compact(app):
    assert isinstance(app.json, OrjsonProvider)
    ours = app.json.dumps(DOCUMENT)
    flasks = DefaultJSONProvider(app).dumps(DOCUMENT, separators=(",", ":"), ensure_ascii=False)
    assert ours == flasks
    assert ours.startswith('{"alpha":{"a":-3,"b":"Café ‘Ñ’"},"day":"Mon, 07 Dec 2026')
    assert json.loads(ours)["point"] == {"latitude": 40.75, "longitude": -73.99}


def test_a_response_is_compact_and_indented_only_when_asked(app):
    with app.app_context():
        body = app.json.response({"b": 1, "a": "ü"}).get_data()
        assert body == '{"a":"ü","b":1}\n'.encode()
        app.json.compact = False
        try:
            assert app.json.response({"b": 1, "a": 2}).get_data() == b'{\n  "a": 2,\n  "b": 1\n}\n'
        finally:
            app.json.compact = None
    assert app.json.dumps({"b": 1}, indent=4) == '{\n    "b": 1\n}'  # options orjson lacks: Flask's own


def test_the_api_answers_with_it(client, make_listing):
    make_listing(name="Círculo de padres")
    response = client.get("/api/v1/topics")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_data(as_text=True)
    assert body.endswith("\n") and "\n" not in body[:-1]
    again = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert body == again + "\n"
