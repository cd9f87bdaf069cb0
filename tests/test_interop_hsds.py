"""The HSDS 3.0 API and data package: every answer valid against HSDS's own schemas, the mapping of
each recurrence, privacy choice and format, stable UUIDs, and the filters."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import timedelta

import pytest
from openapi_spec_validator import validate as validate_openapi

from directory.extensions import db
from directory.interop import datapackage
from directory.seeding.demo import seed_demo
from directory.seeding.taxonomies import seed_taxonomies
from directory.timeutil import utcnow

from .interop_cases import HIDDEN, every_case
from .standards import HSDS_BASE, errors_of, hsds_validator, read_json

API = "/api/hsds"
NAMESPACE = "e5fbc3e7-4987-4d69-ad8d-59e5cb2ac3ba"


@pytest.fixture
def cases(app, make_user, make_listing):
    return every_case(make_user, make_listing)


@pytest.fixture
def demo(app_context):
    seed_taxonomies()
    seed_demo()
    db.session.commit()


def get(client, path: str, status: int = 200):
    response = client.get(API + path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def service_id(listing) -> str:
    return str(uuid.uuid5(uuid.UUID(NAMESPACE), f"service/{listing.id}"))


def assert_page(page: dict, item_schema: str) -> None:
    page_keys = {
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    }
    assert set(page) == page_keys
    assert page["size"] == len(page["contents"]) and page["empty"] == (page["total_items"] == 0)
    validator = hsds_validator(item_schema)
    for item in page["contents"]:
        assert errors_of(validator, item) == [], item.get("name")


def every_page(client, path: str) -> list[dict]:
    contents, number = [], 1
    while True:
        separator = "&" if "?" in path else "?"
        page = get(client, f"{path}{separator}page={number}&per_page=5")
        contents += page["contents"]
        if page["last_page"]:
            return contents
        number += 1


def assert_no_email(document) -> None:
    text = json.dumps(document)
    assert "@" not in text and "email" not in text, "no e-mail address, no email field"


def check_everything(client) -> list[dict]:
    """Every endpoint's answers against HSDS's schemas; returns every fully nested service."""
    about = get(client, "/")
    assert about["version"] == "3.0" and about["profile"].endswith("/api/hsds/profile")
    assert about["openapi_url"].endswith("/api/hsds/openapi.json")
    listed = every_page(client, "/services")
    assert_page(get(client, "/services?per_page=100"), "compiled/service_list.json")
    services = []
    validator = hsds_validator("service.json")
    for item in listed:
        full = get(client, f"/services/{item['id']}")
        assert errors_of(validator, full) == [], full["name"]
        assert {key: full[key] for key in item} == item  # the list shows the same one-to-one fields
        assert_no_email(full)
        services.append(full)
    assert_page(get(client, "/organizations?per_page=100"), "compiled/organization_list.json")
    for organization in get(client, "/organizations?per_page=100")["contents"]:
        assert (
            errors_of(
                hsds_validator("organization.json"), get(client, f"/organizations/{organization['id']}")
            )
            == []
        )
    taxonomies = get(client, "/taxonomies")
    assert_page(taxonomies, "taxonomy.json")
    assert [item["name"] for item in taxonomies["contents"]] == [
        "Listing kind",
        "Format",
        "Topics",
        "Audiences",
    ]
    terms = get(client, "/taxonomy_terms?per_page=100")
    assert_page(terms, "taxonomy_term.json")
    for item in taxonomies["contents"]:
        assert get(client, f"/taxonomies/{item['id']}") == item
    for item in terms["contents"][:3]:
        assert get(client, f"/taxonomy_terms/{item['id']}") == item
    return services


def test_the_demo_directory(client, demo):
    services = check_everything(client)
    assert len(services) >= 90


def test_the_written_example_passes_the_same_schema():
    validator = hsds_validator("service.json")
    for service in read_json("hsds-3.0", "site-example", "services.json"):
        assert errors_of(validator, service) == []


def test_every_case(client, cases):
    services = {item["name"]: item for item in check_everything(client)}
    for name in HIDDEN:
        assert cases[name].name not in services
    assert len(services) == len(cases) - len(HIDDEN)

    exact = services["Exact Group"]
    assert exact["id"] == service_id(cases["exact"])
    assert exact["url"] == "http://localhost/listings/exact-group" and exact["status"] == "active"
    by_rule = {(item["freq"], item.get("interval"), item["byday"]): item for item in exact["schedules"]}
    assert set(by_rule) == {
        ("WEEKLY", None, "TU"),
        ("WEEKLY", None, "SU"),
        ("WEEKLY", 2, "WE"),
        ("MONTHLY", None, "2TU"),
    }
    tuesday = by_rule[("WEEKLY", None, "TU")]
    assert (tuesday["opens_at"], tuesday["closes_at"], tuesday["tzid"], tuesday["wkst"]) == (
        "19:00",
        "20:30",
        "America/New_York",
        "MO",
    )
    assert "timezone" not in tuesday  # a fixed offset would be wrong half the year
    assert by_rule[("WEEKLY", 2, "WE")]["dtstart"] == "2026-01-07"  # the Wednesday of the anchor's week
    assert by_rule[("MONTHLY", None, "2TU")]["opens_at"] == "10:00"
    (place,) = [link["location"] for link in exact["service_at_locations"]]
    assert place["location_type"] == "physical" and place["latitude"] == 39.7589123
    assert place["addresses"][0]["address_1"] == "12 Main St"
    assert exact["phones"][0]["number"] == "(937) 555-0100"
    assert exact["cost_options"][0]["option"] == "Donation"
    assert exact["fees_description"] == "A few dollars for coffee if you can."
    assert "Just turn up" in exact["application_process"]
    assert (
        exact["assured_date"] == cases["exact"].last_confirmed_at.date().isoformat() and "alert" not in exact
    )
    codes = {(item["link_type"], item["taxonomy_term"]["code"]) for item in exact["attributes"]}
    assert codes == {
        ("kind", "group"),
        ("format", "in_person"),
        ("topics", "fatherhood"),
        ("topics", "grief"),
        ("audiences", "young-men"),
        ("audiences", "veterans"),
    }

    # An approximate place: the town, rounded coordinates, no address; the address on request.
    approximate = services["Approximate Group"]
    (place,) = [link["location"] for link in approximate["service_at_locations"]]
    assert "addresses" not in place and (place["latitude"], place["longitude"]) == (40.75, -74.0)
    assert "Elm St" not in json.dumps(approximate)
    assert "address is sent on request" in approximate["application_process"]
    assert approximate["application_process"].endswith("/listings/approximate-group/contact")
    assert "phones" not in approximate  # not made public

    # Online: a virtual location with the public link; no physical place.
    online = services["Online Group"]
    assert [link["location"]["location_type"] for link in online["service_at_locations"]] == ["virtual"]
    assert online["service_at_locations"][0]["location"]["name"] == "Zoom"
    assert [item["code"] for item in online["languages"]] == ["es", "fr", "vi"]
    assert {item["attending_type"] for item in online["schedules"]} == {"Online"}
    private = services["Online Private"]
    assert "service_at_locations" not in private and "zoom.us/j/999" not in json.dumps(private)
    assert "join link is sent on request" in private["application_process"]
    assert services["Online Unknown Host"]["service_at_locations"][0]["location"]["url"] == (
        "https://meet.example.org/group"
    )

    hybrid = services["Hybrid Approximate"]
    kinds = [link["location"]["location_type"] for link in hybrid["service_at_locations"]]
    assert kinds == ["physical", "virtual"]
    assert (hybrid["service_at_locations"][0]["location"]["latitude"],) == (30.27,)
    assert {item["byday"] for item in hybrid["schedules"]} == {"TH", "-1FR"}
    assert {item["attending_type"] for item in hybrid["schedules"]} == {"In person or online"}

    mentor = services["Mark, mentor for new fathers"]
    (availability,) = mentor["schedules"]
    assert availability["description"] == "Weekday evenings" and "freq" not in availability
    assert availability["attending_type"] == "By phone or by video call"
    assert "currently accepting mentees" in mentor["application_process"]
    assert "Father of three." in mentor["description"]

    stale = services["Stale Group"]
    assert stale["alert"].startswith("Not confirmed since") and stale["assured_date"]


def test_ids_are_uuid5_of_the_configured_namespace_and_stable(client, cases, app):
    first = get(client, "/services?per_page=100")["contents"]
    assert get(client, "/services?per_page=100")["contents"] == first
    assert service_id(cases["exact"]) in {item["id"] for item in first}
    for item in first:
        assert uuid.UUID(item["id"]).version == 5
    cases["exact"].slug = "exact-group-renamed"
    db.session.commit()
    assert service_id(cases["exact"]) in {
        item["id"] for item in get(client, "/services?per_page=100")["contents"]
    }


@pytest.mark.config(HSDS_ID_NAMESPACE="0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b")
def test_another_namespace_gives_other_ids(client, cases):
    ids = {item["id"] for item in get(client, "/services?per_page=100")["contents"]}
    expected = str(
        uuid.uuid5(uuid.UUID("0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), f"service/{cases['exact'].id}")
    )
    assert expected in ids and service_id(cases["exact"]) not in ids


def test_filters_combine_with_and(client, cases):
    every = get(client, "/services?per_page=100")
    assert every["total_items"] == len(cases) - len(HIDDEN)
    terms = {
        (item["taxonomy"], item["code"]): item["id"]
        for item in get(client, "/taxonomy_terms?per_page=100")["contents"]
    }

    def names(query: str) -> set[str]:
        return {item["name"] for item in get(client, f"/services?per_page=100&{query}")["contents"]}

    assert names(f"taxonomy_term_id={terms[('Listing kind', 'mentor')]}") == {"Mark, mentor for new fathers"}
    hybrid = names(f"taxonomy_term_id={terms[('Format', 'hybrid')]}")
    assert hybrid == {
        "Hybrid Approximate",
        "Hybrid Exact",
        "Hybrid Exact Private",
        "Mark, mentor for new fathers",
    }
    assert names(f"taxonomy_term_id={terms[('Audiences', 'veterans')]}") == {"Exact Group"}
    assert names(f"taxonomy_term_id={terms[('Topics', 'fatherhood')]}") == {"Exact Group"}
    organization = next(
        item["organization_id"] for item in every["contents"] if item["name"] == "Online Group"
    )
    assert names(f"organization_id={organization}") == {"Online Group"}
    assert names(f"organization_id={organization}&taxonomy_term_id={terms[('Format', 'hybrid')]}") == set()
    assert names("search=exact") >= {"Exact Group"} and "Online Group" not in names("search=exact")
    assert names(f"search=hybrid&taxonomy_term_id={terms[('Format', 'hybrid')]}") >= {"Hybrid Exact"}

    db.session.execute(
        db.text("UPDATE listings SET updated_at = :old"), {"old": utcnow() - timedelta(days=30)}
    )
    cases["online"].summary = "Changed today."
    db.session.commit()
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert names(f"modified_after={since}") == {"Online Group"}

    page = get(client, "/services?per_page=3&page=2")
    assert (page["page_number"], page["size"], page["first_page"], page["last_page"]) == (2, 3, False, False)
    assert page["total_pages"] == -(-every["total_items"] // 3)
    assert [item["id"] for item in page["contents"]] == [item["id"] for item in every["contents"][3:6]]
    unknown = get(client, f"/services?taxonomy_term_id={uuid.uuid4()}")
    assert unknown["empty"] and unknown["total_items"] == 0 and unknown["contents"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("per_page=1000", "per_page"),
        ("page=x", "page"),
        ("modified_after=yesterday", "modified_after"),
        ("taxonomy_term_id=42", "taxonomy_term_id"),
        ("organization_id=not-a-uuid", "organization_id"),
    ],
)
def test_bad_parameters_are_named(client, cases, query, field):
    body = get(client, f"/services?{query}", status=400)
    assert field in body["error"]["fields"]


def test_unknown_or_hidden_ids_are_404(client, cases):
    for name in HIDDEN:
        assert get(client, f"/services/{service_id(cases[name])}", status=404)["error"]["status"] == 404
    get(client, f"/services/{uuid.uuid4()}", status=404)
    get(client, "/services/nothing", status=404)
    get(client, f"/taxonomies/{uuid.uuid4()}", status=404)
    get(client, f"/organizations/{uuid.uuid4()}", status=404)


def test_profile_and_openapi_describe_tzid_and_credit_open_referral(client, cases):
    profile = get(client, "/profile")
    assert profile["schema_changes"]["schedule"]["properties"]["tzid"]["type"] == "string"
    assert "Open Referral" in profile["attribution"] and "CC BY-SA 4.0" in profile["attribution"]
    assert profile["license"]["url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    document = get(client, "/openapi.json")
    # HSDS's schemas are referenced by their canonical URLs; each must name a schema HSDS has. The
    # validator would fetch them, so they are swapped for a placeholder before the structure is checked.
    remote = []

    def local(node):
        if isinstance(node, dict):
            if node.get("$ref", "").startswith(HSDS_BASE):
                remote.append(node["$ref"].removeprefix(HSDS_BASE))
                return {"type": "object"}
            return {key: local(value) for key, value in node.items()}
        return [local(value) for value in node] if isinstance(node, list) else node

    validate_openapi(local(document))
    for name in remote:
        hsds_validator(name)  # exists in HSDS 3.0
    assert "Open Referral" in document["info"]["description"]
    assert document["info"]["license"]["name"] == "Creative Commons Attribution-ShareAlike 4.0"
    upstream = read_json("hsds-3.0", "schema", "openapi.json")
    ours = {path for path in document["paths"] if path not in ("/profile", "/datapackage.zip")}
    assert ours <= set(upstream["paths"]) and "/services/{id}" in ours
    assert set(document["components"]["schemas"]["Page"]["properties"]) == {
        *upstream["components"]["schemas"]["Page"]["properties"],
        "contents",
    }
    parameters = {item["name"] for item in document["paths"]["/services"]["get"]["parameters"]}
    assert parameters == {
        "page",
        "per_page",
        "search",
        "modified_after",
        "taxonomy_term_id",
        "organization_id",
    }


def read_package(client) -> tuple[dict, dict[str, list[dict]]]:
    response = client.get(API + "/datapackage.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    descriptor = json.loads(archive.read("datapackage.json"))
    tables = {}
    for resource in descriptor["resources"]:
        text = archive.read(resource["path"]).decode("utf-8")
        reader = csv.DictReader(io.StringIO(text))
        assert reader.fieldnames == [field["name"] for field in resource["schema"]["fields"]]
        tables[resource["name"]] = list(reader)
    assert sorted(archive.namelist()) == sorted(
        ["datapackage.json", *(r["path"] for r in descriptor["resources"])]
    )
    return descriptor, tables


def test_the_data_package_holds_the_same_rows_as_the_api(client, cases):
    descriptor, tables = read_package(client)
    upstream = {item["name"]: item for item in read_json("hsds-3.0", "datapackage.json")["resources"]}
    assert descriptor["profile"] == "tabular-data-package" and "Open Referral" in descriptor["description"]
    assert [resource["name"] for resource in descriptor["resources"]] == list(datapackage.TABLES)
    for resource in descriptor["resources"]:
        theirs = upstream[resource["name"]]
        assert resource["path"] == theirs["path"]
        columns = {field["name"] for field in resource["schema"]["fields"]}
        extension = {"tzid"} if resource["name"] == "schedule" else set()
        assert columns - extension <= {field["name"] for field in theirs["schema"]["fields"]}, resource[
            "name"
        ]
        for key in resource["schema"].get("foreignKeys", []):
            target = {row["id"] for row in tables[key["reference"]["resource"]]}
            assert {row[key["fields"]] for row in tables[resource["name"]]} <= target, (resource["name"], key)
    services = get(client, "/services?per_page=100")["contents"]
    assert [row["id"] for row in tables["service"]] == [item["id"] for item in services]
    nested = [get(client, f"/services/{item['id']}") for item in services]
    assert len(tables["schedule"]) == sum(len(item.get("schedules", [])) for item in nested)
    weekly = next(row for row in tables["schedule"] if row["byday"] == "2TU")
    assert (weekly["freq"], weekly["tzid"], weekly["opens_at"]) == ("MONTHLY", "America/New_York", "10:00")
    assert "@" not in json.dumps(tables)


def test_only_present_tables_are_described(client, app, make_listing):
    make_listing(slug="plain", topics=(), meetings=[], kind="mentor", format="online")
    descriptor, tables = read_package(client)
    names = [resource["name"] for resource in descriptor["resources"]]
    assert "address" not in names and "phone" not in names and "schedule" not in names
    assert "organization" in names and len(tables["service"]) == 1
