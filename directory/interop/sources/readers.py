"""Turning what a source sent into rows: a Meeting Guide feed's meetings, or HSDS services nested whole.

Every failure is a ReadError with a message for the source's owner (what is wrong, where), raised
before anything is written: a feed that cannot be read changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

from ...i18n import gettext

ZIP_MAGIC = b"PK\x03\x04"
API_PAGE_SIZE = 100


class ReadError(Exception):
    """The source's content is not what its format promises; the message says what was found."""


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head


def parse_json(body: bytes, what: str) -> Any:
    """The JSON in `body`; ReadError naming `what` ("The feed", in the reader's language) when it is not."""
    if not body.strip():
        raise ReadError(gettext("%(what)s is empty.", what=what))
    if _looks_like_html(body):
        raise ReadError(gettext("%(what)s is a web page (HTML), not JSON: the address may be wrong, or the "
                                "server answered with an error page.", what=what))
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ReadError(gettext("%(what)s is not UTF-8 text (byte %(byte)s).", what=what,
                                byte=error.start)) from error
    except json.JSONDecodeError as error:
        raise ReadError(gettext("%(what)s is not valid JSON: %(error)s at line %(line)s, column %(column)s.",
                                what=what, error=error.msg, line=error.lineno, column=error.colno)) from error


def meeting_guide_rows(body: bytes) -> list[dict[str, Any]]:
    """The feed's meetings: a JSON array of objects (the spec's only shape)."""
    document = parse_json(body, gettext("The feed"))
    if isinstance(document, dict) and isinstance(document.get("meetings"), list):
        document = document["meetings"]  # some generators wrap the array
    if not isinstance(document, list):
        raise ReadError(gettext("The feed is JSON but not a list of meetings (the Meeting Guide format is a "
                                "JSON array; this is %(kind)s).",
                                kind=type(document).__name__ if document is not None else "null"))
    return [row if isinstance(row, dict) else {"_not_an_object": row} for row in document]


# HSDS --------------------------------------------------------------------------------------------------


def services_in(document: Any) -> list[dict[str, Any]]:
    """The services a JSON document holds: a service, a page of them, an organization with its
    services, a service-at-location with its service, or a list of any of these."""
    found: list[dict[str, Any]] = []

    def visit(item: Any) -> None:
        if isinstance(item, list):
            for each in item:
                visit(each)
            return
        if not isinstance(item, dict):
            return
        if isinstance(item.get("contents"), list):
            visit(item["contents"])
        elif isinstance(item.get("services"), list):
            organization = {key: value for key, value in item.items() if key != "services"}
            for service in item["services"]:
                if isinstance(service, dict):
                    visit({**service, "organization": service.get("organization") or organization}
                          if "name" in organization else service)
        elif isinstance(item.get("service"), dict) and "location" in item:
            service = dict(item["service"])
            service.setdefault("service_at_locations", [{key: value for key, value in item.items()
                                                         if key != "service"}])
            visit(service)
        elif "id" in item and "name" in item and ("organization_id" in item or "organization" in item
                                                  or "schedules" in item or "service_at_locations" in item):
            found.append(item)

    visit(document)
    return found


def hsds_document_services(body: bytes) -> list[dict[str, Any]]:
    document = parse_json(body, gettext("The file"))
    services = services_in(document)
    if not services:
        raise ReadError(gettext("The file holds no HSDS services (a service, a page of services, an "
                                "organization with its services, or a service at a location)."))
    return services


Getter = Callable[[str], bytes]


def hsds_api_services(base: str, get: Getter, max_pages: int) -> list[dict[str, Any]]:
    """Every service an HSDS 3.0 API lists (GET {base}/services, page by page), nested whole: the
    list's entries when they already carry schedules and locations, else GET /services/{id}."""
    root = base.rstrip("/") + "/"
    services: list[dict[str, Any]] = []
    page = 1
    while True:
        if page > max_pages:
            raise ReadError(gettext("The API has more than %(num)s pages of services.", num=max_pages))
        url = urljoin(root, "services") + "?" + urlencode({"page": page, "per_page": API_PAGE_SIZE,
                                                           "full": "true"})
        document = parse_json(get(url), gettext("The API page %(url)s", url=url))
        if not isinstance(document, dict) or not isinstance(document.get("contents"), list):
            raise ReadError(gettext("%(url)s is not an HSDS page of services (no `contents` list): is the "
                                    "address the API's base, the part before /services?", url=url))
        for item in document["contents"]:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            if "schedules" in item or "service_at_locations" in item:
                services.append(item)
            else:
                detail = parse_json(get(urljoin(root, f"services/{item['id']}")),
                                    gettext("The service %(id)s", id=item["id"]))
                if isinstance(detail, dict):
                    services.append(detail)
        if document.get("last_page") is True or not document["contents"]:
            return services
        total = document.get("total_pages")
        if isinstance(total, int) and page >= total:
            return services
        page += 1


