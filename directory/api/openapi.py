"""The OpenAPI 3.1 document of /api/v1, built from the same constants the search validates with.

Response schemas list every property and allow no others (`additionalProperties: false`): the tests
validate real responses against them, so a field added to a serializer without being documented,
or a private column that slipped in, fails loudly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..listings.models import COSTS, FORMATS, KINDS, WEEKDAYS, Audience, Topic
from ..listings.search import (
    DEFAULT_RADIUS,
    LOCAL_COUNT_LIMIT,
    MAX_NEAR_CHARS,
    MAX_PAGE,
    MAX_PER_PAGE,
    ONLINE_COUNT_LIMIT,
    ONLINE_PREVIEW,
    PAGES_AHEAD,
    RADII,
    UNITS,
)
from ..listings.search.fulltext import MAX_QUERY_CHARS
from .schemas import SLUG_PATTERN, STRING, array, ref, schemas

API_VERSION = "1.0.0"
DESCRIPTION = f"""\
Read-only access to the published listings of the directory: mentors and men's support groups,
searchable by place and distance. Nothing here needs an account, a key or a cookie; any web page
may call it (CORS allows every origin). Responses may be cached for 60 seconds.

**How local and online results combine.** A search with a place that was found (`origin` is not
null) and a format other than `online` pages through the listings one can attend in person
(in-person and hybrid) within `radius` miles of it, nearest first (with `q`, the nearest distance
band first and the best keyword match first within it): `section` is `local`, and `results`,
`total`, `page` and `pages` refer to that list. Beside it, `online` holds up to {ONLINE_PREVIEW}
listings one can join online (online and hybrid) and how many there are; ask again with
`format=online` to page through them. Without a place (or when the place was not found, or with
`format=online`), `section` is `online` and `results` pages through the online listings: the
nearest first (when there is an origin), otherwise the most recently confirmed; `q` narrows them.
A listing never appears in both lists. Each result repeats its list in its own `section` field.

**Counts.** Local listings are counted exactly up to {LOCAL_COUNT_LIMIT}, online listings up to
{ONLINE_COUNT_LIMIT} (and the paginated list at least {PAGES_AHEAD} pages past the current one);
beyond that `total_exact` is false and `total` is a lower bound: there are more than `total`, and
`pages` counts the pages known so far. When the local list is past its limit, the online count
beside it is a lower bound too.

**Places.** `near` takes a US ZIP code, a UK postcode or outward code, a town with or without its
state, county or country, or "latitude,longitude". When a name could mean several places the
likeliest is used and the others are in `alternatives` (search again with an alternative's
`query`). When nothing matches, `place_not_found` is true and `suggestions` may offer places.

**Privacy.** Coordinates of listings whose organisers chose an approximate location are rounded
to two decimals (about 1 km), and distances are measured to that rounded point. Online-only
listings have no coordinates and no distance. Contact details other than a public phone number
are never included: use the listing's `contact_url`.

**Errors** are JSON (`Error`) with the HTTP status: 400 names each refused parameter in
`error.fields`, 404 an unknown or unpublished listing, 429 too many requests from one address
(see `Retry-After`). Unknown query parameters are ignored. An error's `title` and `message` (and
the messages in `error.fields`) are written for people, in the request's language: `lang=es` in the
query, else the `Accept-Language` header, else English; its `status` and the parameter names in
`error.fields` are the same in every language.
"""


def _vocabulary_slugs(model) -> list[str]:
    """Slugs a taxonomy knows now: listed as the parameter's enum so clients (and tests) see them."""
    return list(db.session.scalars(select(model.slug).order_by(model.position, model.slug)))


def _slug_items(model) -> dict[str, Any]:
    slugs = _vocabulary_slugs(model)
    return {"type": "string", "enum": slugs} if slugs else {"type": "string", "pattern": SLUG_PATTERN}


