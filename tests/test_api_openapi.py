"""The OpenAPI document tells the truth: it is valid, covers every route, and real responses match it."""

from __future__ import annotations

import copy
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import validate as validate_openapi

from directory.listings.models import COSTS, FORMATS, KINDS, WEEKDAYS
from directory.listings.search import RADII
from tests.factories import make_topic
from tests.test_api import populate


@pytest.fixture
def populated(app, gazetteer, make_user, make_listing):
    return populate(make_user, make_listing)


@pytest.fixture
def document(client, populated) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def resolve(document: dict, node: dict) -> dict:
    """Follow a local $ref ("#/components/...") to what it names."""
    while "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_spec(document: dict, path: str, status: int) -> dict:
    operation = document["paths"][path]["get"]
    return resolve(document, operation["responses"][str(status)])


def validator_for(document: dict, path: str, status: int) -> Draft202012Validator:
    schema = response_spec(document, path, status)["content"]["application/json"]["schema"]
    # The components travel along, so "#/components/schemas/..." references resolve.
    root = {**schema, "components": document["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def check(client, document: dict, url: str, path: str, status: int = 200) -> dict:
    """Fetch `url`, then hold its status, headers and body to what the document says for `path`."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    validator_for(document, path, status).validate(body)
    for name, header in response_spec(document, path, status).get("headers", {}).items():
        if header.get("required"):
            assert name in response.headers, name
    return body


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)


def test_every_route_is_documented_and_every_documented_path_exists(app, document):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented
    assert {path for path, _ in routes} >= {"/api/v1/listings", "/api/v1/listings/{slug}", "/api/v1/topics",
                                            "/api/v1/openapi.json"}


def test_parameters_list_the_values_the_search_accepts(document):
    parameters = document["components"]["parameters"]
    assert parameters["radius"]["schema"]["enum"] == list(RADII)
    assert parameters["kind"]["schema"]["enum"] == list(KINDS)
    assert parameters["format"]["schema"]["enum"] == list(FORMATS)
    assert parameters["cost"]["schema"]["enum"] == list(COSTS)
    assert parameters["day"]["schema"]["items"]["enum"] == list(WEEKDAYS)
    assert parameters["units"]["schema"]["enum"] == ["mi", "km"]
    # Topic and audience enums are the taxonomies as they are now.
    assert sorted(parameters["topic"]["schema"]["items"]["enum"]) == ["fatherhood", "grief"]
    assert parameters["audience"]["schema"]["items"]["enum"] == ["veterans"]
    listed = document["paths"]["/api/v1/listings"]["get"]["parameters"]
    assert {item["$ref"].rsplit("/", 1)[1] for item in listed} == {
        "near", "radius", "units", "kind", "topic", "audience", "format", "day", "cost", "language", "q",
        "page", "per_page",
    }


def test_a_new_topic_appears_in_the_document(client, populated):
    make_topic("anger", "Anger")
    document = client.get("/api/v1/openapi.json").get_json()
    assert "anger" in document["components"]["parameters"]["topic"]["schema"]["items"]["enum"]


def test_response_schemas_are_closed(document):
    """Every object in a response lists its properties and allows no others: leaks cannot hide."""

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(document["components"]["schemas"]))
    assert len(found) > 10
    for schema in found:
        assert schema["additionalProperties"] is False, schema
        assert set(schema["required"]) <= set(schema["properties"])


SEARCHES = [
    "/api/v1/listings",
    "/api/v1/listings?near=10001",
    "/api/v1/listings?near=10001&radius=5",
    "/api/v1/listings?near=10001&radius=100&per_page=3&page=2",
    "/api/v1/listings?near=10001&radius=50&topic=grief&topic=fatherhood&kind=group&day=tue&cost=free",
    "/api/v1/listings?near=10001&radius=100&q=fathers&units=km",
    "/api/v1/listings?near=10001&format=online",
    "/api/v1/listings?near=10001&format=in_person",
    "/api/v1/listings?near=Springfield",
    "/api/v1/listings?near=Zzyzxqqq",
    "/api/v1/listings?near=40.75,-73.99&radius=1",
    "/api/v1/listings?near=LS1",
    "/api/v1/listings?q=the+and",
    "/api/v1/listings?language=es&audience=veterans",
    "/api/v1/listings?page=500",
]


@pytest.mark.parametrize("url", SEARCHES)
def test_search_responses_match_the_document(client, document, url):
    check(client, document, url, "/api/v1/listings")


def test_listing_responses_match_the_document(client, document, populated):
    published = [listing for listing in populated.values() if listing.status == "published"
                 and not (listing.owner and listing.owner.is_suspended)]
    assert len(published) >= 8
    for listing in published:
        body = check(client, document, f"/api/v1/listings/{listing.slug}", "/api/v1/listings/{slug}")
        assert body["slug"] == listing.slug
    check(client, document, "/api/v1/listings/hidden-draft", "/api/v1/listings/{slug}", 404)
    check(client, document, "/api/v1/listings/no-such-listing", "/api/v1/listings/{slug}", 404)


def test_vocabulary_and_error_responses_match_the_document(client, document):
    check(client, document, "/api/v1/topics", "/api/v1/topics")
    check(client, document, "/api/v1/audiences", "/api/v1/audiences")
    body = check(client, document, "/api/v1/listings?radius=7&topic=nope", "/api/v1/listings", 400)
    assert set(body["error"]["fields"]) == {"radius", "topic"}


def test_demand_responses_match_the_document(client, document):
    from directory.demand.cells import cell_of
    from directory.demand.models import OUTCOME_NONE, DemandCount
    from directory.extensions import db
    from directory.timeutil import utcnow

    assert check(client, document, "/api/v1/demand", "/api/v1/demand")["areas"] == []
    for topics, (latitude, longitude) in (("grief", (53.8, -1.55)), ("", (40.75, -73.99))):
        cell = cell_of(latitude, longitude)
        db.session.add(DemandCount(day=utcnow().date(), cell_row=cell.row, cell_col=cell.col, topics=topics,
                                   outcome=OUTCOME_NONE, searches=10))
    db.session.commit()
    body = check(client, document, "/api/v1/demand", "/api/v1/demand")
    assert [area["topics"] for area in body["areas"]] == [[], ["grief"]]


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="1 per minute")
def test_a_rate_limited_response_matches_the_document(client, document):
    # Fetching the document used up the allowance.
    check(client, document, "/api/v1/topics", "/api/v1/topics", 429)


def test_the_schemas_catch_an_undocumented_or_missing_field(client, document):
    """The check above can fail: an extra field, a missing one or a wrong type is refused."""
    body = client.get("/api/v1/listings?near=10001&radius=100").get_json()
    validator = validator_for(document, "/api/v1/listings", 200)
    validator.validate(body)
    leaked = copy.deepcopy(body)
    leaked["results"][0]["contact_email"] = "someone@example.org"
    missing = copy.deepcopy(body)
    del missing["results"][0]["distance_miles"]
    wrong = copy.deepcopy(body)
    wrong["results"][0]["meetings"] = [{**body["results"][0]["meetings"][0], "weekday": "someday"}]
    for broken in (leaked, missing, wrong):
        with pytest.raises(ValidationError):
            validator.validate(broken)


# Generated requests (schemathesis): every documented parameter, within the bounds the document gives.


@pytest.mark.parametrize("path", ["/api/v1/listings", "/api/v1/listings/{slug}", "/api/v1/topics",
                                  "/api/v1/audiences", "/api/v1/openapi.json"])
def test_generated_requests_get_documented_responses(app, populated, path):
    """Status, content type, headers and body of each response as documented; never a server error."""
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=30, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        # Its WSGI transport hands the body over as sent, undecoded: ask for it plain (compression has
        # its own tests, in test_assets.py).
        case.call_and_validate(headers={"Accept-Encoding": "identity"})

    run()
