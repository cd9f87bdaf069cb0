"""The HSDS API's reads: its pages of services, organizations, taxonomies and terms, their query
parameters, and finding one object by its id."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, select

from ..extensions import db
from ..listings.models import Audience, Listing, Topic, listing_audiences, listing_topics
from ..listings.search.fulltext import keyword_clause, keyword_value, prepare_keyword_search
from . import records
from .cache import cached
from .hsds import TAXONOMIES, Builder, Term, all_terms, taxonomy_object, term_object
from .ids import is_uuid, public_id
from .records import ListingRecord

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 10_000


class InvalidQuery(ValueError):
    """Query parameters that cannot be used; `errors` names each one."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors


def identity_maps() -> dict[str, dict[str, int]]:
    """UUID -> listing id for every visible listing's service and organization (cached: the UUIDs
    cannot be reversed, and hashing every id on each request would be wasted work)."""
    def build() -> dict[str, dict[str, int]]:
        ids = db.session.connection().execute(records.visible_ids()).scalars().all()
        return {"service": {public_id("service", number): number for number in ids},
                "organization": {public_id("organization", number): number for number in ids}}

    return cached("hsds-identity", build)


def find_listing(kind: str, identifier: str) -> ListingRecord | None:
    """The visible listing whose service (kind "service") or organization has this id."""
    number = identity_maps()[kind].get(identifier.lower())
    if number is None:
        return None
    found = records.load(records.visible_ids(Listing.id == number))
    return found[0] if found else None