def parameters() -> dict[str, Any]:
    def query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description,
                **extra}

    def repeated(name: str, items: dict[str, Any], description: str) -> dict[str, Any]:
        schema = array(items, maxItems=20, uniqueItems=True)
        return query(name, schema, description, style="form", explode=True)

    return {
        "near": query("near", {"type": "string", "maxLength": MAX_NEAR_CHARS},
                      "A ZIP code, postcode, town or 'latitude,longitude' to search around."),
        "radius": query("radius", {"type": "integer", "enum": list(RADII), "default": DEFAULT_RADIUS},
                        "How far from the place, in miles (whatever `units` says)."),
        "units": query("units", {"type": "string", "enum": list(UNITS), "default": "mi"},
                       "The units the client shows distances in; results carry both anyway."),
        "kind": query("kind", {"type": "string", "enum": list(KINDS)}, "Only mentors, or only groups."),
        "topic": repeated("topic", _slug_items(Topic),
                          "Topic slugs (see /api/v1/topics); a listing with any of them matches."),
        "audience": repeated("audience", _slug_items(Audience),
                             "Audience slugs (see /api/v1/audiences); a listing with any of them matches."),
        "format": query("format", {"type": "string", "enum": list(FORMATS)},
                        "in_person and online each include hybrid listings; hybrid means hybrid only."),
        "day": repeated("day", {"type": "string", "enum": list(WEEKDAYS)},
                        "Groups meeting on any of these days; mentors (times by arrangement) always match."),
        "cost": query("cost", {"type": "string", "enum": list(COSTS)}, "What it costs."),
        "language": query("language", {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                          "A two-letter ISO 639-1 language code, such as en or es."),
        "q": query("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
                   'Keywords: all must match; "quoted words" match as a phrase, `or` accepts either, '
                   "-word excludes."),
        "page": query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                      "Page of the paginated list."),
        "per_page": query("per_page",
                          {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
                          "Results per page."),
        "slug": {"name": "slug", "in": "path", "required": True, "schema": STRING,
                 "description": "The listing's slug (the last part of its page's URL)."},
    }


def _headers(*names: str) -> dict[str, Any]:
    known = {
        "Access-Control-Allow-Origin": {"required": True, "schema": {"type": "string", "const": "*"},
                                        "description": "Any origin may read the response."},
        "Cache-Control": {"required": True, "schema": STRING},
        "Retry-After": {"required": False, "schema": STRING, "description": "Seconds to wait."},
        "ETag": {"required": True, "schema": STRING, "description": "Changes whenever the figures do."},
    }
    return {name: known[name] for name in names}


def _json(schema: str, description: str, *headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": ref(schema)}}}
    if headers:
        response["headers"] = _headers(*headers)
    return response


def responses() -> dict[str, Any]:
    return {
        "BadRequest": _json("Error", "A parameter was not acceptable; error.fields names each one.",
                            "Access-Control-Allow-Origin"),
        "NotFound": _json("Error", "No published listing has that slug.", "Access-Control-Allow-Origin"),
        "TooManyRequests": _json("Error", "Too many requests from this address; see Retry-After.",
                                 "Access-Control-Allow-Origin", "Retry-After"),
        "Unavailable": _json("Error", "The database is unavailable; try again after Retry-After.",
                             "Access-Control-Allow-Origin", "Retry-After"),
    }


def _operation(operation_id: str, summary: str, ok: dict[str, Any], *, parameters: list[str],
               errors: tuple[str, ...] = ()) -> dict[str, Any]:
    codes = {"400": "BadRequest", "404": "NotFound"}
    documented = {code: {"$ref": f"#/components/responses/{codes[code]}"} for code in errors}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["listings"],
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
            "responses": {
                "200": ok,
                **documented,
                "429": {"$ref": "#/components/responses/TooManyRequests"},
                "503": {"$ref": "#/components/responses/Unavailable"},
            },
        }
    }


SEARCH_PARAMETERS = ["near", "radius", "units", "kind", "topic", "audience", "format", "day", "cost",
                     "language", "q", "page", "per_page"]


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document (topic and audience enums read from the database)."""
    ok = ("Access-Control-Allow-Origin", "Cache-Control")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Men's support directory API",
            "version": API_VERSION,
            "description": DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [{"name": "listings",
                  "description": "Published mentors and groups, and their vocabularies."}],
        "paths": {
            "/api/v1/listings": _operation(
                "searchListings", "Search published listings near a place, with filters.",
                _json("SearchResponse", "A page of results.", *ok),
                parameters=SEARCH_PARAMETERS, errors=("400",),
            ),
            "/api/v1/listings/{slug}": _operation(
                "getListing", "One published listing.", _json("Listing", "The listing.", *ok),
                parameters=["slug"], errors=("404",),
            ),
            "/api/v1/topics": _operation(
                "listTopics", "The topics listings can have, in display order.",
                _json("TopicList", "Every topic.", *ok), parameters=[],
            ),
            "/api/v1/audiences": _operation(
                "listAudiences", "The audiences listings can be meant for, in display order.",
                _json("AudienceList", "Every audience.", *ok), parameters=[],
            ),
            "/api/v1/demand": _operation(
                "listDemand", "Where groups are needed: the same areas and figures as the page.",
                _json("DemandList", "Areas at or above the threshold, most searched first.", *ok,
                      "ETag"), parameters=[],
            ),
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document.",
                    "tags": ["listings"],
                    "responses": {
                        "200": {"description": "The OpenAPI document.",
                                "headers": _headers(*ok),
                                "content": {"application/json": {"schema": {"type": "object"}}}},
                        "429": {"$ref": "#/components/responses/TooManyRequests"},
                    },
                }
            },
        },
        "components": {
            "parameters": parameters(),
            "schemas": schemas(),
            "responses": responses(),
        },
    }
