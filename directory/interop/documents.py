"""The HSDS API's self-description: its OpenAPI document and the profile it follows.

Both derive from Open Referral's HSDS 3.0 (CC BY-SA 4.0), so both carry its attribution and licence.
Response schemas point at HSDS's canonical schema URLs, as HSDS's own OpenAPI document does.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..urls import external_url
from .hsds import ATTRIBUTION, HSDS_VERSION, TAXONOMIES, taxonomy_object
from .hsds_queries import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
LICENSE = {"name": "Creative Commons Attribution-ShareAlike 4.0",
           "url": "https://creativecommons.org/licenses/by-sa/4.0/"}
TZID = {
    "type": "string",
    "description": ("IANA time zone of opens_at, closes_at and dtstart (for example America/Chicago). "
                    "HSDS 3.0's `timezone` is a fixed UTC offset, wrong for half the year where clocks "
                    "change, so it is left out."),
}


def profile() -> dict[str, Any]:
    """What this API adds to and leaves out of HSDS 3.0, for the people who read it."""
    return {
        "name": f"{current_app.config['SITE_NAME']} HSDS profile",
        "hsds_version": HSDS_VERSION,
        "url": external_url("interop.hsds_profile"),
        "openapi_url": external_url("interop.hsds_openapi"),
        "description": ("Mentors and men's support groups as HSDS 3.0 services. Each listing is one "
                        "service of one organization of its own; its meetings are schedules, its place "
                        "and its public join link are locations, and kind, format, topics and audiences "
                        "are four taxonomies attached as attributes."),
        "schema_changes": {"schedule": {"properties": {"tzid": TZID}}},
        "schedules": {
            "weekly": "freq WEEKLY, byday (MO..SU)",
            "every other week": "freq WEEKLY, interval 2, dtstart (a date the meeting falls on)",
            "nth weekday of the month": "freq MONTHLY, byday with its ordinal (2TU; -1FR: the last Friday)",
            "times": "opens_at and closes_at are wall-clock times (HH:MM) in the schedule's tzid",
            "mentors": "no recurrence: a description of when they are available, and how they meet",
        },
        "identifiers": ("Every id is a UUID version 5 of this site's namespace and the row: the same "
                        "row has the same id in every answer and every data package."),
        "privacy": [
            "No e-mail address anywhere: no email, no assurer_email, no contacts.",
            "A place the organiser keeps approximate is the town with coordinates rounded to two "
            "decimals (about 1 km) and no address; application_process says the address is sent on "
            "request through the listing's contact form.",
            "A join link the organiser keeps private is left out the same way.",
            "A phone number only where the organiser made it public.",
        ],
        "freshness": ("assured_date is the day the organiser last confirmed the listing; a listing not "
                      "confirmed for a long while carries an alert, and later leaves the API."),
        "taxonomies": [taxonomy_object(key) for key in TAXONOMIES],
        "attribution": ATTRIBUTION,
        "license": LICENSE,
    }


def _page_of(item_schema: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": "#/components/schemas/Page"}],
            "properties": {"contents": {"type": "array", "items": {"$ref": SCHEMA_BASE + item_schema}}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


ERROR = {"$ref": "#/components/schemas/Error"}
UUID = {"type": "string", "format": "uuid"}


def _by_id(summary: str, schema: str) -> dict[str, Any]:
    return {"get": {
        "summary": summary,
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": UUID}],
        "responses": {"200": _json(summary, {"$ref": SCHEMA_BASE + schema}),
                      "404": _json("No such id among published listings.", ERROR)},
    }}


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of /api/hsds/."""
    paging = [_query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
              _query("per_page", f"Results a page (default {DEFAULT_PER_PAGE}).",
                     {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE})]
    bad = {"400": _json("A parameter could not be used; error.fields names each one.", ERROR)}
    zipped = {"application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['SITE_NAME']}: HSDS 3.0 API",
            "version": "1.0.0",
            "summary": "Published mentors and men's support groups as Open Referral HSDS 3.0.",
            "description": ("Read-only, no key, open to any origin (CORS), answers may be cached for 60 "
                            "seconds. Filters combine with AND. Schedules carry the IANA time zone in the "
                            "extension `tzid` (see the profile). " + ATTRIBUTION),
            "license": LICENSE,
        },
        "servers": [{"url": external_url("interop.hsds_index").rstrip("/")}],
        "paths": {
            "/": {"get": {"summary": "This API: its HSDS version, profile and OpenAPI document.",
                          "responses": {"200": _json("About this API.",
                                                     {"$ref": "#/components/schemas/About"})}}},
            "/services": {"get": {
                "summary": "Published listings as services (one-to-one fields and the organization).",
                "parameters": [
                    _query("search", "Words to find, matched by the site's full-text index.",
                           {"type": "string"}),
                    *paging,
                    _query("modified_after", "Only services changed at or after this ISO 8601 moment.",
                           {"type": "string"}),
                    _query("taxonomy_term_id", "Only services with this term (a kind, format, topic...).",
                           UUID),
                    _query("organization_id", "Only the services of this organization.", UUID),
                ],
                "responses": {"200": _json("A page of services.", _page_of("compiled/service_list.json")),
                              **bad},
            }},
            "/services/{id}": _by_id("One service, fully nested.", "service.json"),
            "/organizations": {"get": {
                "summary": "One organization per published listing.", "parameters": paging,
                "responses": {"200": _json("A page of organizations.",
                                           _page_of("compiled/organization_list.json")), **bad}}},
            "/organizations/{id}": _by_id("One organization.", "organization.json"),
            "/taxonomies": {"get": {
                "summary": "Kind, format, topics and audiences.", "parameters": paging,
                "responses": {"200": _json("A page of taxonomies.", _page_of("taxonomy.json")), **bad}}},
            "/taxonomies/{id}": _by_id("One taxonomy.", "taxonomy.json"),
            "/taxonomy_terms": {"get": {
                "summary": "The terms of the four taxonomies.",
                "parameters": [*paging, _query("taxonomy_id", "Only this taxonomy's terms.", UUID)],
                "responses": {"200": _json("A page of terms.", _page_of("taxonomy_term.json")), **bad}}},
            "/taxonomy_terms/{id}": _by_id("One taxonomy term.", "taxonomy_term.json"),
            "/profile": {"get": {"summary": "What this API adds to HSDS 3.0 (tzid) and its privacy rules.",
                                 "responses": {"200": _json("The profile.", {"type": "object"})}}},
            "/datapackage.zip": {"get": {
                "summary": "Every published service in HSDS's tabular form: datapackage.json and CSV files.",
                "responses": {"200": {"description": "A zip file.", "content": zipped}}}},
        },
        "components": {"schemas": {
            "About": {"type": "object", "required": ["version", "profile", "openapi_url"], "properties": {
                "version": {"type": "string"}, "profile": {"type": "string", "format": "uri"},
                "openapi_url": {"type": "string", "format": "uri"}}},
            "Page": {"type": "object", "required": ["total_items", "total_pages", "page_number", "size",
                                                    "first_page", "last_page", "empty", "contents"],
                     "properties": {"total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
                                    "page_number": {"type": "integer"}, "size": {"type": "integer"},
                                    "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
                                    "empty": {"type": "boolean"}, "contents": {"type": "array"}}},
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object"}}},
        }},
    }