@dataclass
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def parse(cls, args: Mapping[str, str], errors: dict[str, str]) -> PageRequest:
        values = {}
        for name, lowest, highest, default in (("page", 1, MAX_PAGE, 1),
                                               ("per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)):
            text = (args.get(name) or "").strip()
            if not text:
                values[name] = default
            elif text.isascii() and text.isdigit() and len(text) <= 6 and lowest <= int(text) <= highest:
                values[name] = int(text)
            else:
                errors[name] = f"A whole number from {lowest} to {highest}."
                values[name] = default
        return cls(**values)

    @classmethod
    def checked(cls, args: Mapping[str, str]) -> PageRequest:
        """The page asked for; InvalidQuery when `page` or `per_page` is not usable."""
        errors: dict[str, str] = {}
        request = cls.parse(args, errors)
        if errors:
            raise InvalidQuery(errors)
        return request

    def cut(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """This page's part of a list held in memory."""
        return items[(self.page - 1) * self.per_page:self.page * self.per_page]


def page_object(contents: list[dict[str, Any]], total: int, request: PageRequest) -> dict[str, Any]:
    """HSDS's Page: counts, where this page is, and its contents."""
    pages = math.ceil(total / request.per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": request.page,
        "size": len(contents),
        "first_page": request.page == 1,
        "last_page": request.page >= pages,
        "empty": total == 0,
        "contents": contents,
    }


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 date or date-time ('2026-11-01', '2026-11-01T10:00:00Z'), as naive UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def service_conditions(args: Mapping[str, str]) -> tuple[list[Any], dict[str, Any]]:
    """SQL conditions (combined with AND) and bound values for /services' query parameters."""
    errors: dict[str, str] = {}
    conditions: list[Any] = []
    values: dict[str, Any] = {}
    modified = (args.get("modified_after") or "").strip()
    if modified:
        moment = parse_moment(modified) if len(modified) <= 40 else None
        if moment is None:
            errors["modified_after"] = "An ISO 8601 date or date-time, such as 2026-11-01T00:00:00Z."
        else:
            conditions.append(Listing.updated_at >= moment)
    term_id = (args.get("taxonomy_term_id") or "").strip()
    if term_id:
        if not is_uuid(term_id.lower()):
            errors["taxonomy_term_id"] = "A taxonomy term's id (a UUID)."
        else:
            term = {term.id: term for term in all_terms()}.get(term_id.lower())
            conditions.append(term_condition(term))
    organization = (args.get("organization_id") or "").strip()
    if organization:
        if not is_uuid(organization.lower()):
            errors["organization_id"] = "An organization's id (a UUID)."
        else:
            number = identity_maps()["organization"].get(organization.lower())
            conditions.append(Listing.id == (number if number is not None else -1))
    words = (args.get("search") or "").strip()
    if words:
        value = keyword_value(words, db.engine.dialect.name)
        if value is not None:
            kind = prepare_keyword_search(db.session, value).kind
            conditions.append(keyword_clause(kind))
            values["keywords"] = value
    if errors:
        raise InvalidQuery(errors)
    return conditions, values


def term_condition(term: Term | None) -> ColumnElement[bool]:
    """Listings carrying a term; a term no listing can carry matches nothing."""
    if term is None:
        return Listing.id == -1
    if term.taxonomy == "kind":
        return Listing.kind == term.code
    if term.taxonomy == "format":
        return Listing.format == term.code
    links, column, model = ((listing_topics, listing_topics.c.topic_id, Topic) if term.taxonomy == "topics"
                            else (listing_audiences, listing_audiences.c.audience_id, Audience))
    return (select(links.c.listing_id)
            .join(model, model.id == column)
            .where(links.c.listing_id == Listing.id, model.slug == term.code).exists())


def services_page(args: Mapping[str, str], full: bool = False) -> dict[str, Any]:
    """GET /services: visible listings matching every parameter, lowest id first, one page."""
    errors: dict[str, str] = {}
    request = PageRequest.parse(args, errors)
    try:
        conditions, values = service_conditions(args)
    except InvalidQuery as error:
        errors.update(error.errors)
    if errors:
        raise InvalidQuery(errors)
    ids = records.visible_ids(*conditions)
    total = records.count(ids, values)
    builder = Builder()
    listed = records.load(records.page_of_ids(ids, request.page, request.per_page, values))
    make = builder.service if full else builder.service_summary
    return page_object([make(listing) for listing in listed], total, request)


def organizations_page(args: Mapping[str, str]) -> dict[str, Any]:
    request = PageRequest.checked(args)
    ids = records.visible_ids()
    total = records.count(ids)
    builder = Builder()
    listed = records.load(records.page_of_ids(ids, request.page, request.per_page))
    return page_object([builder.organization(listing) for listing in listed], total, request)


def taxonomies_page(args: Mapping[str, str]) -> dict[str, Any]:
    request = PageRequest.checked(args)
    everything = [taxonomy_object(key) for key in TAXONOMIES]
    return page_object(request.cut(everything), len(everything), request)


def taxonomy_terms_page(args: Mapping[str, str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    request = PageRequest.parse(args, errors)
    wanted = (args.get("taxonomy_id") or "").strip().lower()
    taxonomies = {key: taxonomy_object(key) for key in TAXONOMIES}
    keys = [key for key, detail in taxonomies.items() if not wanted or detail["id"] == wanted]
    if wanted and not keys:
        if not is_uuid(wanted):
            errors["taxonomy_id"] = "A taxonomy's id (a UUID)."
    if errors:
        raise InvalidQuery(errors)
    everything = [term_object(term, taxonomies) for term in all_terms() if term.taxonomy in keys]
    return page_object(request.cut(everything), len(everything), request)


def find_taxonomy(identifier: str) -> dict[str, Any] | None:
    return next((taxonomy_object(key) for key in TAXONOMIES
                 if public_id("taxonomy", key) == identifier.lower()), None)


def find_term(identifier: str) -> dict[str, Any] | None:
    taxonomies = {key: taxonomy_object(key) for key in TAXONOMIES}
    wanted = identifier.lower()
    return next((term_object(term, taxonomies) for term in all_terms() if term.id == wanted), None)


def every_service() -> list[dict[str, Any]]:
    """Every visible listing as a fully nested service (what the data package tabulates)."""
    builder = Builder()
    return [builder.service(listing) for listing in records.load(records.visible_ids())]
