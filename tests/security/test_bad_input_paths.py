"""Ids in URLs: a number no row can have is a 404, never a database overflow."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from directory.urls import MAX_ROW_ID, row_id

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("bad_input")]

HUGE_IDS = ["0", str(MAX_ROW_ID + 1), "9" * 19, "9" * 30, "9" * 5000, "١٢"]


def int_routes(app) -> list[tuple[str, str]]:
    """(rule, method) for every route with an <int:...> part, found in the URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method))
    return found


def test_every_route_with_an_id_answers_an_impossible_id_without_a_500(app, admin_client, owner_client):
    routes = int_routes(app)
    assert len(routes) >= 15, routes
    failures = []
    for rule, method in routes:
        client = admin_client if rule.startswith("/admin") else owner_client
        for number in HUGE_IDS:
            path = re.sub(r"<int:[^>]+>", number, rule)
            status = client.open(path, method=method).status_code
            if status >= 500:
                failures.append((method, path[:60], status))
    assert failures == []


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("42", 42), (str(MAX_ROW_ID), MAX_ROW_ID), (str(MAX_ROW_ID + 1), None), ("0", None), ("", None),
    (None, None), ("²", None), ("⁰⁴⁵", None), ("١٢", None), ("-1", None), (" 1", None), ("1e3", None),
    ("9" * 5000, None),
])
def test_row_id_takes_only_plain_digits_in_range(text, expected):
    assert row_id(text) == expected