# The tabular form: a Frictionless data package (zip, or a folder of CSV files).
TABLE_FILES = {
    "organization": "organizations.csv", "service": "services.csv",
    "service_at_location": "service_at_location.csv", "location": "locations.csv",
    "address": "addresses.csv", "phone": "phones.csv", "schedule": "schedules.csv",
    "language": "languages.csv", "cost_option": "cost_options.csv", "attribute": "attributes.csv",
    "taxonomy_term": "taxonomy_terms.csv", "taxonomy": "taxonomies.csv", "contact": "contacts.csv",
}


def _csv_rows(text: str) -> list[dict[str, Any]]:
    return [{key: value for key, value in row.items() if key and value not in ("", None)}
            for row in csv.DictReader(io.StringIO(text))]


def _tables_from_files(files: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    """table -> rows, from file name -> bytes; the descriptor's paths win over HSDS's file names."""
    paths = dict(TABLE_FILES)
    if "datapackage.json" in files:
        descriptor = parse_json(files["datapackage.json"], "datapackage.json")
        for resource in (descriptor.get("resources") or []) if isinstance(descriptor, dict) else []:
            if isinstance(resource, dict) and resource.get("name") in paths and resource.get("path"):
                paths[str(resource["name"])] = str(resource["path"])
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, path in paths.items():
        if path in files:
            try:
                tables[table] = _csv_rows(files[path].decode("utf-8-sig"))
            except (UnicodeDecodeError, csv.Error) as error:
                raise ReadError(gettext("%(path)s in the data package is not readable CSV (%(error)s).",
                                        path=path, error=error)) from error
    if "service" not in tables:
        raise ReadError(gettext("The data package has no services.csv (HSDS's table of services)."))
    return tables


def package_services(body: bytes) -> list[dict[str, Any]]:
    """The services of a data package zip, nested as the API would answer them."""
    if _looks_like_html(body):
        raise ReadError(gettext("The file is a web page (HTML), not a data package."))
    if not body.startswith(ZIP_MAGIC):
        raise ReadError(gettext("The file is not a zip archive (an HSDS data package is a zip of CSV files "
                                "and datapackage.json)."))
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            files = {}
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if total > 10 * len(body) + 50_000_000:
                    raise ReadError(gettext("The data package unpacks to far more than its size: refused."))
                name = info.filename.rsplit("/", 1)[-1]
                if name.endswith((".csv", ".json")):
                    files[name] = archive.read(info)
    except zipfile.BadZipFile as error:
        raise ReadError(gettext("The zip archive is damaged (%(error)s).", error=error)) from error
    return nest(_tables_from_files(files))


def folder_services(folder: Path) -> list[dict[str, Any]]:
    files = {path.name: path.read_bytes() for path in folder.iterdir() if path.suffix in (".csv", ".json")}
    return nest(_tables_from_files(files))


def _by(rows: Iterable[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get(key):
            grouped[str(row[key])].append(row)
    return grouped


def nest(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """HSDS tables put back together as nested services (the inverse of the export's split)."""
    def table(name: str) -> list[dict[str, Any]]:
        return tables.get(name, [])

    organizations = {row["id"]: row for row in table("organization") if row.get("id")}
    taxonomies = {row["id"]: row for row in table("taxonomy") if row.get("id")}
    terms = {}
    for row in table("taxonomy_term"):
        if row.get("id"):
            term = dict(row)
            if term.get("taxonomy_id") in taxonomies:
                term["taxonomy_detail"] = taxonomies[term["taxonomy_id"]]
            terms[row["id"]] = term
    addresses = _by(table("address"), "location_id")
    locations = {}
    for row in table("location"):
        if row.get("id"):
            locations[row["id"]] = {**row, "addresses": addresses.get(row["id"], [])}
    links = _by(table("service_at_location"), "service_id")
    schedules = _by(table("schedule"), "service_id")
    phones = _by(table("phone"), "service_id")
    languages = _by(table("language"), "service_id")
    costs = _by(table("cost_option"), "service_id")
    contacts = _by(table("contact"), "service_id")
    attributes = _by(table("attribute"), "link_id")
    services = []
    for row in table("service"):
        if not row.get("id"):
            continue
        identifier = row["id"]
        service = dict(row)
        if row.get("organization_id") in organizations:
            service["organization"] = organizations[row["organization_id"]]
        service["schedules"] = schedules.get(identifier, [])
        service["phones"] = phones.get(identifier, [])
        service["languages"] = languages.get(identifier, [])
        service["cost_options"] = costs.get(identifier, [])
        service["contacts"] = contacts.get(identifier, [])
        service["attributes"] = [
            {**attribute, "taxonomy_term": terms.get(attribute.get("taxonomy_term_id", ""), {})}
            for attribute in attributes.get(identifier, [])]
        service["service_at_locations"] = [
            {**link, "location": locations.get(link.get("location_id", ""), {})}
            for link in links.get(identifier, [])]
        services.append(service)
    return services
