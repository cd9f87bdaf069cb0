"""HSDS's tabular form: a Frictionless data package (datapackage.json and one CSV per table) in a zip.

The rows are the API's own: every visible listing as a fully nested service, split back into the
HSDS tables, so the API and the package never disagree. Only the tables that have rows are
described (HSDS's descriptor lists 21; a directory has no funding, programs or required documents).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from flask import current_app

from ..urls import external_url
from . import hsds, hsds_queries

# table -> its columns, in HSDS's order (schedules add the `tzid` extension column at the end).
TABLES: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "description", "website"),
    "service": ("id", "organization_id", "name", "description", "url", "status", "application_process",
                "fees_description", "assured_date", "alert", "last_modified"),
    "service_at_location": ("id", "service_id", "location_id"),
    "location": ("id", "location_type", "url", "organization_id", "name", "latitude", "longitude"),
    "address": ("id", "location_id", "address_1", "city", "state_province", "postal_code", "country",
                "address_type"),
    "phone": ("id", "service_id", "number", "type"),
    "schedule": ("id", "service_id", "dtstart", "wkst", "freq", "interval", "byday", "description",
                 "opens_at", "closes_at", "attending_type", "notes", "tzid"),
    "language": ("id", "service_id", "name", "code"),
    "cost_option": ("id", "service_id", "option", "amount", "amount_description"),
    "attribute": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity"),
    "taxonomy_term": ("id", "code", "name", "description", "taxonomy", "taxonomy_id"),
    "taxonomy": ("id", "name", "description", "uri"),
}
# HSDS's own file names (service_at_location.csv is singular there).
PATHS = {
    "organization": "organizations.csv", "service": "services.csv",
    "service_at_location": "service_at_location.csv", "location": "locations.csv", "address": "addresses.csv",
    "phone": "phones.csv", "schedule": "schedules.csv", "language": "languages.csv",
    "cost_option": "cost_options.csv", "attribute": "attributes.csv", "taxonomy_term": "taxonomy_terms.csv",
    "taxonomy": "taxonomies.csv",
}
NUMBERS = {"latitude", "longitude", "amount", "interval"}
TYPES = {"assured_date": "date", "last_modified": "datetime"}
FOREIGN_KEYS = {
    "service": [("organization_id", "organization")],
    "service_at_location": [("service_id", "service"), ("location_id", "location")],
    "location": [("organization_id", "organization")],
    "address": [("location_id", "location")],
    "phone": [("service_id", "service")],
    "schedule": [("service_id", "service")],
    "language": [("service_id", "service")],
    "cost_option": [("service_id", "service")],
    "attribute": [("link_id", "service"), ("taxonomy_term_id", "taxonomy_term")],
    "taxonomy_term": [("taxonomy_id", "taxonomy")],
}


def tables(services: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Nested services split into HSDS tables; shared rows (organizations, terms) written once."""
    rows: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in TABLES}

    def put(table: str, item: dict[str, Any]) -> None:
        rows[table].setdefault(item["id"], item)

    for service in services:
        put("organization", service["organization"])
        put("service", service)
        for phone in service.get("phones", []):
            put("phone", phone)
        for schedule in service.get("schedules", []):
            put("schedule", schedule)
        for language in service.get("languages", []):
            put("language", language)
        for option in service.get("cost_options", []):
            put("cost_option", option)
        for link in service.get("service_at_locations", []):
            put("service_at_location", link)
            put("location", link["location"])
            for address in link["location"].get("addresses", []):
                put("address", address)
        for attribute in service.get("attributes", []):
            put("attribute", attribute)
            term = attribute["taxonomy_term"]
            put("taxonomy_term", term)
            put("taxonomy", term["taxonomy_detail"])
    return {name: list(found.values()) for name, found in rows.items()}


def field_type(column: str) -> str:
    return "number" if column in NUMBERS else TYPES.get(column, "string")


def descriptor(present: list[str]) -> dict[str, Any]:
    """datapackage.json for the tables that have rows."""
    resources = []
    for name in present:
        schema: dict[str, Any] = {
            "fields": [{"name": column, "type": field_type(column)} for column in TABLES[name]],
            "primaryKey": "id",
        }
        keys = [{"fields": column, "reference": {"resource": target, "fields": "id"}}
                for column, target in FOREIGN_KEYS.get(name, []) if target in present]
        if keys:
            schema["foreignKeys"] = keys
        resources.append({"name": name, "path": PATHS[name], "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": schema})
    return {
        "name": "human_services_data",
        "title": f"{current_app.config['SITE_NAME']}: published listings (HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": "3.0.0",
        "homepage": external_url("core.home"),
        "description": ("Published mentors and men's support groups, as the API at "
                        f"{external_url('interop.hsds_index')} serves them. Schedules carry "
                        "the IANA time zone in the extension column `tzid`. " + hsds.ATTRIBUTION),
        "resources": resources,
    }


def csv_text(name: str, items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TABLES[name], extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for item in items:
        writer.writerow({column: "" if item.get(column) is None else item[column] for column in TABLES[name]})
    return out.getvalue()


def build() -> bytes:
    split = tables(hsds_queries.every_service())
    present = [name for name in TABLES if split[name]]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor(present), indent=2, ensure_ascii=False))
        for name in present:
            archive.writestr(PATHS[name], csv_text(name, split[name]))
    return buffer.getvalue()
